/**
 * Just enough of the `vscode` API for PanelHost and ResultStore under node:test. Records what the host
 * does (panels created, messages posted, dialogs shown, files written, commands run) so tests can assert
 * on it. Installed by intercepting require('vscode') before panelHost.ts is loaded.
 */
import Module from 'node:module';
import { posix } from 'node:path';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (l: Listener<T>) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export interface FakeUri {
  scheme: string;
  path: string;
  fsPath: string;
  toString(skipEncoding?: boolean): string;
}
const uri = (scheme: string, path: string): FakeUri => ({
  scheme,
  path,
  fsPath: path,
  toString: () => `${scheme}://${path}`,
});

export class FakeWebview {
  options: Record<string, unknown> = {};
  html = '';
  readonly cspSource = 'https://fake.vscode-cdn.net';
  readonly posted: { kind: string; [k: string]: unknown }[] = [];
  private readonly received = new EventEmitter<unknown>();
  readonly onDidReceiveMessage = this.received.event;
  asWebviewUri(u: FakeUri): { toString(): string } {
    return { toString: () => `https://fake.vscode-cdn.net${u.path}` };
  }
  postMessage(m: { kind: string }): Promise<boolean> {
    this.posted.push(structuredClone(m));
    return Promise.resolve(true);
  }
  /** The webview script posting a message to the extension. */
  send(m: unknown): void {
    this.received.fire(m);
  }
}

export class FakePanel {
  readonly webview = new FakeWebview();
  visible = true;
  disposed = false;
  revealed = 0;
  private readonly viewState = new EventEmitter<{ webviewPanel: FakePanel }>();
  private readonly disposing = new EventEmitter<void>();
  readonly onDidChangeViewState = this.viewState.event;
  readonly onDidDispose = this.disposing.event;
  constructor(
    readonly viewType: string,
    readonly title: string,
    readonly showOptions: unknown,
    options: Record<string, unknown> = {},
  ) {
    this.webview.options = options;
  }
  reveal(): void {
    this.revealed++;
  }
  setVisible(v: boolean): void {
    this.visible = v;
    this.viewState.fire({ webviewPanel: this });
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposing.fire();
  }
}

export function makeFakeVscode() {
  const rec = {
    panels: [] as FakePanel[],
    serializers: new Map<string, { deserializeWebviewPanel(p: FakePanel, state: unknown): Promise<void> }>(),
    saveDialogs: [] as Record<string, unknown>[],
    saveAnswer: undefined as FakeUri | undefined,
    /** Label of the quick pick row to choose (undefined: cancel). */
    quickPickAnswer: undefined as string | undefined,
    /** When set, workspace.fs.writeFile fails with it. */
    writeError: undefined as Error | undefined,
    writes: [] as { uri: FakeUri; bytes: Uint8Array }[],
    commands: [] as string[],
    errors: [] as string[],
  };
  const api = {
    EventEmitter,
    ViewColumn: { Active: -1, Beside: -2 },
    Uri: {
      joinPath: (base: FakeUri, ...parts: string[]) => uri(base.scheme, posix.join(base.path, ...parts)),
      file: (p: string) => uri('file', p),
      parse: (s: string) => {
        const m = /^([a-z][\w+.-]*):(?:\/\/)?(.*)$/i.exec(s);
        if (!m) throw new Error(`not a URI: ${s}`);
        return uri(m[1], m[2].startsWith('/') ? m[2] : `/${m[2]}`);
      },
    },
    window: {
      activeTextEditor: undefined,
      showQuickPick: async <T extends { label: string }>(items: T[]) =>
        items.find((i) => i.label === rec.quickPickAnswer),
      /** Text editors on screen: the panel opens beside the one that shows its result. */
      visibleTextEditors: [] as { document: { uri: { toString(): string } }; viewColumn: number }[],
      createWebviewPanel: (viewType: string, title: string, show: unknown, options: Record<string, unknown>) => {
        const p = new FakePanel(viewType, title, show, options);
        rec.panels.push(p);
        return p;
      },
      registerWebviewPanelSerializer: (
        viewType: string,
        s: { deserializeWebviewPanel(p: FakePanel, state: unknown): Promise<void> },
      ) => {
        rec.serializers.set(viewType, s);
        return { dispose: () => rec.serializers.delete(viewType) };
      },
      showSaveDialog: async (o: Record<string, unknown>) => {
        rec.saveDialogs.push(o);
        return rec.saveAnswer;
      },
      showErrorMessage: async (m: string) => {
        rec.errors.push(m);
        return undefined;
      },
    },
    workspace: {
      workspaceFolders: undefined,
      fs: {
        writeFile: async (u: FakeUri, bytes: Uint8Array) => {
          if (rec.writeError) throw rec.writeError;
          rec.writes.push({ uri: u, bytes });
        },
      },
    },
    commands: {
      executeCommand: async (c: string) => {
        rec.commands.push(c);
      },
    },
  };
  return { api, rec, uri };
}

/** Makes require('vscode') return `api` (the host modules are loaded as CommonJS by tsx). */
export function installFakeVscode(api: unknown): void {
  const M = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = M._load;
  M._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? api : original.call(this, request, ...rest);
  };
}

export function fakeLog() {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (msg: string, ...rest: unknown[]) =>
      lines.push(`${level} ${msg}${rest.length ? ` ${rest.map(String).join(' ')}` : ''}`);
  return {
    lines,
    log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace') },
  };
}
