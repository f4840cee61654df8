// Step 2: GPT-2 token ids (uint16) for every file of work/corpus/manifest.tsv, with the tokenizer
// written by make-tokenizer.mjs (work/tokenizer). Each document is followed by <|endoftext|> (50256).
// Writes work/tokens/<category>.train.bin and work/tokens/<split>.<category>.bin for held-out files.
//
// usage: node tools/model/tokenize.mjs [WORK_DIR=tools/model/work]
import { env, AutoTokenizer } from '@huggingface/transformers';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const work = process.argv[2] ?? new URL('./work', import.meta.url).pathname;
env.allowRemoteModels = false;
env.localModelPath = work;
const tok = await AutoTokenizer.from_pretrained('tokenizer');
const EOT = 50256;
const MAX_CHARS = 400000;

const rows = readFileSync(join(work, 'corpus', 'manifest.tsv'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('\t'));
const out = new Map(); // bin name -> number[]
const t0 = performance.now();
let chars = 0;
rows.forEach(([split, category, file], i) => {
  const text = readFileSync(file, 'utf8').slice(0, MAX_CHARS);
  chars += text.length;
  const name = split === 'train' ? `${category}.train` : `${split}.${category}`;
  if (!out.has(name)) out.set(name, []);
  const dst = out.get(name);
  for (const id of tok.encode(text)) dst.push(id);
  dst.push(EOT);
  if (i % 500 === 0)
    console.log(
      `${i}/${rows.length} files, ${(chars / 1e6).toFixed(1)} M chars, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
});
mkdirSync(join(work, 'tokens'), { recursive: true });
const summary = {};
for (const [name, ids] of out) {
  writeFileSync(join(work, 'tokens', `${name}.bin`), Buffer.from(Uint16Array.from(ids).buffer));
  summary[name] = ids.length;
}
writeFileSync(join(work, 'tokens', 'summary.json'), JSON.stringify({ chars, tokens: summary }, null, 1));
console.log(JSON.stringify(summary), `${((performance.now() - t0) / 1000).toFixed(0)} s`);
