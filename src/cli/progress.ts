/**
 * Progress on stderr: on a terminal, one line redrawn in place; otherwise (a log, a CI job) a line every
 * few seconds ($SEMANTIC_FLOW_PROGRESS_SECONDS, default 5), so a long run is never silent. Short runs,
 * which finish before the first interval, print nothing.
 */
import { formatBytes } from '../core/units';
import type { LoadProgress } from '../engines/languageModel';
import type { CliIo } from './io';

export const DEFAULT_PROGRESS_SECONDS = 5;

const clock = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
};

export interface Progress {
  update(done: number, total: number): void;
  /** Takes the terminal line away (before other output on the same terminal, or at the end). */
  clear(): void;
  done(): void;
}

/** `unit` names what is counted, or writes the amounts itself (bytes: "1.2 MB of 330 MB"). */
export function progressLine(
  io: Pick<CliIo, 'stderr' | 'env'>,
  label: string,
  unit: string | ((done: number, total: number) => string) = 'tokens',
): Progress {
  const tty = io.stderr.isTTY === true;
  const seconds = Number(io.env.SEMANTIC_FLOW_PROGRESS_SECONDS ?? DEFAULT_PROGRESS_SECONDS);
  const every = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_PROGRESS_SECONDS * 1000;
  const t0 = Date.now();
  let last = tty ? 0 : t0,
    lastDone = -1,
    shown = false;
  const n = (v: number) => v.toLocaleString('en-US');
  const amounts = typeof unit === 'string' ? (d: number, t: number) => `${n(d)}/${n(t)} ${unit}` : unit;
  return {
    update(done, total) {
      const now = Date.now();
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      if (tty) {
        if (now - last < 100 && done < total) return;
        last = now;
        shown = true;
        io.stderr.write(`\r${label} ${amounts(done, total)} (${pct}%)`);
        return;
      }
      if (done >= total || done === lastDone || now - last < every) return;
      last = now;
      lastDone = done;
      const left = done > 0 ? ((now - t0) * (total - done)) / done : null;
      io.stderr.write(
        `semantic-flow: ${label} ${amounts(done, total)} (${pct}%), ${clock(now - t0)}${left === null ? '' : `, about ${clock(left)} left`}\n`,
      );
    },
    clear() {
      if (tty && shown) io.stderr.write('\r\x1b[K');
      shown = false;
    },
    done() {
      this.clear();
    },
  };
}

/**
 * While a model loads: the bytes of its files read (large models), then the device ONNX Runtime prepares
 * it on, as one terminal line cleared when the model is ready. Off a terminal nothing: a log gets the
 * scoring progress lines, and a load's few seconds would make its content depend on the machine's speed.
 */
export function loadProgressLine(
  io: Pick<CliIo, 'stderr'>,
  name: string,
): { update(p: LoadProgress): void; done(): void } {
  const tty = io.stderr.isTTY === true;
  let shown = false;
  return {
    update(p) {
      if (!tty) return;
      shown = true;
      io.stderr.write(
        `\r\x1b[Kloading ${name}: ${p.step === 'read' ? `${formatBytes(p.doneBytes)} of ${formatBytes(p.totalBytes)} read` : `preparing it on ${p.device}…`}`,
      );
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
