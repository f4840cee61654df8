/**
 * Export Result goes the panel's export path: JSON or CSV chosen first, a save dialog proposing
 * `<source>.semantic-flow.<ext>` beside the source, no second overwrite prompt (the dialog asks), the CLI's
 * bytes, and a failed write in one line (no exception reaches the command runner).
 */
import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { toCsv, toJson } from '../../../src/core/exportFormats';
import type * as Command from '../../../src/extension/commands/exportResult';
import type { ResultStore as ResultStoreType } from '../../../src/extension/resultStore';
import { fakeLog, installFakeVscode, makeFakeVscode } from '../panel/fakeVscode';
import { plainResult } from '../panel/fixtures';

const fake = makeFakeVscode();
installFakeVscode(fake.api);
let exportResult: typeof Command.exportResult;
let ResultStore: typeof ResultStoreType;
before(async () => {
  ({ exportResult } = await import('../../../src/extension/commands/exportResult'));
  ({ ResultStore } = await import('../../../src/extension/resultStore'));
});

/** A store holding one result of file:///work/notes.md (none with `empty`). */
function setup(empty = false) {
  Object.assign(fake.rec, { saveAnswer: undefined, quickPickAnswer: undefined, writeError: undefined });
  for (const list of [fake.rec.saveDialogs, fake.rec.writes, fake.rec.errors]) list.length = 0;
  const store = new ResultStore();
  if (!empty) store.set({ uri: 'file:///work/notes.md', documentVersion: 1, offset: 0, result: plainResult() });
  const infos: string[] = [];
  const services = { store, log: fakeLog().log, errors: { info: (m: string) => infos.push(m) } };
  return { infos, run: () => exportResult(services as never) };
}

describe('Export Result', () => {
  beforeEach(() => setup());

  it('says there is nothing to export when no result is stored', async () => {
    const t = setup(true);
    assert.equal(await t.run(), false);
    assert.match(t.infos[0], /no result to export yet/);
    assert.equal(fake.rec.saveDialogs.length, 0);
  });

  it("proposes a name beside the source and writes the CLI's CSV to the confirmed path, without a second prompt", async () => {
    const t = setup();
    fake.rec.quickPickAnswer = 'CSV';
    fake.rec.saveAnswer = fake.uri('file', '/tmp/out.csv');
    assert.equal(await t.run(), true);
    assert.equal(fake.rec.saveDialogs.length, 1);
    assert.equal((fake.rec.saveDialogs[0].defaultUri as { path: string }).path, '/work/notes.md.semantic-flow.csv');
    assert.deepEqual(fake.rec.saveDialogs[0].filters, { CSV: ['csv'] });
    assert.equal(fake.rec.writes.length, 1);
    assert.equal(new TextDecoder().decode(fake.rec.writes[0].bytes), toCsv(plainResult()));
    fake.rec.quickPickAnswer = 'JSON';
    fake.rec.saveAnswer = fake.uri('file', '/tmp/out.json');
    assert.equal(await t.run(), true);
    assert.equal(new TextDecoder().decode(fake.rec.writes[1].bytes), toJson(plainResult()));
  });

  it('writes nothing when the format or the dialog is cancelled', async () => {
    const t = setup();
    assert.equal(await t.run(), false);
    fake.rec.quickPickAnswer = 'JSON';
    assert.equal(await t.run(), false);
    assert.equal(fake.rec.saveDialogs.length, 1);
    assert.equal(fake.rec.writes.length, 0);
  });

  it('shows a failed write in one line and returns false instead of throwing', async () => {
    const t = setup();
    fake.rec.quickPickAnswer = 'JSON';
    fake.rec.saveAnswer = fake.uri('file', '/readonly/out.json');
    fake.rec.writeError = new Error('EACCES: permission denied');
    assert.equal(await t.run(), false);
    assert.deepEqual(fake.rec.errors, ['Semantic Flow could not save /readonly/out.json: EACCES: permission denied']);
  });
});
