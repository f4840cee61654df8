/** A one-line progress indicator on stderr, shown only on a terminal. */
import type { CliIo } from './io';

export function progressLine(io: CliIo, label: string, unit = 'tokens'): { update(done: number, total: number): void; done(): void } {
  const active = io.stderr.isTTY === true;
  let last = 0;
  return {
    update(done, total) {
      if (!active) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      io.stderr.write(`\r${label} ${done}/${total} ${unit} (${pct}%)`);
    },
    done() {
      if (active) io.stderr.write('\r\x1b[K');
    },
  };
}
