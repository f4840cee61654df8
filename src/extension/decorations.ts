/**
 * Editor decorations driven only by the ResultStore (Error Lens style): one TextEditorDecorationType
 * per colour bucket, created once per colour-scale setting, and one render path that also clears
 * (every bucket is set on every render, empty ones included). A result whose document version no
 * longer matches renders nothing.
 */
import * as vscode from 'vscode';
import { SCALE_BUCKETS } from '../core/scale';
import type { ColorScale, Config } from './config';
import { REDRAW_KEYS } from './config';
import { bucketCounts, decorationModel, emptyBuckets, type DecorationModel } from './decorationModel';
import { selectionInResult, type ResultStore } from './resultStore';

// Colour-blind-safe ramp (viridis, dark blue → yellow) and a single-hue ramp, both translucent.
const COLORBLIND = [
  '#44015440',
  '#46327e48',
  '#365c8d50',
  '#277f8e58',
  '#1fa18760',
  '#4ac16d68',
  '#a0da3970',
  '#fde72580',
];
const MONOCHROME = Array.from(
  { length: SCALE_BUCKETS },
  (_, i) => `rgba(220, 60, 60, ${(0.04 + (0.5 * i) / (SCALE_BUCKETS - 1)).toFixed(2)})`,
);

function backgroundOf(scale: ColorScale, bucket: number): string | vscode.ThemeColor {
  switch (scale) {
    case 'theme':
      return new vscode.ThemeColor(`semanticFlow.bucket${bucket}`);
    case 'colorblind':
      return COLORBLIND[bucket];
    case 'monochrome':
      return MONOCHROME[bucket];
  }
}

export class DecorationRenderer implements vscode.Disposable {
  private types: vscode.TextEditorDecorationType[] = [];
  private typesScale: ColorScale | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private selectionListener: vscode.Disposable | undefined;
  /** The last model drawn per document URI (for the e2e status file, which reports what was painted). */
  private readonly drawn = new Map<string, DecorationModel>();

  constructor(
    private readonly store: ResultStore,
    private readonly config: () => Config,
  ) {
    this.subscriptions.push(
      store.onDidChange((uri) => this.renderUri(uri)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (REDRAW_KEYS.some((k) => e.affectsConfiguration(k))) this.renderAll();
      }),
    );
  }

  /** What was last drawn for `uri`. */
  drawnFor(uri: string): DecorationModel | undefined {
    return this.drawn.get(uri);
  }

  countsFor(uri: string): number[] {
    const m = this.drawn.get(uri);
    return m ? bucketCounts(m) : emptyBuckets().map(() => 0);
  }

  renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.render(editor);
  }

  private renderUri(uri: string): void {
    for (const editor of vscode.window.visibleTextEditors)
      if (editor.document.uri.toString() === uri) this.render(editor);
    if (!vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === uri)) this.drawn.delete(uri);
  }

  render(editor: vscode.TextEditor): void {
    const config = this.config();
    this.ensureTypes(config.colorScale);
    this.updateSelectionListener(config.metric === 'flowIntoSelection');
    const uri = editor.document.uri.toString();
    const stored = this.store.get(uri);
    let model: DecorationModel = { buckets: emptyBuckets(), metric: config.metric };
    if (stored && stored.documentVersion === editor.document.version)
      model = decorationModel(stored.result, config.metric, selectionInResult(editor, stored));
    const base = stored?.offset ?? 0;
    this.types.forEach((type, b) => {
      const ranges = model.buckets[b].map(
        ([s, e]) => new vscode.Range(editor.document.positionAt(base + s), editor.document.positionAt(base + e)),
      );
      editor.setDecorations(type, ranges);
    });
    if (stored) this.drawn.set(uri, model);
    else this.drawn.delete(uri);
  }

  private ensureTypes(scale: ColorScale): void {
    if (this.typesScale === scale && this.types.length === SCALE_BUCKETS) return;
    for (const t of this.types) t.dispose(); // disposing a type removes its decorations everywhere
    this.types = Array.from({ length: SCALE_BUCKETS }, (_, b) =>
      vscode.window.createTextEditorDecorationType({
        backgroundColor: backgroundOf(scale, b),
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    );
    this.typesScale = scale;
  }

  // Selection events are costly and only the flow metric needs them (Error Lens updateCursorChangeListener).
  private updateSelectionListener(wanted: boolean): void {
    if (wanted && !this.selectionListener) {
      this.selectionListener = vscode.window.onDidChangeTextEditorSelection((e) => {
        if (this.store.get(e.textEditor.document.uri.toString())) this.render(e.textEditor);
      });
    } else if (!wanted && this.selectionListener) {
      this.selectionListener.dispose();
      this.selectionListener = undefined;
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.selectionListener?.dispose();
    for (const t of this.types) t.dispose();
    this.types = [];
  }
}
