/**
 * For the real-VS-Code e2e harness: when SEMANTIC_FLOW_E2E_STATUS names a file, a small JSON status is
 * written there (atomically) after every command, so tests wait on it instead of sleeping.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { DecorationRenderer } from './decorations';
import type { Engine } from './engine';
import type { ResultStore } from './resultStore';
import type { UserErrors } from './userErrors';

export interface E2eStatusFile {
  seq: number;
  at: string;
  lastCommand: string;
  ok: boolean;
  engine: string;
  model: { id: string; device: string; requestedDevice: string; fallbackReason: string | null } | null;
  result: {
    uri: string;
    kind: string;
    tokens: number;
    scoredTokens: number;
    totalBits: number;
    bitsPerToken: number | null;
    hasDi: boolean;
    hasFlow: boolean;
    flowComparisons: string | null;
    hasComparison: boolean;
    hasGeneration: boolean;
    hasDialogue: boolean;
    rateDistortionPoints: number;
  } | null;
  tokenCount: number;
  decorations: { metric: string; perBucket: number[]; total: number; note?: string };
  errors: string[];
}

export class E2eStatus {
  private seq = 0;

  constructor(
    private readonly path: string | undefined,
    private readonly deps: { store: ResultStore; decorations: DecorationRenderer; engine: Engine; errors: UserErrors },
  ) {
    // Continue the sequence of a previous activation (an extension host restart), so waiters on seq > n still work.
    try {
      if (path) this.seq = Number(JSON.parse(readFileSync(path, 'utf8')).seq) || 0;
    } catch {
      this.seq = 0;
    }
  }

  get enabled(): boolean {
    return !!this.path;
  }

  write(lastCommand: string, ok: boolean): void {
    if (!this.path) return;
    const { store, decorations, engine, errors } = this.deps;
    const editorUri = vscode.window.activeTextEditor?.document.uri.toString();
    const stored = (editorUri && store.get(editorUri)) || store.latest();
    const drawn = stored ? decorations.drawnFor(stored.uri) : undefined;
    const perBucket = stored ? decorations.countsFor(stored.uri) : [];
    const m = engine.model;
    const status: E2eStatusFile = {
      seq: ++this.seq,
      at: new Date().toISOString(),
      lastCommand,
      ok,
      engine: engine.status.health,
      model: m
        ? { id: m.id, device: m.device, requestedDevice: m.requestedDevice, fallbackReason: m.fallbackReason }
        : null,
      result: stored
        ? {
            uri: stored.uri,
            kind: stored.kind ?? 'analyze',
            tokens: stored.result.summary.tokens,
            scoredTokens: stored.result.summary.scoredTokens,
            totalBits: stored.result.summary.totalBits,
            bitsPerToken: stored.result.summary.bitsPerToken,
            hasDi: !!stored.result.di,
            hasFlow: !!stored.result.flow,
            flowComparisons: stored.result.flow?.comparisons ?? null,
            hasComparison: !!stored.result.comparison,
            hasGeneration: !!stored.result.generation,
            hasDialogue: !!stored.result.dialogue,
            rateDistortionPoints: stored.result.rateDistortion?.points.length ?? 0,
          }
        : null,
      tokenCount: stored?.result.tokens.length ?? 0,
      decorations: {
        metric: drawn?.metric ?? 'none',
        perBucket,
        total: perBucket.reduce((a, b) => a + b, 0),
        ...(drawn?.note ? { note: drawn.note } : {}),
      },
      errors: [...errors.shown],
    };
    try {
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, JSON.stringify(status, null, 2));
      renameSync(tmp, this.path);
    } catch {
      /* a test hook must never break the extension */
    }
  }
}
