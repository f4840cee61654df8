/**
 * The capability probe at connect: the model card (`/v1/models`, or TGI's `/info`) and one tiny scoring
 * request per candidate request form, until one answers with prompt-token log-probs. It says which
 * flavor to use, how many alternatives the server allows, whether it gives ranks, and turns each known
 * limitation into its one message.
 */
import { finiteOrNull } from '../../core/jsonValue';
import { SemanticFlowError } from '../../core/errors';
import { displayUrl, serverMessage, type RemoteHttp } from './http';
import { errorFromResponse, limitations, maxTopKFromMessage, topKLowered } from './limitations';
import { parseJsonBody, parseResponse } from './parseResponse';
import { scoringRequest, takesIdPrompts } from './requests';
import type { Capabilities, RemoteFlavor, RemoteRow } from './types';

export const PROBE_TEXT = 'Hello world, hello';

export interface ProbeOptions {
  model?: string;
  flavor?: RemoteFlavor;
  /** Alternatives per token the caller wants. */
  topK: number;
  topKPolicy?: 'clamp' | 'error';
  vocabSize?: number;
  signal?: AbortSignal;
}

export interface ProbeResult {
  caps: Capabilities;
  /** Top-k to use: the asked one, or the server's maximum when clamped. */
  topK: number;
  notices: string[];
}

interface Card {
  model: string | null;
  ownedBy: string | null;
  contextWindow: number | null;
  vocabSize: number | null;
  maxTopK: number | null;
  bosTokenId: number | null;
  eosTokenId: number | null;
  tgi: boolean;
}

async function readCard(
  http: RemoteHttp,
  wanted: string | undefined,
  notices: string[],
  signal?: AbortSignal,
): Promise<Card> {
  const card: Card = {
    model: wanted ?? null,
    ownedBy: null,
    contextWindow: null,
    vocabSize: null,
    maxTopK: null,
    bosTokenId: null,
    eosTokenId: null,
    tgi: false,
  };
  const res = await http.request('GET', '/v1/models', undefined, { signal });
  if (res.status === 401 || res.status === 403) throw errorFromResponse(res, (s) => http.scrub(s));
  if (res.status === 200) {
    const j = parseJsonBody(res.text) as { data?: Record<string, unknown>[] } | Record<string, unknown>[];
    const data = (Array.isArray(j) ? j : Array.isArray(j?.data) ? j.data : []) as Record<string, unknown>[];
    const ids = data.map((d) => String(d.id));
    let m = data[0];
    if (wanted !== undefined) {
      m = data.find((d) => d.id === wanted) as Record<string, unknown>;
      if (!m && data.length > 0) {
        throw new SemanticFlowError(
          'bad-argument',
          `The server at ${displayUrl(http.baseUrl)} serves ${ids.join(', ')}, not ${wanted}; choose one of those with --remote-model.`,
        );
      }
    } else if (data.length > 1) {
      notices.push(
        `The server serves several models (${ids.join(', ')}); using ${ids[0]} (choose with --remote-model).`,
      );
    }
    if (m) {
      card.model = String(m.id);
      card.ownedBy = typeof m.owned_by === 'string' ? m.owned_by : null;
      card.contextWindow =
        finiteOrNull(m.max_model_len) ?? finiteOrNull(m.context_length) ?? finiteOrNull(m.max_input_tokens);
      card.vocabSize = finiteOrNull(m.vocab_size);
      card.maxTopK = finiteOrNull(m.max_logprobs);
      card.bosTokenId = finiteOrNull(m.bos_token_id);
      card.eosTokenId = finiteOrNull(m.eos_token_id);
    }
    if (res.status === 200 && card.model !== null) return card;
  }
  const info = await http.request('GET', '/info', undefined, { signal });
  if (info.status === 200) {
    const j = parseJsonBody(info.text) as Record<string, unknown>;
    if (typeof j?.model_id === 'string') {
      card.tgi = true;
      card.ownedBy ??= 'tgi';
      card.model ??= j.model_id;
      card.contextWindow ??= finiteOrNull(j.max_input_tokens) ?? finiteOrNull(j.max_input_length);
    }
  }
  return card;
}

function candidates(card: Card, forced?: RemoteFlavor): RemoteFlavor[] {
  if (forced) return [forced];
  if (card.tgi) return ['tgi'];
  if (card.ownedBy === 'sglang') return ['sglang', 'vllm', 'echo'];
  return ['vllm', 'echo', 'sglang', 'tgi'];
}

