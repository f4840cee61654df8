/** What --model names when it is not a folder here: a Hub id on disk, or a folder typed from elsewhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelArgFromFlags, resolveModelArg, type ModelFlags } from '../../../src/cli/modelOptions';
import { builtinModelDir } from '../../../src/engines/builtinModel';
import { captureIo } from '../../helpers/captureIo';

const cache = mkdtempSync(join(tmpdir(), 'sf-model-arg-'));
const env = { SEMANTIC_FLOW_CACHE: cache, HF_HUB_CACHE: join(cache, 'hub') };
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('expected an error');
};

test("the README's `--model-b models/semantic-flow-mini` from outside the repository: a missing folder, pointing to the built-in model instead of a download", () => {
  const away = mkdtempSync(join(tmpdir(), 'sf-elsewhere-'));
  const here = process.cwd();
  try {
    process.chdir(away);
    const m = errorOf(() => resolveModelArg('models/semantic-flow-mini', 'q8', env));
    assert.match(
      m,
      /^Model folder not found: models\/semantic-flow-mini \(from .*sf-elsewhere-\w+\); no downloaded model has that id either/,
    );
    assert.match(
      m,
      /\. Did you mean the built-in model semantic-flow-mini\? Name it semantic-flow-mini, which works from any folder\.$/,
    );
    assert.doesNotMatch(m, /models download/, '"models" is no Hub owner: no download would find it');
    assert.deepEqual(resolveModelArg('semantic-flow-mini', 'q8', env), {
      dir: builtinModelDir(),
      dtype: 'q8',
      id: 'semantic-flow-mini',
    });
  } finally {
    process.chdir(here);
  }
  assert.equal(
    resolveModelArg('models/semantic-flow-mini', 'q8', env).dir,
    'models/semantic-flow-mini',
    'from the repository root it is the folder',
  );
});

test('owner/name that is no folder and no model on disk is reported as a missing folder; a catalog id or a partial download as a model', () => {
  assert.match(
    errorOf(() => resolveModelArg('someone/nothing', undefined, env)),
    /^Model folder not found: someone\/nothing .*For a Hugging Face model: semantic-flow models download someone\/nothing\.$/,
  );
  assert.match(
    errorOf(() => resolveModelArg('Xenova/distilgpt2', undefined, env)),
    /^The model "Xenova\/distilgpt2" is not on this machine .*Run semantic-flow models download Xenova\/distilgpt2/,
  );
  const partial = join(cache, 'models', 'someone', 'partial');
  mkdirSync(join(partial, 'onnx'), { recursive: true });
  writeFileSync(join(partial, 'config.json'), '{}');
  assert.match(
    errorOf(() => resolveModelArg('someone/partial', 'fp32', env)),
    /^The model "someone\/partial" in .* is not complete for fp32/,
  );
});

const noFlags = {} as ModelFlags; // no --model, --dtype, --device or --threads given

test('$SEMANTIC_FLOW_MODEL set but empty is unset, as in the shell: the built-in model, not a folder named ""', () => {
  const io = captureIo({ env: { ...env, SEMANTIC_FLOW_MODEL: '' } });
  assert.equal(modelArgFromFlags(noFlags, io).dir, builtinModelDir());
  const named = captureIo({ env: { ...env, SEMANTIC_FLOW_MODEL: cache } });
  assert.equal(modelArgFromFlags(noFlags, named).dir, cache);
});
