/**
 * A small, working stand-in for the `vscode` module, enough to activate the extension and run its
 * commands in plain Node: documents with real offset↔position maths and versions, editors that record
 * decorations, settings with inspect() layers taken from package.json defaults, events, commands and
 * notifications that are recorded. Install it with installFakeVscode() before importing extension code.
 */
import Module from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakePanel } from '../panel/fakeVscode';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (l: Listener<T>) => {
    this.listeners.push(l);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((x) => x !== l);
    });
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  dispose(): void {
    this.fn();
  }
  static from(...ds: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c as number, d as number) : (b as Position);
  }
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

export class Selection extends Range {
  constructor(anchor: Position, active: Position) {
    super(anchor, active);
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}
export class MarkdownString {
  isTrusted: unknown = false;
  supportHtml = false;
  constructor(
    public value = '',
    public supportThemeIcons = false,
  ) {}
}
export class Hover {
  constructor(
    readonly contents: MarkdownString,
    readonly range?: Range,
  ) {}
}

export class Uri {
  private constructor(private readonly s: string) {}
  static parse(s: string): Uri {
    return new Uri(s);
  }
  static file(p: string): Uri {
    return new Uri(`file://${p}`);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri([base.s.replace(/\/$/, ''), ...parts].join('/'));
  }
  get scheme(): string {
    return this.s.split(':')[0];
  }
  get path(): string {
    return this.s.replace(/^[a-z-]+:\/\//, '');
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return this.s;
  }
}

export class FakeDocument {
  version = 1;
  isClosed = false;
  constructor(
    readonly uri: Uri,
    public text: string,
    readonly languageId = 'plaintext',
  ) {}
  get isUntitled(): boolean {
    return this.uri.scheme === 'untitled';
  }
  getText(r?: Range): string {
    return r ? this.text.slice(this.offsetAt(r.start), this.offsetAt(r.end)) : this.text;
  }
  offsetAt(p: Position): number {
    const lines = this.text.split('\n');
    let off = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) off += lines[i].length + 1;
    return Math.min(off + p.character, this.text.length);
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length)));
    const line = before.split('\n').length - 1;
    return new Position(line, before.length - (before.lastIndexOf('\n') + 1));
  }
}

export class FakeEditor {
  selection: Selection;
  readonly decorations = new Map<unknown, Range[]>();
  constructor(readonly document: FakeDocument) {
    this.selection = new Selection(new Position(0, 0), new Position(0, 0));
  }
  get selections(): Selection[] {
    return [this.selection];
  }
  select(start: number, end: number): void {
    this.selection = new Selection(this.document.positionAt(start), this.document.positionAt(end));
  }
  setDecorations(type: unknown, ranges: Range[]): void {
    this.decorations.set(type, ranges);
  }
  revealRange(): void {}
}

export interface Notification {
  kind: 'info' | 'warning' | 'error';
  message: string;
  items: string[];
}

