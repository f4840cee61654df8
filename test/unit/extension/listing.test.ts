/**
 * The Marketplace listing in package.json, README and CHANGELOG: one repository URL for repository, bugs,
 * homepage and Q&A; categories the Marketplace knows; tags within its limit; the Analyze Selection keybinding;
 * settings that say their range; the model setting's completions; the README's pictures exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCatalogEntry } from '../../../src/engines/catalog/catalog';
import { SUGGESTED_MODEL_ID } from '../../../src/engines/catalog/suggestedModel';
import { readmeImages } from '../../../tools/listing.mjs';

const root = join(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const REPO = 'https://github.com/semantic-flow/semantic-flow';
/** The Marketplace's categories (extension manifest reference, 2025). */
const MARKETPLACE_CATEGORIES = [
  'AI',
  'Azure',
  'Chat',
  'Data Science',
  'Debuggers',
  'Education',
  'Extension Packs',
  'Formatters',
  'Keymaps',
  'Language Packs',
  'Linters',
  'Machine Learning',
  'Notebooks',
  'Programming Languages',
  'SCM Providers',
  'Snippets',
  'Testing',
  'Themes',
  'Visualization',
  'Other',
];

test('repository, bugs, homepage and Q&A all point at the one GitHub repository', () => {
  assert.deepEqual(pkg.repository, { type: 'git', url: `${REPO}.git` });
  assert.equal(pkg.bugs.url, `${REPO}/issues`);
  assert.equal(pkg.homepage, `${REPO}#readme`);
  assert.equal(pkg.qna, `${REPO}/discussions`);
});

test('categories are Marketplace categories (no catch-all "Other" beside real ones); tags stay within 30', () => {
  for (const c of pkg.categories) assert.ok(MARKETPLACE_CATEGORIES.includes(c), c);
  assert.ok(!pkg.categories.includes('Other'), 'Other next to real categories only hides the extension from them');
  assert.deepEqual(pkg.categories, ['Machine Learning', 'Visualization']);
  // vsce turns keywords into tags and adds "keybindings" for contributed keybindings
  assert.ok(pkg.keywords.length + 1 <= 30, `${pkg.keywords.length} keywords`);
  for (const k of pkg.keywords) assert.equal(k, k.toLowerCase(), `tags are shown as written: ${k}`);
  assert.equal(new Set(pkg.keywords).size, pkg.keywords.length);
});

test('Analyze Selection has a keybinding, active only in a focused editor with a selection', () => {
  const kb = pkg.contributes.keybindings as { command: string; key: string; when: string }[];
  assert.deepEqual(kb, [
    { command: 'semanticFlow.analyzeSelection', key: 'ctrl+alt+a', when: 'editorTextFocus && editorHasSelection' },
  ]);
});

test('every setting says what it does and its range: numbers their bounds, enums a line per value', () => {
  const props = pkg.contributes.configuration.properties as Record<
    string,
    {
      type: string;
      markdownDescription: string;
      minimum?: number;
      maximum?: number;
      enum?: string[];
      enumDescriptions?: string[];
    }
  >;
  for (const [k, p] of Object.entries(props)) {
    assert.ok(p.markdownDescription.length > 60, `${k}: description too short`);
    if (p.type === 'integer') {
      assert.ok(p.minimum !== undefined && p.maximum !== undefined, `${k}: bounds`);
      assert.match(
        p.markdownDescription,
        new RegExp(`\\b${p.minimum}\\b[^.]*\\b${p.maximum}\\b`),
        `${k}: the description names ${p.minimum} … ${p.maximum}`,
      );
    }
    if (p.enum) assert.equal(p.enumDescriptions?.length, p.enum.length, `${k}: one description per value`);
  }
});

test('the model setting completes builtin, remote and catalog ids (the suggested one first), as free text', () => {
  const model = pkg.contributes.configuration.properties['semanticFlow.model'];
  assert.equal(model.type, 'string');
  assert.equal(model.enum, undefined, 'an enum would reject folders and other Hub ids');
  assert.equal(model.examples[0], 'builtin');
  assert.equal(model.examples[1], SUGGESTED_MODEL_ID);
  for (const e of model.examples)
    assert.ok(e === 'builtin' || e === 'remote' || findCatalogEntry(e)?.id === e, `${e} is not a catalog id`);
  assert.ok(model.examples.includes('remote'));
});

test('Open Settings is a command; CHANGELOG has a 0.1.0 section naming the walkthrough', () => {
  assert.ok(
    pkg.contributes.commands.some(
      (c: { command: string; title: string }) =>
        c.command === 'semanticFlow.openSettings' && c.title === 'Open Settings',
    ),
  );
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  const section = /^## 0\.1\.0\b.*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(changelog);
  assert.ok(section, 'no "## 0.1.0" section');
  assert.match(section[1], /walkthrough/i);
});

test('the README opens with pictures of the real UI, and every picture it shows exists', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const images = readmeImages(readme);
  for (const shot of ['panel', 'hover', 'directed-information', 'flow'])
    assert.ok(images.includes(`media/screenshots/${shot}.png`), `no ${shot} picture`);
  const firstSection = readme.slice(0, readme.indexOf('\n## '));
  assert.ok(readmeImages(firstSection).length >= 1, 'a picture before the first section');
  for (const src of images) {
    assert.ok(!/^[a-z]+:/i.test(src), `${src}: a repository path, so that the package holds it and vsce links it`);
    assert.ok(existsSync(join(root, src)), `${src} does not exist`);
    assert.match(src, /\.(png|gif|jpe?g)$/i, `${src}: the Marketplace refuses SVG in a README`);
  }
});
