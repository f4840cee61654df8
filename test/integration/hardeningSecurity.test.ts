/**
 * Hardening, security, in the extension (fake vscode) with the real bundled engine process (dist/worker.js):
 * - in an untrusted workspace every setting package.json declares restricted is ignored from the
 *   workspace (and said so in the log), and honoured again once the workspace is trusted;
 * - an API key kept in SecretStorage never appears in the log channel, notifications, the e2e status
 *   file, the exported JSON or CSV, or the error of a server that echoes it (401 and 400 answers);
 * - Export Result writes only to the path the save dialog confirmed (the dialog asks before replacing a file).
 * (Webview CSP, nonce, inline handlers, localResourceRoots: test/unit/panel/panelHtml.test.ts and panelHost.test.ts.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { packageRoot } from '../../src/engines/builtinModel';
import { createFakeVscode, installFakeVscode, Uri } from '../unit/extension/fakeVscode';
import { charVllmBody, fakeModels, startFakeServer, type FakeServer } from '../unit/engines/remote/helpers/fakeServer';
import type { E2eStatusFile } from '../../src/extension/e2eStatus';

const root = packageRoot(__dirname);
const built = existsSync(join(root, 'dist/worker.js'));
const skip = !built && 'run npm run build first';
const dir = mkdtempSync(join(tmpdir(), 'sf-hard-sec-'));
const statusFile = join(dir, 'status.json');
process.env.SEMANTIC_FLOW_E2E_STATUS = statusFile;
const { vscode, control } = createFakeVscode(root);

// Save dialog, file system and modal answers for Export Result.
const saveAnswers: (string | undefined)[] = [];
const modalAnswers: (string | undefined)[] = [];
const modals: string[] = [];
const saveDialogs: { defaultUri?: Uri }[] = [];
Object.assign(vscode.window, {
  showSaveDialog: async (o: { defaultUri?: Uri }) => {
    saveDialogs.push(o);
    const p = saveAnswers.shift();
    return p === undefined ? undefined : Uri.file(p);
  },
  showWarningMessage: async (message: string, ...rest: unknown[]) => {
    const modal = typeof rest[0] === 'object' && (rest[0] as { modal?: boolean })?.modal === true;
    control.notifications.push({
      kind: 'warning',
      message,
      items: rest.filter((i): i is string => typeof i === 'string'),
    });
    if (!modal) return undefined;
    modals.push(message);
    return modalAnswers.shift();
  },
});
const writes: { path: string; text: string }[] = [];
Object.assign(vscode.workspace, {
  fs: {
    stat: async (u: Uri) => {
      if (!existsSync(u.fsPath)) throw new Error('FileNotFound');
      return { type: 1 };
    },
    writeFile: async (u: Uri, bytes: Uint8Array) => {
      writeFileSync(u.fsPath, bytes);
      writes.push({ path: u.fsPath, text: new TextDecoder().decode(bytes) });
    },
  },
});
Object.assign(vscode, { ConfigurationTarget: { Global: 1, Workspace: 2 } });
installFakeVscode(vscode);
const ext = require('../../src/extension/extension') as typeof import('../../src/extension/extension');
const { CommandId } = require('../../src/extension/commandIds') as typeof import('../../src/extension/commandIds');
const { secretKeyFor } =
  require('../../src/extension/modelSelection') as typeof import('../../src/extension/modelSelection');
const context = control.context() as {
  subscriptions: { dispose(): unknown }[];
  secrets: { store(k: string, v: string): Promise<void> };
};

const status = (): E2eStatusFile => JSON.parse(readFileSync(statusFile, 'utf8'));
const run = (id: string, ...args: unknown[]) => control.commands.get(id)!(...args) as Promise<void>;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;

before(() => ext.activate(context as never));
after(async () => {
  await ext.deactivate();
  for (const d of context.subscriptions) d.dispose();
});

test('untrusted workspace: every restricted setting from the workspace is ignored and logged; trusted, it applies', {
  skip,
}, async () => {
  assert.ok(
    restricted.length >= 3 &&
      restricted.includes('semanticFlow.model') &&
      restricted.includes('semanticFlow.remote.endpoint'),
  );
  const evil = join(dir, 'evil-model-folder');
  const values: Record<string, string> = {
    'semanticFlow.model': evil,
    'semanticFlow.remote.endpoint': 'http://127.0.0.1:9/evil',
    'semanticFlow.remote.model': 'evil-model',
  };
  for (const k of restricted) control.workspaceSettings[k] = values[k] ?? 'evil';
  control.workspaceSettings['semanticFlow.topK'] = 2; // not restricted: honoured either way
  vscode.workspace.isTrusted = false;
  try {
    const editor = control.open('The cat sat on the mat.', 'file:///trust.txt');
    editor.select(0, 23);
    await run(CommandId.analyzeSelection);
    const s = status();
    assert.equal(s.ok, true, JSON.stringify(s.errors));
    assert.equal(s.model?.id, 'semantic-flow-mini', 'the built-in model, not the workspace folder');
    for (const k of restricted) {
      assert.ok(
        control.logLines.some(
          (l) => l === `warn ${k} from the workspace is ignored because the workspace is not trusted.`,
        ),
        `${k} reported as ignored`,
      );
    }
    assert.ok(
      !control.logLines.some((l) => l.includes('semanticFlow.topK from the workspace')),
      'unrestricted keys are not touched',
    );
    assert.ok(
      !control.logLines.some((l) => l.includes(evil) && !l.includes('ignored')),
      'the workspace folder was never used',
    );
    // trusted: the workspace value is honoured (and, being no model, fails by name)
    vscode.workspace.isTrusted = true;
    await run(CommandId.analyzeSelection);
    assert.match(control.notifications.at(-1)!.message, new RegExp(`Model folder not found: ${evil}`));
  } finally {
    vscode.workspace.isTrusted = true;
    for (const k of [...restricted, 'semanticFlow.topK']) delete control.workspaceSettings[k];
  }
});

const KEY = 'sk-hardening-SECRET-0123456789abcdef';
const WRONG = 'sk-hardening-WRONG-key-9876543210';
let server: FakeServer;

test('an API key from SecretStorage never reaches logs, notifications, the status file, exports or server errors', {
  skip,
}, async () => {
  server = await startFakeServer((r) => {
    const auth = String(r.headers.authorization ?? '');
    if (auth !== `Bearer ${KEY}`)
      return {
        status: 401,
        body: { error: { message: `Unauthorized: the key ${auth.replace('Bearer ', '')} is not valid` } },
      };
    if (r.path === '/v1/models') return { body: fakeModels() };
    if (r.body?.prompt === 'boom boom')
      return { status: 400, body: { object: 'error', message: `bad request (authorization: ${auth})` } };
    return { body: charVllmBody(String(r.body?.prompt), Number(r.body?.prompt_logprobs ?? 0)) };
  });
  try {
    const endpoint = server.url;
    await context.secrets.store(secretKeyFor(endpoint), KEY);
    control.setSetting('semanticFlow.remote.endpoint', endpoint);
    control.setSetting('semanticFlow.remote.model', 'fake');
    control.setSetting('semanticFlow.model', 'remote');
    const editor = control.open('Secret keys stay secret.\nboom boom', 'file:///secret.txt');
    editor.select(0, 24);
    await run(CommandId.analyzeSelection);
    assert.equal(status().ok, true, JSON.stringify(status().errors));
    assert.ok(
      server.requests.some((r) => r.headers.authorization === `Bearer ${KEY}`),
      'the key was sent to the server',
    );
    // exports of the result
    for (const [format, name] of [
      ['JSON', 'result.json'],
      ['CSV', 'result.csv'],
    ]) {
      control.quickPickAnswers.push((items) => items.find((i) => i.label === format));
      saveAnswers.push(join(dir, name));
      await run(CommandId.exportResult);
    }
    assert.equal(writes.length, 2);
    // the server echoes the key in a 400 error
    editor.select(25, 34);
    await run(CommandId.analyzeSelection);
    const boom = control.notifications.at(-1)!.message;
    assert.match(boom, /bad request/);
    // a wrong key: the 401 body echoes it
    await context.secrets.store(secretKeyFor(endpoint), WRONG);
    await run(CommandId.restartEngine);
    editor.select(0, 24);
    await run(CommandId.analyzeSelection);
    assert.match(control.notifications.at(-1)!.message, /HTTP 401/);
    const everything = [
      ...control.logLines,
      ...control.notifications.map((n) => n.message),
      readFileSync(statusFile, 'utf8'),
      ...writes.map((w) => w.text),
    ].join('\n');
    for (const secret of [KEY, WRONG, KEY.slice(-16), WRONG.slice(-16)])
      assert.ok(!everything.includes(secret), `"${secret}" leaked`);
  } finally {
    control.setSetting('semanticFlow.model', 'builtin');
    await server.close();
  }
});

test('Export Result writes only to the path the save dialog confirmed, proposed beside the source, and asks nothing more', {
  skip,
}, async () => {
  const editor = control.open('Export me, carefully.', 'file:///work/export.txt');
  editor.select(0, 21);
  await run(CommandId.analyzeSelection);
  assert.equal(status().ok, true, JSON.stringify(status().errors));
  const pick = (format: string) => control.quickPickAnswers.push((items) => items.find((i) => i.label === format));
  writes.length = 0;
  saveDialogs.length = 0;
  // a cancelled format choice or dialog writes nothing
  control.quickPickAnswers.push(() => undefined);
  await run(CommandId.exportResult);
  pick('JSON');
  saveAnswers.push(undefined);
  await run(CommandId.exportResult);
  assert.equal(writes.length, 0);
  assert.equal(status().ok, false);
  assert.equal(saveDialogs.length, 1);
  assert.equal(
    posix.normalize(saveDialogs[0].defaultUri!.fsPath),
    '/work/export.txt.semantic-flow.json',
    'the name is proposed beside the source',
  );
  // The save dialog asks before replacing a file (VS Code's native and simple dialogs both do): a path it
  // returns is confirmed, so no second question comes.
  const target = join(dir, 'existing.json');
  writeFileSync(target, 'precious');
  pick('JSON');
  saveAnswers.push(target);
  await run(CommandId.exportResult);
  assert.deepEqual(modals, []);
  assert.equal(JSON.parse(readFileSync(target, 'utf8')).text, 'Export me, carefully.');
  pick('CSV');
  saveAnswers.push(join(dir, 'fresh.csv'));
  await run(CommandId.exportResult);
  assert.match(readFileSync(join(dir, 'fresh.csv'), 'utf8'), /^index,id,start,end,text/);
  assert.equal(writes.length, 2);
  assert.equal(status().ok, true);
});
