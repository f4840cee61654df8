/**
 * The engine runs in a child process, not a worker_thread: terminating a worker_thread while
 * onnxruntime-node is inside a session run aborts the whole process ("terminate called after
 * throwing an instance of 'Napi::Error'", seen in 2 of 4 runs of test/integration/worker.test.ts),
 * and inside VS Code that process is the extension host shared with every other extension. A child
 * process can be killed at any moment, and a native crash of the model takes down only the child.
 */
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { join } from 'node:path';
import type { FromWorker, ToWorker } from './protocol';
import type { WorkerLike } from './client';

export interface EngineProcessOptions {
  /** Extra Node flags for the child (tests pass `--import tsx` to run the TypeScript entry). */
  execArgv?: string[];
  /** Called with each line the child writes to stderr (logged by the caller). */
  onStderr?: (line: string) => void;
}

/**
 * The engine's entry for a caller in this build: dist/worker.js beside the bundle (dist/cli.js), or
 * src/worker/main.ts through tsx when running from the TypeScript sources (tests, development).
 */
export function engineEntry(): { entry: string; options: EngineProcessOptions } {
  return __filename.endsWith('.ts')
    ? { entry: join(__dirname, 'main.ts'), options: { execArgv: ['--import', 'tsx'] } }
    : { entry: join(__dirname, 'worker.js'), options: {} };
}

/** Starts `entry` as a Node child process and adapts it to the WorkerLike the client expects. */
export function spawnEngineProcess(entry: string, options: EngineProcessOptions = {}): WorkerLike {
  const forkOptions: ForkOptions = {
    // Inside VS Code process.execPath is Electron; this makes it behave as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    execArgv: options.execArgv ?? [],
    serialization: 'advanced', // structured clone: typed arrays survive the trip
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  };
  const child = fork(entry, [], forkOptions);
  if (options.onStderr && child.stderr) {
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onStderr!(line);
    });
  }
  return new EngineProcess(child);
}

class EngineProcess implements WorkerLike {
  private readonly exited: Promise<number>;

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  }

  postMessage(msg: ToWorker): void {
    // A send to a child that has just died fails; its exit event reports that.
    if (this.child.connected) this.child.send(msg, (err) => void err);
  }

  on(event: 'message', listener: (msg: FromWorker) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message' | 'error' | 'exit', listener: (arg: never) => void): unknown {
    if (event === 'exit') {
      this.child.on('exit', (code, signal) => (listener as (c: number) => void)(code ?? (signal ? 1 : 0)));
    } else {
      this.child.on(event, listener as (arg: unknown) => void);
    }
    return this;
  }

  terminate(): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The OS process id (tests kill it from outside). */
  get pid(): number | undefined {
    return this.child.pid;
  }
}
