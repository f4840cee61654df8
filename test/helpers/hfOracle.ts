/**
 * The Hugging Face oracle (hf_oracle.py) from TypeScript: one Python process per test file serves
 * every request. Python comes from $SEMANTIC_FLOW_PYTHON (.ci/run sets it when it could install torch
 * and transformers from the local wheel mirror), else `python3`. Where Python, torch or transformers
 * are missing, `startHfOracle` gives a reason to skip with instead of an oracle.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ChatRequest {
  messages: { role: string; content: string }[];
  add_generation_prompt?: boolean;
}

export interface OracleLogits {
  dims: number[];
  data: Float32Array;
}

interface Answer {
  error?: string;
  logits?: { dims: number[]; b64: string };
  kv_logits?: { dims: number[]; b64: string };
  tokens?: { ids: number[]; offsets: [number, number][] }[];
  chats?: string[];
  versions?: Record<string, string>;
}

const decode = (l: { dims: number[]; b64: string }): OracleLogits => {
  const buf = Buffer.from(l.b64, 'base64');
  return { dims: l.dims, data: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice() };
};

export class HfOracle {
  private readonly answers: ((a: Answer) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  versions: Record<string, string> = {};

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    lines: AsyncIterable<string>,
  ) {
    void (async () => {
      for await (const line of lines) this.answers.shift()?.(JSON.parse(line) as Answer);
    })();
  }

  private ask(req: Record<string, unknown>): Promise<Answer> {
    const next = this.queue.then(
      () =>
        new Promise<Answer>((resolve, reject) => {
          this.answers.push((a) => (a.error ? reject(new Error(`hf_oracle.py: ${a.error}`)) : resolve(a)));
          this.child.stdin.write(`${JSON.stringify(req)}\n`);
        }),
    );
    this.queue = next.catch(() => undefined);
    return next.then((a) => ((this.versions = a.versions ?? this.versions), a));
  }

  /** Logits [B, S, V] of HF's model for each row of ids (no padding: rows of one length). */
  async logits(dir: string, ids: number[][]): Promise<OracleLogits> {
    return decode((await this.ask({ dir, ids })).logits!);
  }

  /** Logits of one row computed in two passes through HF's KV cache (the first `split` tokens, then the rest). */
  async cachedLogits(dir: string, ids: number[], split: number): Promise<OracleLogits> {
    return decode((await this.ask({ dir, ids: [ids], kv_split: split })).kv_logits!);
  }

  /** Ids and UTF-16 offsets from the Rust tokenizers library, without special tokens. */
  async tokens(dir: string, texts: string[]): Promise<{ ids: number[]; offsets: [number, number][] }[]> {
    return (await this.ask({ dir, texts })).tokens!;
  }

  /** transformers' apply_chat_template(tokenize=False) (Python jinja2). */
  async chats(dir: string, chats: ChatRequest[]): Promise<string[]> {
    return (await this.ask({ dir, chats })).chats!;
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

/** Starts the oracle, or returns why it cannot run here (printed by the caller's skip). */
export async function startHfOracle(timeoutMs = 240_000): Promise<HfOracle | { skip: string }> {
  const python = process.env.SEMANTIC_FLOW_PYTHON || 'python3';
  const child = spawn(python, [join(__dirname, 'hf_oracle.py')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: '1', TRANSFORMERS_OFFLINE: '1', HF_HUB_OFFLINE: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ready = await Promise.race([
    lines.next().then((r) => (r.done ? null : r.value)),
    new Promise<null>((resolve) => child.once('error', () => resolve(null))),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref()),
  ]);
  if (ready === null || !ready.includes('"ready"')) {
    child.kill();
    const why =
      /No module named '?[\w.]+'?/.exec(stderr)?.[0] ??
      (stderr.trim().split('\n').pop() || `${python} did not start within ${timeoutMs / 1000} s`);
    return {
      skip: `Hugging Face oracle unavailable (${python}: ${why}); install torch and transformers (see .ci/run) or set SEMANTIC_FLOW_PYTHON`,
    };
  }
  return new HfOracle(child, { [Symbol.asyncIterator]: () => lines });
}
