/** Help is generated from each command's flag spec: complete, with core's defaults, and strict about names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, COMMANDS } from '../../../src/cli/run';
import { captureIo } from '../../helpers/captureIo';
import { DEFAULT_CHUNK_SIZE, DEFAULT_TOP_K } from '../../../src/core/analyze';
import { DEFAULT_MAX_INPUT_BYTES } from '../../../src/cli/input';

const fakeIo = () => captureIo({ stdin: 'x' });

async function help(command: string): Promise<string> {
  const io = fakeIo();
  assert.equal(await run(['help', command], io), 0, io.err);
  return io.out;
}

test('help analyze names every option it accepts, including --stride, --flavor and --vocab-size', async () => {
  const out = await help('analyze');
  for (const flag of [
    '--stride N',
    '--flavor vllm|echo|sglang|tgi',
    '--vocab-size V',
    '--units',
    '--max-bytes N',
    '--endpoint URL',
    '--strict-top-k',
    '--color',
  ]) {
    assert.ok(out.includes(`\n  ${flag} `) || out.includes(`\n  ${flag}\n`), `help analyze lists ${flag}`);
  }
  assert.match(out, /Stride: a text longer than the model's context window W is scored by sliding windows/);
});

test("every command's help lists every option its parser accepts, and no other", async () => {
  for (const c of COMMANDS) {
    const out = await help(c.name);
    const listed = [...out.matchAll(/^ {2}--([a-z][a-z0-9-]*)/gm)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), Object.keys(c.flags).sort(), c.name);
    for (const name of listed) {
      const io = fakeIo();
      await run([c.name, `--${name}=x`, '--no-such-flag'], io);
      assert.doesNotMatch(io.err, new RegExp(`Unknown option \`--${name}\``), `${c.name} parses --${name}`);
    }
  }
});

test("defaults shown are core's constants", async () => {
  const out = await help('analyze');
  assert.match(
    out,
    new RegExp(`--top-k K +most likely alternatives kept per token \\[0–100, default ${DEFAULT_TOP_K}\\]`),
  );
  assert.match(out, new RegExp(`--chunk-size N [^\\[]+\\[1–8,192, default ${DEFAULT_CHUNK_SIZE}\\]`));
  assert.match(
    out,
    new RegExp(
      `--max-bytes N [^\\[]+\\[1–2,147,483,647, default ${DEFAULT_MAX_INPUT_BYTES.toLocaleString('en-US')}\\]`,
    ),
  );
});

test('help for an unknown command is an error (exit 2), not the general help', async () => {
  const io = fakeIo();
  assert.equal(await run(['help', 'frobnicate'], io), 2);
  assert.equal(io.out, '');
  assert.match(io.err, /^semantic-flow: unknown command `frobnicate`\. Commands: analyze, batch, /);
});

test("--stride outside 1 … context window − 1 is refused with the model's real range", async () => {
  for (const stride of ['9999', '512', '0']) {
    const io = fakeIo();
    assert.equal(await run(['analyze', '--stride', stride, '-'], io), 2, stride);
    assert.equal(
      io.err,
      `semantic-flow: Option \`--stride\` takes a whole number from 1 to 511 (semantic-flow-mini's context window is 512 tokens), not \`${stride}\`.\n`,
    );
  }
  const ok = fakeIo();
  assert.equal(await run(['analyze', '--stride', '511', '--format', 'csv', '-'], ok), 0, ok.err);
});
