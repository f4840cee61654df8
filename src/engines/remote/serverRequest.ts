/**
 * A `/v1/completions` body → what serve runs and how it answers, checked as vLLM checks it (its
 * defaults: max_tokens 16, temperature 1, top_p 1, no top_k; its messages, and the field at fault as
 * `param`). Options serve does not implement (n > 1, penalties, logit_bias, suffix) are refused, never
 * silently ignored.
 */
import type { CompletionJob } from './serveEngine';

/** An HTTP error answer; `param`: the request field at fault, as vLLM names it in its error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export type Body = Record<string, unknown>;

export interface CompletionRequest {
  job: CompletionJob;
  echo: boolean;
  /** Alternatives per token in `choices[].logprobs`; null when not asked. */
  logprobs: number | null;
  promptLogprobs: number | null;
  stream: boolean;
  /** stream_options.include_usage: a last chunk with `usage` and no choices. */
  includeUsage: boolean;
  tokensAsIds: boolean;
}

export interface RequestLimits {
  model: string;
  maxLogprobs: number;
  /** Seed of a sampled request that gives none. */
  randomSeed: () => number;
}

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

export function checkModel(body: Body, name: string): void {
  if (isSet(body.model) && body.model !== name)
    throw new HttpError(404, `The model \`${String(body.model)}\` does not exist.`, 'model');
}

export function onePrompt(body: Body): string | number[] {
  let p = body.prompt;
  if (Array.isArray(p) && p.length === 1 && (typeof p[0] === 'string' || Array.isArray(p[0]))) p = p[0];
  if (typeof p === 'string') return p;
  if (Array.isArray(p) && p.every((x) => typeof x === 'number')) return p as number[];
  if (Array.isArray(p))
    throw new HttpError(
      400,
      'This server scores one prompt per request; send the prompts as separate requests.',
      'prompt',
    );
  throw new HttpError(400, '`prompt` must be a string or a list of token ids.', 'prompt');
}

function intParam(body: Body, name: string, max: number): number | null {
  const v = body[name];
  if (!isSet(v) || v === false) return null;
  if (v === true) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new HttpError(400, `\`${name}\` must be a non-negative whole number.`, name);
  if (v > max)
    throw new HttpError(
      400,
      `Requested ${name === 'prompt_logprobs' ? 'prompt logprobs' : 'logprobs'} of ${v}, which is greater than max allowed: ${max}`,
      name,
    );
  return v;
}

function numberParam(body: Body, name: string, fallback: number, ok: (x: number) => boolean, rule: string): number {
  const v = body[name];
  if (!isSet(v)) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw new HttpError(400, `\`${name}\` must be ${rule}, got ${JSON.stringify(v)}.`, name);
  return v;
}

function stopStrings(body: Body): string[] {
  const v = body.stop;
  if (!isSet(v)) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string'))
    throw new HttpError(400, '`stop` must be a string or a list of strings.', 'stop');
  return list.filter((s) => s.length > 0);
}

function refuseUnsupported(body: Body): void {
  const unsupported: [string, (v: unknown) => boolean][] = [
    ['n', (v) => v !== 1],
    ['best_of', (v) => v !== 1],
    ['use_beam_search', (v) => v !== false],
    ['presence_penalty', (v) => v !== 0],
    ['frequency_penalty', (v) => v !== 0],
    ['repetition_penalty', (v) => v !== 1],
    ['logit_bias', (v) => typeof v !== 'object' || Object.keys(v as object).length > 0],
    ['suffix', (v) => v !== ''],
  ];
  for (const [name, differs] of unsupported) {
    if (isSet(body[name]) && differs(body[name]))
      throw new HttpError(400, `\`${name}\` is not supported by semantic-flow serve; leave it at its default.`, name);
  }
}

export function completionRequest(body: Body, limits: RequestLimits): CompletionRequest {
  checkModel(body, limits.model);
  refuseUnsupported(body);
  const prompt = onePrompt(body);
  const promptLogprobs = intParam(body, 'prompt_logprobs', limits.maxLogprobs);
  const logprobs = intParam(body, 'logprobs', limits.maxLogprobs);
  const echo = body.echo === true;
  const stream = body.stream === true;
  if (stream && promptLogprobs !== null)
    throw new HttpError(400, 'Prompt logprobs are not available when stream is enabled', 'prompt_logprobs');
  const maxTokens =
    body.max_tokens === null
      ? null
      : numberParam(body, 'max_tokens', 16, (x) => Number.isInteger(x) && x >= 0, 'a whole number ≥ 0');
  const temperature = numberParam(body, 'temperature', 1, (x) => x >= 0, 'a number ≥ 0');
  const topP = numberParam(body, 'top_p', 1, (x) => x > 0 && x <= 1, 'in (0, 1]');
  const topK = numberParam(
    body,
    'top_k',
    0,
    (x) => Number.isInteger(x) && x >= -1,
    '-1, 0 (all) or a whole number ≥ 1',
  );
  const seed = isSet(body.seed)
    ? numberParam(body, 'seed', 0, Number.isInteger, 'a whole number')
    : limits.randomSeed();
  const stopTokenIds = body.stop_token_ids ?? [];
  if (!Array.isArray(stopTokenIds) || !stopTokenIds.every((x) => Number.isInteger(x)))
    throw new HttpError(400, '`stop_token_ids` must be a list of token ids.', 'stop_token_ids');
  const streamOptions = (body.stream_options ?? {}) as Body;
  return {
    job: {
      prompt,
      bos: body.add_special_tokens !== false,
      promptTopK:
        promptLogprobs !== null || (echo && logprobs !== null)
          ? Math.max(promptLogprobs ?? 0, echo ? (logprobs ?? 0) : 0)
          : null,
      decode:
        maxTokens === 0
          ? null
          : {
              maxTokens,
              temperature,
              topP,
              topK: Math.max(0, topK),
              seed,
              stop: stopStrings(body),
              stopTokenIds: stopTokenIds as number[],
              ignoreEos: body.ignore_eos === true,
              logprobs: logprobs ?? 0,
            },
    },
    echo,
    logprobs,
    promptLogprobs,
    stream,
    includeUsage: stream && streamOptions.include_usage === true,
    tokensAsIds: body.return_tokens_as_token_ids === true,
  };
}
