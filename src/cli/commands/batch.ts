/**
 * `semantic-flow batch INPUT.jsonl --out OUT.jsonl`: many texts (or prompt/response pairs) through the
 * local engine or a server, N at a time. Output is one JSON line per id, in input order, appended and
 * written through as each finishes, so a killed run resumes: ids already in OUT are skipped.
 */
import { flagSpecs, parseArgs } from '../args';
import type { CliCommand } from '../command';
import type { CliIo } from '../io';
import { SemanticFlowError, isSemanticFlowError } from '../../core/errors';
import { resultToJson, type AnalysisResult } from '../../core/result';
import type { LanguageModel } from '../../engines/languageModel';
import { directedInformation } from '../../core/directedInformation';
import { twoPassDirectedInformation } from '../../engines/remote/remoteDirectedInformation';
import { readInput } from '../input';
import { API_KEY_ENV, engineFlags, engineOf, loadLanguageModelFromFlags } from '../remoteOptions';
import { maxBytesFlag, scoringFlags } from '../scoringFlags';
import { progressLine } from '../progress';
import { idKey, parseBatchInput, type BatchItem } from '../batchInput';
import { openResumableOut, sameFile, stdoutOut } from '../batchOutput';
import { redoOnCpu } from '../../engines/onnx/deviceFailure';

/** Errors that end the whole batch (the rest would fail the same way); others are written for their id. */
const FATAL = new Set(['cancelled', 'server-unreachable', 'model-not-found', 'model-corrupt', 'out-of-memory']);

async function runItem(
  model: LanguageModel,
  item: BatchItem,
  o: { topK: number; units: boolean; signal?: AbortSignal },
): Promise<AnalysisResult> {
  if (item.kind === 'text') return model.analyze(item.text, { topK: o.topK, units: o.units, signal: o.signal });
  const di = { prompt: item.prompt, response: item.response, topK: o.topK, signal: o.signal };
  // Full-vocabulary engines: core directed information (with KL and the compensator); servers: two requests.
  const scoring = model.scoring;
  if (scoring)
    return redoOnCpu(() =>
      directedInformation(
        scoring,
        { prompt: item.prompt, response: item.response },
        { topK: o.topK, signal: o.signal },
      ),
    );
  return twoPassDirectedInformation(model, di);
}

/** A bar on a terminal; elsewhere progressLine's line every few seconds. */
function progressBar(io: CliIo) {
  const active = io.stderr.isTTY === true;
  const lines = progressLine(io, 'batch', 'texts');
  let last = 0;
  return {
    update(done: number, total: number, tokens: number, errors: number, t0: number, force = false) {
      if (!active) return lines.update(done, total);
      if (!force && Date.now() - last < 100) return;
      last = Date.now();
      const width = 24,
        filled = total > 0 ? Math.round((width * done) / total) : width;
      const rate = done / Math.max(1e-3, (Date.now() - t0) / 1000);
      io.stderr.write(
        `\r\x1b[Kbatch [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} · ${tokens} tokens · ${rate.toFixed(1)}/s${errors ? ` · ${errors} errors` : ''}`,
      );
    },
    clear() {
      if (active) io.stderr.write('\r\x1b[K');
    },
  };
}

/** Requests in flight by default: a server overlaps them; the local engine runs one pass at a time. */
const CONCURRENCY = { remote: 4, onnx: 1 } as const;
/** Finished results that may wait for an earlier, slower text, per text in flight (see roomToStart). */
const ORDER_WINDOW_PER_WORKER = 4;

const FLAGS = flagSpecs({
  ...engineFlags,
  out: {
    type: 'string',
    value: 'OUT.jsonl',
    help: 'where the result lines go (appended; a re-run resumes); - for standard output',
  },
  concurrency: {
    type: 'int',
    value: 'N',
    min: 1,
    max: 256,
    help: `texts in flight at once (default ${CONCURRENCY.remote} with --engine remote, ${CONCURRENCY.onnx} locally)`,
  },
  'top-k': scoringFlags['top-k'],
  units: { type: 'boolean', help: 'add word and line aggregates to each result' },
  'max-bytes': maxBytesFlag(512 * 1024 * 1024),
});

