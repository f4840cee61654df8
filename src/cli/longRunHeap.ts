/**
 * A streamed analysis of a long text allocates steadily (each token's record and its output text) and
 * keeps little (the packed tokens and one chunk). V8 lets the old generation grow to several times what
 * survives a full collection before it collects again, so that growth, not what the run holds, set the
 * peak: `analyze --format json` of 1 MB with the built-in model grew the heap from 56 to 131 MB before its
 * next full collection (peak RSS 466–476 MB), while 44 MB survived it. With V8's `--optimize-for-size`
 * (heap growth and young generation kept small) set as the run starts, the heap stayed at 44–46 MB for
 * the whole megabyte and peak RSS at 346–356 MB; on 0.25 MB peak RSS 353–357 MB against 410–412 MB, for
 * 8–20 % more CPU time in the process (load average 7–9, so noisy). That trade is made only for texts long
 * enough to be tokenized in pieces, where memory is what runs out; shorter runs keep V8's defaults.
 * The flag is process-wide and stays set; V8 reads it at each collection, so setting it late is enough.
 */
import { setFlagsFromString } from 'node:v8';
import { PIECE_CHARS } from '../core/textPieces';

export function favourMemoryForLongText(textLength: number): void {
  if (textLength > PIECE_CHARS) setFlagsFromString('--optimize-for-size');
}
