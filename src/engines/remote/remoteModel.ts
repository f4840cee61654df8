/**
 * The remote engine: a LanguageModel backed by an inference server that scores prompt tokens (vLLM,
 * SGLang, TGI, OpenAI-compatible echo). Surprisal and probability are exact, rank when the server gives
 * it, top-k as sent, entropy only as bounds (info.entropyBounded). No full-vocabulary passes: scoring
 * is null, so KL-based measures are unavailable remotely.
 */
import type { AnalyzeOptions } from '../../core/analyze';
import { SemanticFlowError, isSemanticFlowError, throwIfAborted } from '../../core/errors';
import type { AnalysisResult, ModelInfo } from '../../core/result';
import type { LanguageModel } from '../languageModel';
import { RemoteHttp, type HttpOptions } from './http';
import { errorFromResponse, limitations, maxTopKFromMessage, topKLowered } from './limitations';
import { parseResponse } from './parseResponse';
import { probeServer } from './probe';
import { scoringRequest } from './requests';
import { rowsToResult } from './rowsToResult';
import type { TokenSpan } from '../../core/spans';
import type { Capabilities, RemoteFlavor, RemoteRow } from './types';

export const DEFAULT_REMOTE_TOP_K = 5;

export interface RemoteModelOptions extends HttpOptions {
  /** Server base URL, e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted). */
  endpoint: string;
  /** Served model name (default: the first in /v1/models). */
  model?: string;
  /** Skip detection and use this request form. */
  flavor?: RemoteFlavor;
  /** Vocabulary size V for entropy bounds, when the server does not report it. */
  vocabSize?: number;
  /** Top-k the probe asks for (default 5). */
  topK?: number;
  /** More alternatives asked than the server allows: lower to its maximum with a notice (default), or fail. */
  topKPolicy?: 'clamp' | 'error';
  /** One-line notices for the user (clamped top-k, retries, unknown vocabulary size). */
  onNotice?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ScoreOptions {
  topK?: number;
  bos?: boolean;
  signal?: AbortSignal;
}

export class RemoteModel implements LanguageModel {
  readonly kind = 'remote' as const;
  readonly scoring = null;
  readonly info: ModelInfo;
  readonly analyzeIds: LanguageModel['analyzeIds'];
  private maxTopK: number | null;
  private readonly noticed = new Set<string>();

  private constructor(
    readonly caps: Capabilities,
    private readonly http: RemoteHttp,
    private readonly o: RemoteModelOptions,
  ) {
    this.maxTopK = caps.maxTopK;
    this.analyzeIds = caps.idPrompts
      ? async (ids, text, spans, so) =>
          this.resultOfRows(text, await this.scoreRows(ids, { topK: so.topK, signal: so.signal }), so.topK, spans)
      : undefined;
    this.info = {
      id: caps.model,
      device: 'remote',
      requestedDevice: 'remote',
      dtype: 'server',
      fallbackReason: null,
      vocabSize: caps.vocabSize ?? 0,
      contextWindow: caps.contextWindow,
      bosTokenId: caps.bosTokenId,
      eosTokenId: caps.eosTokenId,
      entropyBounded: true,
    };
  }

