/**
 * What `serve`'s HTTP side asks of the model: token ids of a text, and one completion job (the prompt's
 * log-probs and/or generated tokens, streamed as they come). The HTTP side holds no model: this runs
 * in-process here, or in the engine's child process (serveEngineProcess.ts) so that model work never
 * blocks the server's own event loop.
 */
import { SemanticFlowError, throwIfAborted } from '../../core/errors';
import type { ModelInfo } from '../../core/result';
import { decodeCompletion, type CompletionToken, type DecodeOptions, type FinishReason } from './serverGeneration';
import { scorePrompt, servedPrompt, tooLong, type LocalEngine, type ScoredPosition } from './serverScoring';

export interface CompletionJob {
  prompt: string | number[];
  /** Prepend the model's BOS to a text prompt (vLLM add_special_tokens). */
  bos: boolean;
  /** Alternatives per prompt position; null when the prompt's log-probs are not wanted. */
  promptTopK: number | null;
  /** null: nothing is generated (max_tokens 0). */
  decode: DecodeOptions | null;
}

export interface CompletionOutcome {
  promptIds: number[];
  /** The prompt as echoed (token-id prompts: their texts one after another). */
  promptText: string;
  /** Every prompt position when promptTopK was given, else empty. */
  positions: ScoredPosition[];
  tokens: CompletionToken[];
  finishReason: FinishReason;
  stopReason: string | number | null;
}

/** What a job reports as it runs: the prompt (once, before the first token), then each generated token. */
export type CompletionEvent =
  | { kind: 'prompt'; promptIds: number[]; promptText: string; positions: ScoredPosition[] }
  | { kind: 'token'; token: CompletionToken };

export interface Tokenized {
  ids: number[];
  texts: string[];
}

export interface ServeEngine {
  readonly info: ModelInfo;
  /** Most bytes of text one token stands for (Infinity: unknown), for refusing a long prompt before tokenizing it. */
  readonly textBytesPerToken: number;
  tokenize(text: string, bos: boolean, signal?: AbortSignal): Promise<Tokenized>;
  /** Runs one job; `onEvent` sees the prompt and then each generated token as it is chosen. */
  complete(job: CompletionJob, onEvent: (e: CompletionEvent) => void, signal?: AbortSignal): Promise<CompletionOutcome>;
  dispose(): Promise<void>;
}

/** One completion job on a loaded model (in this process or in the engine's child). */
export async function runCompletion(
  model: LocalEngine,
  job: CompletionJob,
  onEvent: (e: CompletionEvent) => void,
  signal?: AbortSignal,
): Promise<CompletionOutcome> {
  throwIfAborted(signal);
  const p = servedPrompt(model, job.prompt, job.bos);
  const long = tooLong(model.info.contextWindow, p.ids.length);
  if (long) throw long;
  if (p.ids.length === 0) throw new SemanticFlowError('bad-input', 'The prompt is empty.');
  const k = job.promptTopK;
  let positions: ScoredPosition[] = [];
  let told = false;
  const tellPrompt = () => {
    if (!told) onEvent({ kind: 'prompt', promptIds: p.ids, promptText: p.text, positions });
    told = true;
  };
  // The prompt's log-probs by the engine's scoring pass (fused measures), then decoding from a cache-only pass.
  if (k !== null) positions = await scorePrompt(model, job.prompt, p, { topK: k, bos: job.bos, signal });
  const out = job.decode
    ? await decodeCompletion(
        model,
        p.ids,
        job.decode,
        (token) => {
          tellPrompt();
          onEvent({ kind: 'token', token });
        },
        signal,
      )
    : { tokens: [], finishReason: 'length' as const, stopReason: null };
  tellPrompt();
  return {
    promptIds: p.ids,
    promptText: p.text,
    positions,
    tokens: out.tokens,
    finishReason: out.finishReason,
    stopReason: out.stopReason,
  };
}

/** A counting semaphore: at most `n` jobs on the engine at once. */
export function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** The engine in this process (tests, and callers that hold a model already); the caller disposes the model. */
export function inProcessEngine(model: LocalEngine, concurrency = 2): ServeEngine {
  const run = limiter(concurrency);
  return {
    info: model.info,
    textBytesPerToken: model.textBytesPerToken,
    async tokenize(text, bos) {
      const ids = servedPrompt(model, text, bos).ids;
      return { ids, texts: ids.map((id) => model.tokenText(id)) };
    },
    complete: (job, onEvent, signal) => run(() => runCompletion(model, job, onEvent, signal)),
    dispose: async () => undefined,
  };
}