const scoredRows = (rows: RemoteRow[]): boolean => rows.length >= 2 && rows.slice(1).some((r) => r.logprob !== null);

/** Probes the server at `http.baseUrl`. Throws the one error that explains why it cannot score prompts. */
export async function probeServer(http: RemoteHttp, o: ProbeOptions): Promise<ProbeResult> {
  const notices: string[] = [];
  const card = await readCard(http, o.model, notices, o.signal);
  const model = card.model ?? o.model ?? 'default';
  let topK = o.topK;
  let maxTopK = card.maxTopK;
  if (maxTopK !== null && maxTopK >= 0 && topK > maxTopK) topK = clamp(http, o, topK, maxTopK, notices);
  const tried: string[] = [];
  let refusal: SemanticFlowError | null = null;
  let generatedOnly = false;
  for (const flavor of candidates(card, o.flavor)) {
    const req = () => scoringRequest(flavor, { model, prompt: PROBE_TEXT, topK, bos: true });
    let { path, body } = req();
    let res = await http.request('POST', path, body, { signal: o.signal });
    const max = res.status >= 400 && res.status < 500 ? maxTopKFromMessage(serverMessage(res.text)) : null;
    if (max !== null && max < topK) {
      maxTopK = max;
      topK = clamp(http, o, topK, max, notices);
      ({ path, body } = req());
      res = await http.request('POST', path, body, { signal: o.signal });
    }
    if (res.status === 404 || res.status === 405) {
      tried.push(`${flavor}: no ${path}`);
      continue;
    }
    if (res.status >= 400) {
      const e = errorFromResponse(res, (s) => http.scrub(s));
      if (e.code === 'too-large' || res.status === 401 || res.status === 403) throw e;
      if (flavor === 'echo' && /echo/i.test(e.message))
        refusal = limitations.echoRefused(http.baseUrl, model, serverMessage(res.text));
      tried.push(`${flavor}: HTTP ${res.status}`);
      continue;
    }
    let rows: RemoteRow[] = [];
    try {
      rows = parseResponse(flavor, res.text, { topK });
    } catch {
      if (flavor === 'echo' && /"content"\s*:|completion_probabilities/.test(res.text)) generatedOnly = true;
      if (flavor === 'tgi' && /"details"/.test(res.text)) throw limitations.tgiNoPrefill(http.baseUrl);
      tried.push(`${flavor}: no prompt log-probs in the answer`);
      continue;
    }
    if (!scoredRows(rows)) {
      if (flavor === 'tgi') throw limitations.tgiNoPrefill(http.baseUrl);
      if (flavor === 'echo') generatedOnly = true;
      tried.push(`${flavor}: no prompt log-probs in the answer`);
      continue;
    }
    const hasTop = rows.slice(1).some((r) => r.top !== null && r.top.length > 0);
    const caps: Capabilities = {
      flavor,
      model,
      maxTopK,
      rank: rows.slice(1).some((r) => r.logprob !== null && r.rank !== null) && flavor === 'vllm',
      topK: flavor !== 'tgi' && (hasTop || topK === 0),
      idPrompts: takesIdPrompts(flavor),
      vocabSize: o.vocabSize ?? card.vocabSize,
      contextWindow: card.contextWindow,
      bosTokenId: card.bosTokenId,
      eosTokenId: card.eosTokenId,
      ownedBy: card.ownedBy,
    };
    if (flavor === 'tgi' && o.topK > 0)
      notices.push(
        'TGI gives no alternatives for prompt tokens: top-k and rank are unavailable, and entropy bounds are wide.',
      );
    if (caps.vocabSize === null)
      notices.push(
        `The server does not report the vocabulary size of ${model}; pass --vocab-size N (config.json vocab_size) to get entropy bounds.`,
      );
    return { caps, topK, notices };
  }
  if (refusal) throw refusal;
  if (generatedOnly || card.ownedBy === 'llamacpp')
    throw limitations.generatedOnly(
      http.baseUrl,
      card.ownedBy === 'llamacpp' ? 'llama.cpp' : (card.ownedBy ?? 'OpenAI-compatible'),
    );
  throw limitations.noFlavor(http.baseUrl, tried);
}

function clamp(http: RemoteHttp, o: ProbeOptions, asked: number, max: number, notices: string[]): number {
  if (o.topKPolicy === 'error') throw limitations.topKTooLarge(http.baseUrl, asked, max);
  notices.push(topKLowered(http.baseUrl, asked, max));
  return max;
}