  /** Probes the server and returns a model bound to the request form it answers. */
  static async connect(o: RemoteModelOptions): Promise<RemoteModel> {
    const base = o.endpoint.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
    if (!/^https?:\/\//i.test(base))
      throw new SemanticFlowError(
        'bad-argument',
        `The endpoint ${JSON.stringify(o.endpoint)} is not an http(s) URL (e.g. http://127.0.0.1:8000).`,
      );
    const http = new RemoteHttp(base, {
      ...o,
      onRetry:
        o.onRetry ??
        ((r) =>
          o.onNotice?.(`retrying in ${(r.delayMs / 1000).toFixed(1)} s after ${r.reason} (attempt ${r.attempt})`)),
    });
    const probe = await probeServer(http, {
      model: o.model,
      flavor: o.flavor,
      topK: o.topK ?? DEFAULT_REMOTE_TOP_K,
      topKPolicy: o.topKPolicy,
      vocabSize: o.vocabSize,
      signal: o.signal,
    });
    const m = new RemoteModel(probe.caps, http, o);
    for (const n of probe.notices) m.notice(n);
    return m;
  }

  get endpoint(): string {
    return this.http.baseUrl;
  }

  private notice(message: string): void {
    if (this.noticed.has(message)) return;
    this.noticed.add(message);
    this.o.onNotice?.(message);
  }

  private effectiveTopK(asked: number): number {
    if (this.maxTopK === null || this.maxTopK < 0 || asked <= this.maxTopK) return asked;
    if (this.o.topKPolicy === 'error') throw limitations.topKTooLarge(this.http.baseUrl, asked, this.maxTopK);
    this.notice(topKLowered(this.http.baseUrl, asked, this.maxTopK));
    return this.maxTopK;
  }

  /** One scoring request: the server's rows for `prompt` (text, or ids where the flavor takes them). */
  async scoreRows(prompt: string | number[], so: ScoreOptions = {}): Promise<RemoteRow[]> {
    if (typeof prompt !== 'string' && !this.caps.idPrompts) throw limitations.idPrompts(this.http.baseUrl);
    const asked = this.caps.topK ? (so.topK ?? DEFAULT_REMOTE_TOP_K) : 0;
    for (let again = 0; ; again++) {
      const topK = this.effectiveTopK(asked);
      const { path, body } = scoringRequest(this.caps.flavor, {
        model: this.caps.model,
        prompt,
        topK,
        bos: so.bos ?? true,
      });
      const res = await this.http.request('POST', path, body, { signal: so.signal ?? this.o.signal });
      if (res.status >= 400) {
        const e = errorFromResponse(res, (s) => this.http.scrub(s));
        const max = e.code === 'server-limitation' ? maxTopKFromMessage(e.message) : null;
        if (max !== null && max < topK && again === 0) {
          this.maxTopK = max;
          continue;
        }
        throw e;
      }
      const rows = parseResponse(this.caps.flavor, res.text, { topK });
      if (rows.length === 0 && this.caps.flavor === 'tgi') throw limitations.tgiNoPrefill(this.http.baseUrl);
      return rows;
    }
  }

  /** The result for `text` from rows of one scoring request (spans given when the prompt was sent as ids). */
  resultOfRows(
    text: string,
    rows: readonly RemoteRow[],
    topK: number,
    spans?: readonly TokenSpan[],
    extra: Pick<AnalyzeOptions, 'units' | 'source'> = {},
  ): AnalysisResult {
    const k = this.caps.topK ? Math.min(topK, this.maxTopK !== null && this.maxTopK >= 0 ? this.maxTopK : topK) : 0;
    return rowsToResult(text, rows, this.info, { topK: k, spans, units: extra.units, source: extra.source });
  }

  async analyze(text: string, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
    if (text.length === 0) throw new SemanticFlowError('bad-input', 'There is no text to analyze: the input is empty.');
    const signal = options.signal ?? this.o.signal;
    throwIfAborted(signal);
    const topK = options.topK ?? DEFAULT_REMOTE_TOP_K;
    let rows: RemoteRow[];
    try {
      rows = await this.scoreRows(text, { topK, bos: options.bos ?? true, signal });
    } catch (e) {
      if (isSemanticFlowError(e) || !signal?.aborted) throw e;
      throw new SemanticFlowError('cancelled', 'The analysis was cancelled.');
    }
    const result = this.resultOfRows(text, rows, topK, undefined, options);
    for (const t of result.tokens) options.onToken?.(t);
    const n = result.tokens.length;
    options.onProgress?.({ stage: 'score', doneTokens: n, totalTokens: n });
    return result;
  }

  async dispose(): Promise<void> {
    /* nothing held: requests end with their calls */
  }
}
