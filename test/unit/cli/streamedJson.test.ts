/**
 * `analyze --format json` writes each token as it is scored (resultWriter.ts); what it writes must be, byte
 * for byte, JSON.stringify of the whole result with two spaces (resultToJson) — checked against the same
 * analysis kept whole, on a text of one chunk and on one of many chunks past the context window (sliding
 * windows, truncatedContext).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli/run';
import { resultToJson } from '../../../src/core/result';
import { builtinModelDir, packageRoot } from '../../../src/engines/builtinModel';
import { OnnxModel } from '../../../src/engines/onnx/onnxModel';
import { captureIo } from '../../helpers/captureIo';

const tmp = mkdtempSync(join(tmpdir(), 'sf-streamed-json-'));
const measures = readFileSync(join(packageRoot(), 'docs', 'measures.md'), 'utf8');

test('streamed analyze --format json equals JSON.stringify of the kept result, byte for byte', async () => {
  const model = await OnnxModel.load({ modelDir: builtinModelDir() });
  try {
    const cases = [
      { name: 'one chunk', text: 'The cat sat on the mat — “quoted”, 1.5e3 ✓\n', chunkSize: 128 },
      { name: 'many chunks and windows', text: measures.slice(0, 2600), chunkSize: 16 },
    ];
    for (const { name, text, chunkSize } of cases) {
      const file = join(tmp, `${name}.txt`);
      writeFileSync(file, text);
      const io = captureIo({ stdin: '' });
      const argv = [
        'analyze',
        '--format',
        'json',
        '--device',
        'cpu',
        '--top-k',
        '3',
        '--chunk-size',
        String(chunkSize),
        file,
      ];
      assert.equal(await run(argv, io), 0, io.err);
      const kept = await model.analyze(text, { topK: 3, chunkSize });
      assert.ok(
        kept.tokens.length > (chunkSize === 16 ? kept.model.contextWindow! : 5),
        `${name}: ${kept.tokens.length}`,
      );
      kept.createdAt = JSON.parse(io.out).createdAt; // the two runs' clocks differ
      assert.equal(io.out, `${resultToJson(kept, 2)}\n`, name);
    }
  } finally {
    await model.dispose();
  }
});
