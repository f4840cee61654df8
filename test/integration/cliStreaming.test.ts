/**
 * analyze writes each token as it is scored (JSON, CSV, table) and keeps none: the output is exactly
 * that of the whole result written at the end; long runs report progress on a non-terminal stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { builtinModelDir } from '../../src/engines/builtinModel';
import { toCsv, toJson, toTable } from '../../src/cli/output';

// About 700 tokens of the built-in model: past its 512-token window, so sliding windows are streamed too.
const TEXT = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').slice(0, 2600);

const pipeIo = (env: Record<string, string> = {}) => captureIo({ stdin: TEXT, env });

const noTime = (s: string) => s.replace(/"createdAt": "[^"]+"/, '"createdAt": "…"');

test('streamed JSON, CSV and table equal the whole result written at the end', async () => {
  const model = await OnnxModel.load({ modelDir: builtinModelDir() });
  let kept;
  try {
    kept = await model.analyze(TEXT, { topK: 5, chunkSize: 128 });
  } finally {
    await model.dispose();
  }
  assert.ok(kept.summary.truncatedContextTokens > 0, 'the text goes past the window');
  const out = async (format: string) => {
    const io = pipeIo();
    assert.equal(await run(['analyze', '--device', 'cpu', '--format', format, '-'], io), 0, io.err);
    return io.out;
  };
  assert.equal(noTime(await out('json')), noTime(toJson(kept)));
  assert.equal(await out('csv'), toCsv(kept));
  assert.equal(await out('table'), toTable(kept, { color: false }));
});

test('progress on a stderr that is not a terminal: a line per interval with an estimate, none at the end', async () => {
  const io = pipeIo({ SEMANTIC_FLOW_PROGRESS_SECONDS: '0' });
  assert.equal(await run(['analyze', '--format', 'csv', '--chunk-size', '64', '-'], io), 0, io.err);
  const lines = io.err.trimEnd().split('\n');
  assert.ok(lines.length >= 5, io.err);
  const counts = lines.map((l) => {
    const m = /^semantic-flow: scoring ([\d,]+)\/([\d,]+) tokens \(\d+%\), \d+ s, about \d+ (s|min \d\d s) left$/.exec(
      l,
    );
    assert.ok(m, l);
    return [Number(m[1].replace(/,/g, '')), Number(m[2].replace(/,/g, ''))];
  });
  const total = counts[0][1];
  assert.ok(
    counts.every(([d, t], i) => t === total && d < total && (i === 0 || d > counts[i - 1][0])),
    'counts rise and stop short of the total',
  );
  const quiet = pipeIo({ SEMANTIC_FLOW_PROGRESS_SECONDS: '3600' });
  assert.equal(await run(['analyze', '--format', 'csv', '--chunk-size', '64', '-'], quiet), 0);
  assert.equal(quiet.err, '', 'a run shorter than the interval prints nothing');
});
