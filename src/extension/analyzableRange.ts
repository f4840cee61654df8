/**
 * Pure: what "Analyze this" offers under the mouse when nothing there is analysed: the string literal
 * on the line (code), or the paragraph (prose). Ranges are UTF-16 offsets into the document text.
 */
export interface AnalyzableRange {
  start: number;
  end: number;
  kind: 'string' | 'paragraph';
}

const PROSE = new Set(['plaintext', 'markdown', 'latex', 'tex', 'restructuredtext', 'asciidoc', 'org', 'git-commit']);
const MIN_CHARS = 3;
const MAX_PARAGRAPH = 8000;

/** The inside of the quoted literal on `line` containing column `col` (quotes excluded), or null. */
export function stringLiteralAt(line: string, col: number): { start: number; end: number } | null {
  let open: { quote: string; at: number } | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (open) {
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === open.quote) {
        if (col > open.at && col <= i) return { start: open.at + 1, end: i };
        open = null;
      }
    } else if (c === '"' || c === "'" || c === '`') {
      // An apostrophe inside a word (don't) does not open a literal.
      if (c === "'" && i > 0 && /\w/.test(line[i - 1])) continue;
      open = { quote: c, at: i };
    }
  }
  return null;
}

export function analyzableRangeAt(text: string, offset: number, languageId: string): AnalyzableRange | null {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  const lineEnd = nl < 0 ? text.length : nl;
  const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
  if (PROSE.has(languageId)) {
    if (line.trim() === '') return null;
    const before = text.lastIndexOf('\n\n', lineStart);
    const crlfBefore = text.lastIndexOf('\n\r\n', lineStart);
    let start = Math.max(before < 0 ? 0 : before + 2, crlfBefore < 0 ? 0 : crlfBefore + 3);
    const after = text.slice(lineEnd).search(/\n\r?\n/);
    let end = after < 0 ? text.length : lineEnd + after;
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (end - start < MIN_CHARS || end - start > MAX_PARAGRAPH) return null;
    return { start, end, kind: 'paragraph' };
  }
  const lit = stringLiteralAt(line, offset - lineStart);
  if (!lit || lit.end - lit.start < MIN_CHARS) return null;
  return { start: lineStart + lit.start, end: lineStart + lit.end, kind: 'string' };
}
