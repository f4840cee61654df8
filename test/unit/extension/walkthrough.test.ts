/**
 * The walkthrough in package.json against the code and the files: every step has real media and completion
 * events that the extension can raise (contributed commands, contributed settings, context keys it sets),
 * every button names a contributed command with JSON arguments, and the model step states the suggested
 * model's facts as the catalog has them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG } from '../../../src/engines/catalog/catalog';
import { SUGGESTED_MODEL_ID, suggestedModel } from '../../../src/engines/catalog/suggestedModel';
import { diRangesFrom } from '../../../src/extension/diRanges';
import { modelFacts, selectModelUri } from '../../../src/extension/modelSuggestion';
import { downloadDtypeFor } from '../../../src/extension/modelChoice';
import { ContextKey, root, SAMPLE_PATH } from './onFakeVscode';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
interface Step {
  id: string;
  title: string;
  description: string;
  media: { image?: string; markdown?: string; svg?: string; altText?: string };
  completionEvents: string[];
}
const walkthroughs: { id: string; title: string; description: string; steps: Step[] }[] = pkg.contributes.walkthroughs;
const steps = walkthroughs.flatMap((w) => w.steps);
const commands: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
const settings = Object.keys(pkg.contributes.configuration.properties);
/** `[label](command:id?args)` links of a step description, `toSide:` removed. */
const links = (d: string) =>
  [...d.matchAll(/\[([^\]]+)\]\(command:(?:toSide:)?([\w.]+)(?:\?([^)]*))?\)/g)].map((m) => ({
    label: m[1],
    id: m[2],
    args: m[3],
  }));

test('one walkthrough: analyse, panel, directed information, a real model, live mode, the device', () => {
  assert.equal(walkthroughs.length, 1);
  assert.deepEqual(
    steps.map((s) => s.id),
    ['analyze', 'panel', 'directedInformation', 'chooseModel', 'liveMode', 'device'],
  );
  for (const s of steps) assert.ok(s.title && s.description.length > 80, s.id);
});

test("every step has an image (a PNG from the real UI, in the package's media folder) with alt text", () => {
  for (const s of steps) {
    const file = s.media.image ?? s.media.svg ?? s.media.markdown;
    assert.ok(file, `${s.id} has no media`);
    assert.ok(existsSync(join(root, file)), `${s.id}: ${file} does not exist`);
    assert.ok(statSync(join(root, file)).size > 5000, `${s.id}: ${file} is nearly empty`);
    assert.match(file, /^media\//, `${s.id}: media must be under media/ (the .vsix allow-list)`);
    if (s.media.image) {
      assert.ok((s.media.altText ?? '').length > 20, `${s.id}: alt text`);
      assert.deepEqual(
        [...readFileSync(join(root, file)).subarray(0, 8)],
        [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
        `${s.id}: ${file} is a PNG`,
      );
    }
  }
});

test('every completion event can happen: contributed commands, contributed settings, context keys the extension sets', () => {
  const keys = Object.values(ContextKey) as string[];
  for (const s of steps) {
    assert.ok(
      s.completionEvents.length > 0,
      `${s.id}: no completion event (VS Code would complete it on a click on any link)`,
    );
    for (const e of s.completionEvents) {
      const [kind, arg] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)];
      if (kind === 'onCommand') assert.ok(commands.includes(arg), `${s.id}: ${e}`);
      else if (kind === 'onSettingChanged') assert.ok(settings.includes(arg), `${s.id}: ${e}`);
      else if (kind === 'onContext') assert.ok(keys.includes(arg), `${s.id}: ${e} is not a key contextKeys.ts sets`);
      else assert.fail(`${s.id}: unexpected completion event ${e}`);
    }
  }
});

test('every button runs a contributed command, with JSON arguments', () => {
  for (const s of steps) {
    const ls = links(s.description);
    assert.ok(ls.length > 0, `${s.id} has no button`);
    for (const l of ls) {
      assert.ok(commands.includes(l.id), `${s.id}: ${l.id}`);
      if (l.args !== undefined) assert.ok(Array.isArray(JSON.parse(decodeURIComponent(l.args))), `${s.id}: ${l.args}`);
    }
  }
});

test("the model step suggests the catalog's suggested model with its parameters, download size and licence, and downloads it in one click", () => {
  const step = steps.find((s) => s.id === 'chooseModel')!;
  const entry = suggestedModel();
  assert.ok(CATALOG.some((e) => e.id === SUGGESTED_MODEL_ID));
  // a download fetches the catalog's default dtype (q4 here: no q8 export) unless semanticFlow.dtype says otherwise
  const facts = modelFacts(entry, downloadDtypeFor(entry, 'fp32', false));
  assert.ok(
    step.description.includes(`**${entry.label}** (${facts})`),
    `the step should say "**${entry.label}** (${facts})" as the catalog does:\n${step.description}`,
  );
  const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/\s+/g, ' ');
  assert.ok(readme.includes(`**${entry.label}** (${facts})`), `the README should say "**${entry.label}** (${facts})"`);
  const download = links(step.description).find((l) => l.label === `Download ${entry.label}`);
  assert.equal(`command:${download?.id}?${download?.args}`, selectModelUri(SUGGESTED_MODEL_ID));
});

test('the sample is a prompt and a response split at the directed-information marker line', () => {
  const text = readFileSync(join(root, SAMPLE_PATH), 'utf8');
  const { prompt, response } = diRangesFrom(
    [{ start: 0, end: 0 }],
    text,
    pkg.contributes.configuration.properties['semanticFlow.di.marker'].default,
  );
  assert.match(text.slice(prompt.start, prompt.end), /Question: .+\?\n$/);
  assert.ok(response.end - response.start > 20, text.slice(response.start, response.end));
});
