/**
 * `di` on the command line: how --prompt and --response are joined (the README's example), and a
 * FILE|TEXT value that looks like a file name but names no file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { captureIo } from '../helpers/captureIo';

const fakeIo = () => captureIo();

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = fakeIo();
  const code = await run(argv, io);
  return { code, out: io.out, err: io.err };
}

/** Surprisal of each token of `text` from a plain analysis (BOS first), an independent pass. */
async function surprisals(text: string): Promise<{ text: string; bits: number }[]> {
  const io = fakeIo();
  io.readStdin = async () => new TextEncoder().encode(text);
  assert.equal(await run(['analyze', '--format', 'json', '--top-k', '0', '-'], io), 0, io.err);
  return (JSON.parse(io.out).tokens as { text: string; surprisalBits: number }[]).map((t) => ({
    text: t.text,
    bits: t.surprisalBits,
  }));
}

const readmeExample = (): [string, string] => {
  const m = /semantic-flow di --prompt "([^"]+)" --response "([^"]+)"/.exec(
    readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8'),
  );
  assert.ok(m, "README's di example");
  return [m[1], m[2]];
};

test("the README's di example joins prompt and response with a line break; iota of the first response token is s~ − s", async () => {
  const [prompt, response] = readmeExample();
  const r = await cli(['di', '--prompt', prompt, '--response', response, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.text, `${prompt}\n${response}`);
  assert.equal(j.di.responseStart, prompt.length + 1);
  const first = j.di.tokens[0];
  assert.equal(first.text, 'The');
  // Independently: the token's surprisal after the joined prompt, and after the BOS alone (the baseline).
  const prompted = (await surprisals(`${prompt}\n${response}`)).find(
    (t, i, all) => t.text === 'The' && all[i - 1]?.text === '\n',
  );
  const alone = (await surprisals(response))[0];
  assert.ok(prompted && alone.text === 'The');
  assert.ok(
    Math.abs(first.iotaBits - (alone.bits - prompted.bits)) < 1e-6,
    `${first.iotaBits} vs ${alone.bits - prompted.bits}`,
  );
  assert.ok(first.iotaBits > 0, `after "?\\n" the prompt makes "The" more likely: ${first.iotaBits} bits`);
});

test("--join: given text goes between (\\n read as a line break); '' joins as given; no join when a side has white space", async () => {
  const json = async (argv: string[]) => {
    const r = await cli([...argv, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  assert.equal(
    (await json(['di', '--prompt', 'Q: hi?', '--response', 'Hello.', '--join', '\\n\\nA: '])).text,
    'Q: hi?\n\nA: Hello.',
  );
  const fused = await json(['di', '--prompt', 'Q: hi?', '--response', 'Hello.', '--join', '']);
  assert.equal(fused.text, 'Q: hi?Hello.');
  assert.equal(fused.di.responseStart, 6);
  assert.equal((await json(['di', '--prompt', 'Q: hi? ', '--response', 'Hello.'])).text, 'Q: hi? Hello.');
  assert.equal((await json(['di', '--prompt', 'Q: hi?', '--response', ' Hello.'])).text, 'Q: hi? Hello.');
});

test('a FILE|TEXT value that looks like a file name but is no file: used as text, with one warning', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'sf-di-cli-'));
  const real = join(tmp, 'prompt.txt');
  writeFileSync(real, 'Read this file.');
  const missing = await cli(['di', '--prompt', 'nonexist.txt', '--response', 'hello there', '--format', 'json']);
  assert.equal(missing.code, 0, missing.err);
  assert.equal(JSON.parse(missing.out).text, 'nonexist.txt\nhello there');
  assert.equal(
    missing.err,
    'semantic-flow: warning: --prompt nonexist.txt is not a file here, so it is used as the text itself.\n',
  );
  const path = await cli(['generate', '--prompt', join(tmp, 'no', 'such'), '--max-tokens', '1', '--format', 'json']);
  assert.match(path.err, /warning: --prompt .*no\/such is not a file here/);
  for (const argv of [
    ['--prompt', real],
    ['--prompt', 'What is 2+2? Say it.'],
    ['--prompt', 'Paris.'],
  ]) {
    const r = await cli(['di', ...argv, '--response', 'four', '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '', `no warning for ${argv[1]}`);
  }
  assert.equal(
    JSON.parse((await cli(['di', '--prompt', real, '--response', 'x', '--format', 'json'])).out).text,
    'Read this file.\nx',
  );
});
