/**
 * Token-to-token flow by occlusion on any LanguageModel (measures.md, "Token-to-token flow"): one scoring
 * request per source unit with the unit deleted (method 'delete': the only one a server can do), run
 * under a concurrency limit. phi_{j→t} = log2 p(x_t | x_<t) − log2 p(x_t | x_<t without j) for targets
 * after the unit, 0 exactly up to and including it; NaN (JSON null) where deleting the unit changed how
 * the target tokenizes. The expected form Φ (a KL) needs full distributions: NaN remotely.
 */
import { SemanticFlowError, throwIfAborted } from '../../core/errors';
import type { AnalysisResult, FlowResult, TokenRecord } from '../../core/result';
import { unitSpans } from '../../core/summary';
import type { LanguageModel } from '../languageModel';
import { mapWithConcurrency } from './concurrency';

export interface OcclusionOptions {
  unit?: 'token' | 'word' | 'line' | 'sentence';
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  topK?: number;
  signal?: AbortSignal;
  onProgress?: (p: { doneSources: number; totalSources: number }) => void;
}

interface Source {
  start: number;
  end: number;
  text: string;
  tokenStart: number;
  tokenEnd: number;
}

function sourcesOf(base: AnalysisResult, unit: NonNullable<OcclusionOptions['unit']>): Source[] {
  const { text, tokens } = base;
  if (unit === 'token') {
    return tokens
      .filter((t) => !t.special && t.end > t.start)
      .map((t) => ({ start: t.start, end: t.end, text: t.text, tokenStart: t.index, tokenEnd: t.index + 1 }));
  }
  return unitSpans(text, unit).map((s) => {
    const inside = tokens.filter((t) => t.start >= s.start && t.start < s.end);
    return {
      ...s,
      text: text.slice(s.start, s.end),
      tokenStart: inside[0]?.index ?? -1,
      tokenEnd: inside.length ? inside[inside.length - 1].index + 1 : -1,
    };
  });
}

/** phi row of one source: occluded surprisal − full surprisal per target, matched by shifted start and id. */
function phiRow(targets: TokenRecord[], src: Source, occluded: AnalysisResult | null): number[] {
  const cut = src.end - src.start;
  const byStart = new Map<number, TokenRecord>();
  for (const t of occluded?.tokens ?? []) if (!t.special) byStart.set(t.start, t);
  return targets.map((t) => {
    if (t.start < src.end) return 0;
    const o = byStart.get(t.start - cut);
    if (!o || t.surprisalBits === null || o.surprisalBits === null || o.end - o.start !== t.end - t.start) return NaN;
    if (t.id >= 0 && o.id >= 0 ? o.id !== t.id : o.text !== t.text) return NaN;
    return o.surprisalBits - t.surprisalBits;
  });
}

export async function occlusionFlow(
  model: LanguageModel,
  text: string,
  o: OcclusionOptions = {},
): Promise<AnalysisResult> {
  if (text.length === 0) throw new SemanticFlowError('bad-input', 'There is no text to analyze: the input is empty.');
  const unit = o.unit ?? 'word';
  const base = await model.analyze(text, { topK: o.topK ?? 5, signal: o.signal });
  const targets = base.tokens.filter((t) => !t.special);
  const sources = sourcesOf(base, unit);
  let done = 0;
  const rows = await mapWithConcurrency(
    sources,
    o.concurrency ?? 4,
    async (src, _i, signal) => {
      throwIfAborted(signal);
      const rest = text.slice(0, src.start) + text.slice(src.end);
      const occluded = rest.length === 0 ? null : await model.analyze(rest, { topK: 0, signal });
      o.onProgress?.({ doneSources: ++done, totalSources: sources.length });
      return phiRow(targets, src, occluded);
    },
    o.signal,
  );
  const flow: FlowResult = {
    unit,
    method: 'delete',
    sources,
    targets: targets.map((t) => t.index),
    phiBits: rows,
    expectedBits: rows.map((r) => r.map(() => NaN)),
    complete: true,
  };
  return { ...base, flow };
}

/** Occlusion flow on a remote server (the same computation; named for the remote engine's API). */
export const remoteOcclusion = occlusionFlow;
