/**
 * A benchmark model generated on demand (never committed): the built-in model's shape and GPT-2
 * tokenizer with a 1,024-token window, so a 512-token text fits one pass. Speed does not depend on
 * the weight values, so deterministic random weights are fine.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinModelDir, packageRoot } from '../src/engines/builtinModel';
import type { OnnxModel } from '../src/engines/onnx/onnxModel';

export async function benchModelDir(): Promise<string> {
  const dir = join(packageRoot(), '.bench', 'gpt2-mini-1024');
  if (existsSync(join(dir, 'onnx', 'model.onnx'))) return dir;
  mkdirSync(dir, { recursive: true });
  const gen = (await import(join(packageRoot(), 'tools', 'fixtures', 'gpt2Onnx.mjs'))) as {
    writeGpt2Model(dir: string, o: Record<string, unknown>): string[];
  };
  gen.writeGpt2Model(dir, {
    layers: 4,
    embd: 128,
    heads: 4,
    positions: 1024,
    vocab: 50257,
    eosId: 50256,
    seed: 7,
    past: true,
    q8: false,
  });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(builtinModelDir(), f), join(dir, f));
  return dir;
}

/** 511 tokens of docs/measures.md (the BOS makes 512 positions). */
export function benchText(model: OnnxModel): { text: string; ids: number[] } {
  let text = readFileSync(join(packageRoot(), 'docs', 'measures.md'), 'utf8').slice(0, 4000);
  const cut = (t: string) => model.tokenize(t).ids.length;
  let lo = 0,
    hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cut(text.slice(0, mid)) <= 511) lo = mid;
    else hi = mid - 1;
  }
  text = text.slice(0, lo);
  const bos = model.info.bosTokenId;
  return { text, ids: [...(bos === null ? [] : [bos]), ...model.tokenize(text).ids] };
}
