// Bundles the extension host, the engine worker and the CLI with esbuild.
// onnxruntime-node is a native N-API addon: it stays external and is resolved from node_modules at run time.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  external: ['vscode', 'onnxruntime-node', 'onnxruntime-common'],
  alias: { sharp: './src/sharp-stub.cjs' },
};
const entries = [
  ['src/extension/extension.ts', 'dist/extension.js'],
  ['src/worker/main.ts', 'dist/worker.js'],
  ['src/cli/main.ts', 'dist/cli.js'],
].filter(([src]) => existsSync(join(root, src)));

await Promise.all(entries.map(([src, out]) => build({ ...common, entryPoints: [src], outfile: out })));
if (existsSync(join(root, 'webview/main.ts'))) {
  await build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview/webview.js',
  });
}
console.log(`built ${entries.map(([, o]) => o).join(', ')}`);