export const batchCommand: CliCommand = {
  name: 'batch',
  summary: 'score many texts from JSONL ({id, text} or {id, prompt, response}) into resumable JSONL',
  args: 'INPUT.jsonl|- --out OUT.jsonl|-',
  flags: FLAGS,
  notes:
    'Each input line is {"id": …, "text": …} (analysis) or {"id": …, "prompt": …, "response": …} (directed information; ' +
    'remotely from two scoring requests, without KL).\n\n' +
    'Each output line is the result object with its "id", or {"id": …, "error": {code, message}}, in input order. Re-running ' +
    'the same command skips the ids already in OUT with a result and retries those written as errors (their results are ' +
    'appended). --out - writes the lines to standard output (nothing to resume).\n\n' +
    `The API key for --engine remote comes from ${API_KEY_ENV}. Exit 0 when every line succeeded, 2 when a line is an error ` +
    'or an input line was bad.',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'batch');
    if (positionals.length !== 1)
      throw new SemanticFlowError('bad-argument', 'batch takes one INPUT.jsonl (or - for standard input).');
    const outPath = flags.out;
    if (!outPath)
      throw new SemanticFlowError('bad-argument', 'batch needs --out OUT.jsonl (or --out - for standard output).');
    if (positionals[0] !== '-' && sameFile(positionals[0], outPath)) {
      throw new SemanticFlowError(
        'bad-argument',
        `\`--out ${outPath}\` is the input file; write the results to another file.`,
      );
    }
    const engine = engineOf(flags);
    const topK = flags['top-k'];
    const concurrency = flags.concurrency ?? CONCURRENCY[engine];
    const { text } = await readInput(positionals[0], io, flags['max-bytes']);
    const { items, bad } = parseBatchInput(text);
    for (const b of bad) io.stderr.write(`semantic-flow: ${positionals[0]} line ${b.line}: ${b.reason}; skipped.\n`);
    const out = outPath === '-' ? stdoutOut(io.stdout, io.signal) : openResumableOut(outPath);
    if (out.discardedBytes > 0)
      io.stderr.write(
        `semantic-flow: discarded a partially written last line (${out.discardedBytes} bytes) of ${outPath}.\n`,
      );
    if (out.retried > 0)
      io.stderr.write(
        `semantic-flow: retrying ${out.retried} id${out.retried === 1 ? '' : 's'} whose line in ${outPath} was an error.\n`,
      );
    const todo = items.filter((it) => !out.done.has(idKey(it.id)));
    const already = items.length - todo.length;
    const t0 = Date.now();
    let tokens = 0,
      bits = 0,
      errors = 0,
      done = 0;
    const bar = progressBar(io);
    let model: LanguageModel | null = null;
    let fatal: unknown = null;
    try {
      if (todo.length > 0) model = await loadLanguageModelFromFlags(flags, io, { topK });
      const lines = new Map<number, string>();
      let nextToWrite = 0,
        nextToStart = 0;
      const abort = new AbortController();
      const onAbort = () => abort.abort();
      io.signal?.addEventListener('abort', onAbort, { once: true });
      // Results are written in input order, so those that finish while an earlier text is still being
      // scored wait in `lines`: a text starts only while fewer than `window` of them can be waiting, or
      // one slow text would let the rest of the batch pile up in memory.
      const window = ORDER_WINDOW_PER_WORKER * concurrency;
      const waiting = new Set<() => void>();
      const wakeAll = () => {
        for (const wake of waiting) wake();
        waiting.clear();
      };
      const flush = () => {
        while (lines.has(nextToWrite)) {
          out.append(lines.get(nextToWrite) as string);
          lines.delete(nextToWrite++);
        }
        wakeAll();
      };
      const roomToStart = async () => {
        await out.drained();
        while (fatal === null && nextToStart - nextToWrite >= window)
          await new Promise<void>((resolve) => waiting.add(resolve));
      };
      const worker = async () => {
        for (;;) {
          await roomToStart();
          if (fatal !== null || nextToStart >= todo.length) return;
          const i = nextToStart++;
          const item = todo[i];
          try {
            const r = await runItem(model as LanguageModel, item, {
              topK,
              units: flags.units === true,
              signal: abort.signal,
            });
            tokens += r.summary.tokens;
            bits += r.summary.totalBits;
            lines.set(i, resultToJson({ id: item.id, ...r } as AnalysisResult));
          } catch (e) {
            const code = isSemanticFlowError(e) ? e.code : 'internal';
            if (FATAL.has(code) || abort.signal.aborted) {
              fatal ??= e;
              abort.abort();
              wakeAll();
              return;
            }
            errors++;
            const message = e instanceof Error ? e.message : String(e);
            bar.clear();
            io.stderr.write(`semantic-flow: id ${idKey(item.id)} (line ${item.line}): ${message}\n`);
            lines.set(i, JSON.stringify({ id: item.id, error: { code, message } }));
          }
          done++;
          flush();
          bar.update(done, todo.length, tokens, errors, t0);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, todo.length)) }, worker));
      io.signal?.removeEventListener('abort', onAbort);
      flush();
    } finally {
      bar.clear();
      out.close();
      await model?.dispose();
    }
    const secs = (Date.now() - t0) / 1000;
    const badLines = bad.length
      ? `, ${bad.length} bad input line${bad.length > 1 ? 's' : ''} (${bad.map((b) => b.line).join(', ')})`
      : '';
    io.stderr.write(
      `semantic-flow: batch ${fatal ? 'stopped' : 'done'}: ${done} of ${todo.length} texts scored${already ? ` (${already} already in ${outPath})` : ''}, ` +
        `${tokens} tokens, ${bits.toFixed(1)} bits, ${secs.toFixed(1)} s (${(done / Math.max(secs, 1e-3)).toFixed(1)} texts/s), ${errors} error${errors === 1 ? '' : 's'}${badLines}.\n`,
    );
    if (fatal) throw fatal;
    return errors > 0 || bad.length > 0 ? 2 : 0;
  },
};
