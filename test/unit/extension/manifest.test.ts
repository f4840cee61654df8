/** package.json against the code: command ids both ways, settings read by config.ts, colours, activation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CommandId, INTERNAL_COMMANDS } from '../../../src/extension/commandIds';
import { DECORATION_METRICS } from '../../../src/extension/decorationModel';
import { SCALE_BUCKETS } from '../../../src/core/scale';

const root = join(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
const inCode = Object.values(CommandId) as string[];

test('every command in code is contributed, and every contributed command is in code', () => {
  assert.deepEqual([...inCode].sort(), [...contributed].sort());
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'Semantic Flow', c.command);
});

test('the registration table in commands.ts covers every id (checked in its source)', () => {
  const src = readFileSync(join(root, 'src/extension/commands.ts'), 'utf8');
  for (const key of Object.keys(CommandId)) assert.match(src, new RegExp(`\\[CommandId\\.${key}\\]:`), key);
});

test('menus name only contributed commands; internal commands are hidden from the palette', () => {
  for (const [menu, items] of Object.entries(
    pkg.contributes.menus as Record<string, { command: string; when?: string }[]>,
  )) {
    for (const it of items) assert.ok(contributed.includes(it.command), `${menu}: ${it.command}`);
  }
  const palette = pkg.contributes.menus.commandPalette as { command: string; when?: string }[];
  for (const id of INTERNAL_COMMANDS) assert.equal(palette.find((p) => p.command === id)?.when, 'false', id);
  const ctx = (pkg.contributes.menus['editor/context'] as { command: string }[]).map((m) => m.command);
  for (const id of [CommandId.analyzeSelection, CommandId.directedInformation, CommandId.flowMatrix])
    assert.ok(ctx.includes(id), id);
});

test('activation is lazy: commands and the panel serializer only', () => {
  const events: string[] = pkg.activationEvents;
  assert.ok(!events.includes('*') && !events.includes('onStartupFinished'));
  assert.ok(events.includes('onWebviewPanel:semanticFlow.panel'));
  for (const e of events.filter((x) => x.startsWith('onCommand:')))
    assert.ok(contributed.includes(e.slice('onCommand:'.length)), e);
});

test('every setting config.ts reads is contributed with a description, and vice versa', () => {
  const src = readFileSync(join(root, 'src/extension/config.ts'), 'utf8');
  const read = [...src.matchAll(/(?:get<[^>]+>|oneOf<[^>]+>|int)\('([\w.]+)'/g)].map((m) => `semanticFlow.${m[1]}`);
  const props = pkg.contributes.configuration.properties as Record<
    string,
    { markdownDescription?: string; description?: string; enum?: string[] }
  >;
  assert.deepEqual([...new Set(read)].sort(), Object.keys(props).sort());
  for (const [k, p] of Object.entries(props)) assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, k);
  assert.deepEqual(props['semanticFlow.decoration.metric'].enum, [...DECORATION_METRICS]);
  assert.deepEqual(props['semanticFlow.device'].enum, ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml']);
});

test('one theme colour per scale bucket, with light, dark and high-contrast defaults', () => {
  const ids = pkg.contributes.colors.map((c: { id: string }) => c.id);
  assert.deepEqual(
    ids,
    Array.from({ length: SCALE_BUCKETS }, (_, i) => `semanticFlow.bucket${i}`),
  );
  for (const c of pkg.contributes.colors) {
    for (const theme of ['light', 'dark', 'highContrast'])
      assert.match(c.defaults[theme], /^#[0-9a-f]{8}$/i, `${c.id} ${theme} is a translucent #rrggbbaa`);
  }
});

test('the icon exists', () => {
  assert.ok(existsSync(join(root, pkg.icon)));
});
