/** The user-facing errors of a model download: each names the model, the file and what to do. */
import { SemanticFlowError } from '../../core/errors';
import { BUILTIN_MODEL_NAME } from '../builtinModel';

export interface FileContext {
  /** Hub id being downloaded. */
  id: string;
  /** Repository path of the file. */
  file: string;
  /** Host as shown to the user (huggingface.co, 127.0.0.1:8080). */
  host: string;
  revision: string;
  /** The local model folder (for resume hints). */
  dir: string;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The innermost cause's code (ECONNREFUSED) or message ("other side closed"). */
export function networkReason(e: unknown): string {
  let c: unknown = e;
  for (let i = 0; i < 5 && (c as { cause?: unknown })?.cause; i++) c = (c as { cause: unknown }).cause;
  const code = (c as { code?: unknown })?.code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  const errs = (c as { errors?: { code?: unknown }[] })?.errors; // AggregateError from happy eyeballs
  if (Array.isArray(errs) && typeof errs[0]?.code === 'string') return errs[0].code;
  const m = (c as { message?: unknown })?.message;
  return typeof m === 'string' && m ? m : String(e);
}

export function unreachable(ctx: FileContext, e: unknown): SemanticFlowError {
  return new SemanticFlowError(
    'server-unreachable',
    `Could not reach ${ctx.host} to download ${ctx.id} (offline?). The built-in model ${BUILTIN_MODEL_NAME} works offline.`,
    { cause: e },
  );
}

export function interrupted(
  ctx: FileContext,
  written: number,
  total: number | null,
  why: string,
  e?: unknown,
): SemanticFlowError {
  const got = total === null ? `${written} bytes` : `${written} of ${total} bytes`;
  return new SemanticFlowError(
    'server-error',
    `The download of ${ctx.file} for ${ctx.id} from ${ctx.host} stopped after ${got} (${why}); run the download again to resume it from ${ctx.dir}.`,
    { cause: e },
  );
}

export function httpStatus(ctx: FileContext, status: number): SemanticFlowError {
  const where = `${ctx.file} of ${ctx.id} (revision ${ctx.revision}) on ${ctx.host}`;
  if (status === 404) {
    return new SemanticFlowError(
      'model-not-found',
      `${ctx.host} has no file ${ctx.file} in the repository ${ctx.id} at revision ${ctx.revision} (HTTP 404): the repository or its ONNX export may have been renamed or removed.`,
    );
  }
  if (status === 401 || status === 403) {
    return new SemanticFlowError(
      'model-not-found',
      `${ctx.id} is gated or private on ${ctx.host} (HTTP ${status} for ${ctx.file}): Semantic Flow downloads public models only. ` +
        `Accept its terms on the model page, download the files yourself into a folder, and pass it with --model DIR.`,
    );
  }
  if (status === 429)
    return new SemanticFlowError(
      'server-error',
      `${ctx.host} is rate-limiting downloads (HTTP 429 for ${where}); wait a few minutes and run the download again.`,
    );
  return new SemanticFlowError(
    'server-error',
    `${ctx.host} answered HTTP ${status} for ${where}; try again later (completed files are kept).`,
  );
}

export function cancelled(id: string, dir: string, cleanedUp: boolean): SemanticFlowError {
  return new SemanticFlowError(
    'cancelled',
    `The download of ${id} was cancelled; ` +
      (cleanedUp
        ? 'its partial files were removed.'
        : `its partial files are kept in ${dir}, and the next download of ${id} resumes them.`),
  );
}

export function checksumMismatch(ctx: FileContext, expected: string, got: string): SemanticFlowError {
  return new SemanticFlowError(
    'model-corrupt',
    `The download of ${ctx.file} for ${ctx.id} from ${ctx.host} does not match the sha256 the server gave for it ` +
      `(expected ${expected}, got ${got}): it was damaged on the way. The damaged file was removed; run the download again.`,
  );
}