export function createFakeVscode(extensionRoot: string) {
  const pkg = JSON.parse(readFileSync(join(extensionRoot, 'package.json'), 'utf8'));
  const defaults: Record<string, unknown> = Object.fromEntries(
    Object.entries(pkg.contributes.configuration.properties).map(([k, v]) => [k, (v as { default: unknown }).default]),
  );
  const userSettings: Record<string, unknown> = {};
  const workspaceSettings: Record<string, unknown> = {};
  const commands = new Map<string, (...a: unknown[]) => unknown>();
  const notifications: Notification[] = [];
  const hoverProviders: { provideHover(d: FakeDocument, p: Position): Hover | undefined }[] = [];
  const logLines: string[] = [];
  const quickPickAnswers: ((items: { label: string }[]) => unknown)[] = [];
  const panels: FakePanel[] = [];
  const statusBarItems: { id?: string; text: string; tooltip: unknown }[] = [];
  const serializers = new Map<string, { deserializeWebviewPanel(p: FakePanel, state: unknown): Promise<void> }>();
  /** Answers for the next information messages (the button picked, or undefined for a closed toast). */
  const messageAnswers: ((n: Notification) => string | undefined)[] = [];
  /** Values set with executeCommand('setContext', key, value). */
  const contextKeys = new Map<string, unknown>();
  /** Every executeCommand call, in order. */
  const executed: { id: string; args: unknown[] }[] = [];
  const ev = {
    visible: new EventEmitter<FakeEditor[]>(),
    active: new EventEmitter<FakeEditor | undefined>(),
    selection: new EventEmitter<{ textEditor: FakeEditor }>(),
    config: new EventEmitter<{ affectsConfiguration(k: string): boolean }>(),
    change: new EventEmitter<unknown>(),
    close: new EventEmitter<FakeDocument>(),
  };
  const window = {
    activeTextEditor: undefined as FakeEditor | undefined,
    visibleTextEditors: [] as FakeEditor[],
    createOutputChannel: (name: string) => {
      const rec = (level: string) => (m: string) => {
        logLines.push(`${level} ${m}`);
      };
      return {
        name,
        info: rec('info'),
        warn: rec('warn'),
        error: rec('error'),
        debug: rec('debug'),
        trace: rec('trace'),
        appendLine: rec('line'),
        append: rec('line'),
        show: () => undefined,
        dispose: () => undefined,
      };
    },
    createStatusBarItem: (id?: string) => {
      const item = {
        id,
        text: '',
        tooltip: undefined as unknown,
        command: undefined as unknown,
        name: '',
        backgroundColor: undefined as unknown,
        show() {},
        hide() {},
        dispose() {},
      };
      statusBarItems.push(item);
      return item;
    },
    createTextEditorDecorationType: (options: unknown) => ({ key: `deco${Math.random()}`, options, dispose() {} }),
    showInformationMessage: async (message: string, ...items: string[]) => {
      const n: Notification = { kind: 'info', message, items };
      notifications.push(n);
      return messageAnswers.shift()?.(n);
    },
    showWarningMessage: async (message: string, ...items: unknown[]) => {
      notifications.push({ kind: 'warning', message, items: items.filter((i): i is string => typeof i === 'string') });
      return undefined;
    },
    showErrorMessage: async (message: string, ...items: string[]) => {
      notifications.push({ kind: 'error', message, items });
      return undefined;
    },
    setStatusBarMessage: () => new Disposable(() => undefined),
    showQuickPick: async (items: { label: string }[]) => quickPickAnswers.shift()?.(items),
    withProgress: async (
      _o: unknown,
      task: (
        p: { report(v: unknown): void },
        t: { isCancellationRequested: boolean; onCancellationRequested(l: () => void): Disposable },
      ) => Promise<unknown>,
    ) => {
      const cancel = new EventEmitter<void>();
      return task(
        { report: () => undefined },
        { isCancellationRequested: false, onCancellationRequested: (l) => cancel.event(l) },
      );
    },
    createWebviewPanel: (viewType: string, title: string, show: unknown, options: Record<string, unknown>) => {
      const p = new FakePanel(viewType, title, show, options);
      panels.push(p);
      return p;
    },
    registerWebviewPanelSerializer: (
      viewType: string,
      s: { deserializeWebviewPanel(p: FakePanel, state: unknown): Promise<void> },
    ) => {
      serializers.set(viewType, s);
      return new Disposable(() => serializers.delete(viewType));
    },
    /** The editor already showing `doc` (the fake has one editor per opened document), else a new active one. */
    showTextDocument: async (doc: FakeDocument) =>
      window.visibleTextEditors.find((e) => e.document === doc) ?? control.show(doc),
    onDidChangeVisibleTextEditors: ev.visible.event,
    onDidChangeActiveTextEditor: ev.active.event,
    onDidChangeTextEditorSelection: ev.selection.event,
  };
  const affects = (changed: string) => ({
    affectsConfiguration: (k: string) => changed === k || changed.startsWith(`${k}.`) || k.startsWith(`${changed}.`),
  });
  const workspace = {
    isTrusted: true,
    workspaceFolders: undefined,
    textDocuments: [] as FakeDocument[],
    getConfiguration: (section: string) => ({
      get: (k: string, d?: unknown) => userSettings[`${section}.${k}`] ?? defaults[`${section}.${k}`] ?? d,
      inspect: (k: string) => ({
        key: `${section}.${k}`,
        defaultValue: defaults[`${section}.${k}`],
        globalValue: userSettings[`${section}.${k}`],
        workspaceValue: workspaceSettings[`${section}.${k}`],
      }),
      update: async (k: string, v: unknown) => {
        userSettings[`${section}.${k}`] = v;
        ev.config.fire(affects(`${section}.${k}`));
      },
    }),
    onDidChangeConfiguration: ev.config.event,
    onDidChangeTextDocument: ev.change.event,
    onDidCloseTextDocument: ev.close.event,
    openTextDocument: async (u: Uri | { content: string; language?: string }) => {
      if (u instanceof Uri) return workspace.textDocuments.find((d) => d.uri.toString() === u.toString());
      const doc = new FakeDocument(
        Uri.parse(`untitled:Untitled-${workspace.textDocuments.length + 1}`),
        u.content,
        u.language,
      );
      workspace.textDocuments.push(doc);
      return doc;
    },
  };
  const vscode = {
    EventEmitter,
    Disposable,
    Position,
    Range,
    Selection,
    ThemeColor,
    MarkdownString,
    Hover,
    Uri,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { Notification: 15 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    DecorationRangeBehavior: { ClosedClosed: 1 },
    ConfigurationTarget: { Global: 1 },
    TextEditorRevealType: { InCenterIfOutsideViewport: 2 },
    ViewColumn: { One: 1, Beside: -2 },
    window,
    workspace,
    commands: {
      registerCommand: (id: string, fn: (...a: unknown[]) => unknown) => {
        commands.set(id, fn);
        return new Disposable(() => commands.delete(id));
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        executed.push({ id, args });
        if (id === 'setContext') contextKeys.set(args[0] as string, args[1]);
        return commands.get(id)?.(...args);
      },
    },
    languages: {
      registerHoverProvider: (_s: unknown, p: (typeof hoverProviders)[number]) => {
        hoverProviders.push(p);
        return new Disposable(() => undefined);
      },
    },
  };

  /** Test controls. */
  const control = {
    commands,
    notifications,
    hoverProviders,
    logLines,
    quickPickAnswers,
    messageAnswers,
    contextKeys,
    executed,
    userSettings,
    workspaceSettings,
    panels,
    serializers,
    statusBarItems,
    window,
    open(text: string, uri = 'file:///doc.txt', languageId = 'plaintext'): FakeEditor {
      const doc = new FakeDocument(Uri.parse(uri), text, languageId);
      workspace.textDocuments.push(doc);
      return control.show(doc);
    },
    /** Shows an open document in a new editor that becomes the active one. */
    show(doc: FakeDocument): FakeEditor {
      const editor = new FakeEditor(doc);
      window.visibleTextEditors = [...window.visibleTextEditors, editor];
      window.activeTextEditor = editor;
      ev.visible.fire(window.visibleTextEditors);
      ev.active.fire(editor);
      return editor;
    },
    /** Selects [start, end) in the editor and fires the selection event, as the user selecting does. */
    select(editor: FakeEditor, start: number, end: number): void {
      editor.select(start, end);
      ev.selection.fire({ textEditor: editor });
    },
    /** Replaces [start, end) of the document and fires the change event, as an edit in VS Code does. */
    edit(editor: FakeEditor, start: number, end: number, text: string): void {
      const d = editor.document;
      d.text = d.text.slice(0, start) + text + d.text.slice(end);
      d.version++;
      ev.change.fire({
        document: d,
        contentChanges: [
          {
            rangeOffset: start,
            rangeLength: end - start,
            text,
            range: new Range(d.positionAt(start), d.positionAt(start)),
          },
        ],
      });
    },
    setSetting(key: string, value: unknown): void {
      userSettings[key] = value;
      ev.config.fire(affects(key));
    },
    context(): unknown {
      const state = new Map<string, unknown>();
      const secrets = new Map<string, string>();
      return {
        subscriptions: [] as { dispose(): unknown }[],
        extension: { id: `${pkg.publisher}.${pkg.name}`, packageJSON: pkg },
        extensionPath: extensionRoot,
        extensionUri: Uri.file(extensionRoot),
        globalStorageUri: Uri.file(join(extensionRoot, '.fake-global-storage')),
        asAbsolutePath: (p: string) => join(extensionRoot, p),
        globalState: {
          get: (k: string, d?: unknown) => state.get(k) ?? d,
          update: async (k: string, v: unknown) => {
            if (v === undefined) state.delete(k);
            else state.set(k, v);
          },
          keys: () => [...state.keys()],
        },
        workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
        secrets: {
          get: async (k: string) => secrets.get(k),
          store: async (k: string, v: string) => {
            secrets.set(k, v);
          },
          delete: async (k: string) => {
            secrets.delete(k);
          },
          onDidChange: new EventEmitter<unknown>().event,
        },
      };
    },
  };
  return { vscode, control };
}

/** Makes `require('vscode')` return `fake` for everything loaded afterwards. */
export function installFakeVscode(fake: object): void {
  const M = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = M._load;
  M._load = function (request: string, parent: unknown, isMain: boolean) {
    return request === 'vscode' ? fake : original.call(this, request, parent, isMain);
  };
}
