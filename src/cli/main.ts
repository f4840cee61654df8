/** The `semantic-flow` binary: wires process streams into run(). */
import { readAll } from './io';
import { run } from './run';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: (maxBytes) => readAll(process.stdin, maxBytes),
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
