/**
 * A streamed analysis of a long text allocates steadily (each token's record and its output text) and
 * keeps little (the packed tokens and one chunk). V8 lets the old generation grow to several times what
 * survives a full collection before it collects again, so that growth, not what the run holds, set the
 * peak: `analyze --format json` of 1 MB with the built-in model grew the heap from 56 to 131 MB before its
 * next full collection (peak RSS 466–476 MB), while 44 MB survived it. V8's `--optimize-for-size` keeps
 * heap growth and the young generation small. V8 fixes the threshold of its next full collection at
 * each one, so the flag is set before the model loads: set after loading it missed the first ones and
 * tokenizing 1 MB still grew the heap to 168 MB (451 MB RSS). Set before, `npm run bench:long` (json,
 * load average 2.8) peaked at 354 / 364 / 380 MB for 0.25 / 1 / 2 MB against 426 / 497 / 474 MB, about
 * a 10 kB text's peak, for 8–20 % more CPU time in the process (measured at load average 7–9, so noisy).
 * That trade is made only for texts long enough to be tokenized in pieces, where memory is what runs out;
 * shorter runs keep V8's defaults. The flag is process-wide and stays set.
 */
import { setFlagsFromString } from 'node:v8';
import { PIECE_CHARS } from '../core/textPieces';

export function favourMemoryForLongText(textLength: number): void {
  if (textLength > PIECE_CHARS) setFlagsFromString('--optimize-for-size');
}
