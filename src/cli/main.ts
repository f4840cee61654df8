/** The `semantic-flow` binary: wires process streams into run(). */
import { isatty } from 'node:tty';
import { readAll } from './io';
import { run } from './run';

// A reader that stops early (`| head`) closes the pipe: end quietly with the output it took, as a Unix
// filter does, instead of an unhandled EPIPE. A closed stderr only loses progress and notices.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') process.stderr.write(`semantic-flow: cannot write the output: ${e.message}\n`);
  process.exit(e.code === 'EPIPE' ? 0 : 1);
});
process.stderr.on('error', () => {});

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: (maxBytes) => readAll(process.stdin, maxBytes),
  stdinIsTTY: isatty(0),
  env: process.env,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`semantic-flow: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
