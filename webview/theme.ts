/**
 * Chart and heatmap colours read from VS Code's --vscode-* CSS variables (runtime-notes §4), re-read when
 * the theme changes. VS Code signals a theme change with a new body class (vscode-light, vscode-dark,
 * vscode-high-contrast, vscode-high-contrast-light) and updated variables.
 */
export interface Theme {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  foreground: string;
  grid: string;
  background: string;
  fontFamily: string;
  surprisal: string;
  entropy: string;
  sumIota: string;
  compensator: string;
  residual: string;
  expected: string;
  /** Dialogue curves: information into the assistant's turns, into the user's. */
  toAssistant: string;
  toUser: string;
  /** Heatmap: flow above zero / below zero. */
  positive: string;
  negative: string;
}

function themeKind(body: HTMLElement): Theme['kind'] {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  return c.contains('vscode-light') ? 'light' : 'dark';
}

export function readTheme(doc: Document): Theme {
  const style = doc.defaultView?.getComputedStyle(doc.body);
  const v = (name: string, fallback: string): string => style?.getPropertyValue(name).trim() || fallback;
  const kind = themeKind(doc.body);
  const light = kind === 'light' || kind === 'high-contrast-light';
  const fg = v('--vscode-foreground', light ? '#333333' : '#cccccc');
  return {
    kind,
    foreground: fg,
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', light ? '#d4d4d4' : '#454545')),
    background: v('--vscode-editor-background', light ? '#ffffff' : '#1e1e1e'),
    fontFamily: v('--vscode-font-family', 'sans-serif'),
    surprisal: v('--vscode-charts-red', '#f14c4c'),
    entropy: v('--vscode-charts-blue', '#3794ff'),
    sumIota: v('--vscode-charts-purple', '#b180d7'),
    compensator: v('--vscode-charts-green', '#89d185'),
    residual: v('--vscode-charts-orange', '#d18616'),
    expected: v('--vscode-charts-yellow', '#cca700'),
    toAssistant: v('--vscode-charts-purple', '#b180d7'),
    toUser: v('--vscode-charts-green', '#89d185'),
    positive: v('--vscode-charts-red', '#f14c4c'),
    negative: v('--vscode-charts-blue', '#3794ff'),
  };
}

/**
 * Calls `onChange` with the re-read theme after the body class (theme kind) or the variables on <html>
 * (where VS Code writes the --vscode-* values) change; several changes in one frame give one call.
 * Returns a stop function.
 */
export function watchTheme(doc: Document, onChange: (t: Theme) => void): () => void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange(readTheme(doc));
    });
  });
  observer.observe(doc.body, {
    attributes: true,
    attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-id'],
  });
  observer.observe(doc.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
