/** Flags shared by the commands that score text, with core's defaults. */
import { flagSpecs } from './args';
import { DEFAULT_CHUNK_SIZE, DEFAULT_TOP_K } from '../core/analyze';
import { formatBytes } from '../core/units';
import { DEFAULT_MAX_INPUT_BYTES } from './input';

/** The most alternatives the CLI keeps per token (each costs a column of the result). */
export const MAX_TOP_K = 100;
/** Above what readFileSync can hold in one string. */
const MAX_INPUT_BYTES_LIMIT = 2 ** 31 - 1;

/** --max-bytes with a command's own default (a flow costs far more per byte than an analysis). */
export const maxBytesFlag = (fallback: number) => ({
  type: 'int' as const,
  value: 'N',
  min: 1,
  max: MAX_INPUT_BYTES_LIMIT,
  default: fallback,
  help: `largest input accepted, in bytes (${formatBytes(fallback)} by default); a larger one is refused before any work is done`,
});

export const scoringFlags = flagSpecs({
  'top-k': {
    type: 'int',
    value: 'K',
    min: 0,
    max: MAX_TOP_K,
    default: DEFAULT_TOP_K,
    help: 'most likely alternatives kept per token',
  },
  'chunk-size': {
    type: 'int',
    value: 'N',
    min: 1,
    max: 8192,
    default: DEFAULT_CHUNK_SIZE,
    help: 'tokens per forward pass; the KV cache carries context between chunks, so results do not depend on it (memory does)',
  },
  'max-bytes': maxBytesFlag(DEFAULT_MAX_INPUT_BYTES),
});
