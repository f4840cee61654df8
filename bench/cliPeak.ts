/**
 * Peak RSS of one run of the bundled CLI (dist/cli.js, what users run: no tsx, no sources), read by a
 * preload in the child as it exits. The benchmarks that report memory measure it this way so that the
 * numbers are the product's, not the TypeScript loader's (tsx and the sources hold ~150 MB more).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/engines/builtinModel';

/** `semantic-flow ARGS` in its own process: peak RSS (bytes) and wall time (s); throws on a failed run. */
export function cliPeak(args: string[], env: NodeJS.ProcessEnv = process.env): { peak: number; seconds: number } {
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      // writeSync: nothing left queued on the pipe however the CLI ends
      "process.on('exit', () => require('fs').writeSync(2, '\\npeak-rss ' + process.resourceUsage().maxRSS * 1024 + '\\n'));" +
        `process.argv.splice(1, 0, 'semantic-flow'); require(${JSON.stringify(join(packageRoot(), 'dist', 'cli.js'))});`,
      '--', // the CLI's arguments, never node's own (--version)
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env },
  );
  const peak = /peak-rss (\d+)/.exec(r.stderr)?.[1];
  if (r.status !== 0 || !peak)
    throw new Error(`semantic-flow ${args[0]} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return { peak: Number(peak), seconds: (performance.now() - t) / 1000 };
}
