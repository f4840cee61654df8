/**
 * `semantic-flow models [list]`: the built-in model, the catalog and the downloaded models.
 * `semantic-flow models download ID`: fetches a catalog model (or any Hub id in the standard layout)
 * into the models folder, with a progress bar on a terminal and Ctrl+C to cancel (resumable).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { flagSpecs, parseArgs, type Flags } from '../args';
import type { CliIo } from '../io';
import type { CliCommand } from '../command';
import { fitLine, fitTable, outputWidth } from '../columns';
import { type Progress, progressLine } from '../progress';
import { SemanticFlowError, isSemanticFlowError } from '../../core/errors';
import type { Dtype } from '../../core/result';
import { BUILTIN_MODEL_NAME, builtinModelDir } from '../../engines/builtinModel';
import { CATALOG, defaultDownloadDtype, memoryEstimate } from '../../engines/catalog/catalog';
import { downloadModel, downloadSource, downloadStep, type DownloadProgress } from '../../engines/catalog/download';
import { formatBytes } from '../../core/units';
import { findHubSnapshot, hubCacheRoots } from '../../engines/catalog/hubCache';
import { describeModelFolder, listLocalModels, type LocalModel } from '../../engines/catalog/localModels';
import { defaultModelsDir } from '../../engines/catalog/modelsDir';
import { DTYPES } from '../../engines/onnx/modelFolder';

const FLAGS = flagSpecs({
  dir: {
    type: 'string',
    value: 'D',
    help: 'the models folder (default: $SEMANTIC_FLOW_CACHE/models, else ~/.cache/semantic-flow/models)',
  },
  format: {
    type: 'string',
    choices: ['table', 'json'],
    help: 'list as a table or JSON; default: table on a terminal, json otherwise',
  },
  dtype: {
    type: 'string',
    choices: DTYPES,
    help: 'download: which precision to fetch (default: q8 where the model has it, else q4, fp16, fp32)',
  },
  host: {
    type: 'string',
    value: 'URL',
    help: 'download: the Hub host (default: $HF_ENDPOINT, else https://huggingface.co)',
  },
  revision: { type: 'string', value: 'R', help: 'download: a branch, tag or commit (default main)' },
  'cleanup-on-cancel': {
    type: 'boolean',
    help: 'download: delete the partial files when cancelled (default: keep them to resume)',
  },
});

interface ModelRow {
  id: string;
  label: string;
  source: 'built-in' | 'catalog' | 'downloaded';
  parameters: number | null;
  licence: string | null;
  chatTemplate: boolean | null;
  contextWindow: number | null;
  /** Approximate download size per dtype (catalog models). */
  approxDownloadBytes: Partial<Record<Dtype, number>>;
  /** Memory the model needs per dtype, derived (catalog.ts memoryEstimate). */
  approxMemoryBytes?: Partial<Record<Dtype, number>>;
  /** What `models download ID` fetches without --dtype. */
  defaultDtype?: Dtype;
  /** What the licence asks of the user (gated repositories). */
  licenceNote?: string;
  /** `hubCache`: found in a Hugging Face cache snapshot, not in the models folder (the engine loads it from there). */
  local: { dir: string; dtypes: Dtype[]; bytes: number; partial: boolean; hubCache?: true } | null;
}

const BUILTIN_PARAMETERS = 8.08e6; // models/semantic-flow-mini/README.md

function builtinRow(): ModelRow {
  const dir = builtinModelDir();
  const m = existsSync(dir) ? describeModelFolder(dir, BUILTIN_MODEL_NAME) : null;
  return {
    id: BUILTIN_MODEL_NAME,
    label: 'Semantic Flow mini (built-in, offline)',
    source: 'built-in',
    parameters: BUILTIN_PARAMETERS,
    licence: 'MIT',
    chatTemplate: false,
    contextWindow: m?.contextWindow ?? null,
    approxDownloadBytes: {},
    local: m ? { dir, dtypes: m.dtypes, bytes: m.bytes, partial: false } : null,
  };
}

function modelRows(root: string, hubRoots: string[]): ModelRow[] {
  const local = new Map(listLocalModels(root).map((m) => [m.id.toLowerCase(), m]));
  const localOf = (m: LocalModel | undefined) =>
    m ? { dir: m.dir, dtypes: m.dtypes, bytes: m.bytes, partial: m.partial } : null;
  const rows: ModelRow[] = [builtinRow()];
  for (const e of CATALOG) {
    const m = local.get(e.id.toLowerCase());
    local.delete(e.id.toLowerCase());
    const snapshot = m ? null : findHubSnapshot(e.id, hubRoots);
    const cached = snapshot ? describeModelFolder(snapshot, e.id) : null;
    const approx: Partial<Record<Dtype, number>> = {},
      memory: Partial<Record<Dtype, number>> = {};
    for (const [d, v] of Object.entries(e.dtypes)) {
      approx[d as Dtype] = v.approxBytes;
      const need = memoryEstimate(e, d as Dtype);
      if (need !== null) memory[d as Dtype] = need;
    }
    rows.push({
      id: e.id,
      label: e.label,
      source: 'catalog',
      parameters: e.parameters,
      licence: e.licence,
      ...(e.licenceNote ? { licenceNote: e.licenceNote } : {}),
      chatTemplate: e.chatTemplate,
      contextWindow: e.contextWindow,
      approxDownloadBytes: approx,
      approxMemoryBytes: memory,
      defaultDtype: defaultDownloadDtype(e),
      local: cached ? { ...localOf(cached)!, hubCache: true } : localOf(m),
    });
  }
  for (const m of local.values()) {
    rows.push({
      id: m.id,
      label: m.id,
      source: 'downloaded',
      parameters: null,
      licence: null,
      chatTemplate: m.chatTemplate,
      contextWindow: m.contextWindow,
      approxDownloadBytes: {},
      local: localOf(m),
    });
  }
  return rows;
}

const params = (n: number | null) =>
  n === null ? '?' : n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : `${Math.round((n / 1e6) * 10) / 10}M`;
/** The memory of the dtype a download fetches by default. */
function memoryCell(r: ModelRow): string {
  const bytes = r.defaultDtype && r.approxMemoryBytes?.[r.defaultDtype];
  return bytes ? `${r.defaultDtype} ~${formatBytes(bytes)}` : '?';
}
const yesNo = (b: boolean | null) => (b === null ? '?' : b ? 'yes' : 'no');

function table(rows: ModelRow[], root: string, width: number): string {
  const cells = rows.map((r) => [
    r.id,
    params(r.parameters),
    r.source === 'built-in'
      ? 'included'
      : Object.entries(r.approxDownloadBytes)
          .map(([d, b]) => `${d} ~${formatBytes(b)}`)
          .join(', ') || '?',
    memoryCell(r),
    r.licence ?? '?',
    yesNo(r.chatTemplate),
    r.contextWindow === null ? '?' : String(r.contextWindow),
    r.local
      ? `${r.local.dtypes.join(', ') || 'no ONNX'} (${formatBytes(r.local.bytes)}${r.local.partial ? ', partial' : ''}${r.local.hubCache ? ', Hugging Face cache' : ''})`
      : '—',
  ]);
  const head = ['model', 'params', 'download (approx.)', 'memory (approx.)', 'licence', 'chat', 'context', 'on disk'];
  const notes = [
    `Downloaded models: ${root}`,
    'Download one: semantic-flow models download ID [--dtype q8]',
    'Memory: the files, a 2,048-token KV cache, one chunk of logits, ~260 MB of runtime (derived, README "Models")',
  ];
  return [...fitTable(head, cells, width), '', ...notes.flatMap((l) => fitLine(l, width)), ''].join('\n');
}

/**
 * A bar on a terminal; off one (a log, a CI job), a line every few seconds like the other commands'
 * progress (progressLine): the whole download, then each file's sha256 check.
 */
function progressBar(io: CliIo, label: string): { update(p: DownloadProgress): void; done(): void } {
  const active = io.stderr.isTTY === true;
  let last = 0;
  let lastStep = '';
  const bytes = (done: number, total: number) => `${formatBytes(done)} of ${formatBytes(total)}`;
  const fetching = progressLine(io, `downloading ${label}`, bytes);
  let verifying: { file: string; line: Progress } | null = null;
  const logLine = (p: DownloadProgress) => {
    if (!p.verifying) return fetching.update(p.overallLoaded, p.overallTotal);
    if (verifying?.file !== p.file) verifying = { file: p.file, line: progressLine(io, `verifying ${p.file}`, bytes) };
    verifying.line.update(p.loadedBytes, p.totalBytes ?? 0);
  };
  return {
    update(p) {
      if (!active) return logLine(p);
      const now = Date.now();
      // While a finished file is read back for its sha256, the bar counts the bytes hashed of that file.
      const [done, total] = p.verifying ? [p.loadedBytes, p.totalBytes ?? 0] : [p.overallLoaded, p.overallTotal];
      const step = downloadStep(p);
      if (step === lastStep && now - last < 100 && done < total) return;
      last = now;
      lastStep = step;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const bar = '#'.repeat(Math.round(frac * 24)).padEnd(24, '-');
      io.stderr.write(
        `\r\x1b[K${label}${p.verifying ? ' verifying' : ''} [${bar}] ${Math.floor(frac * 100)}% ${formatBytes(done)} / ${formatBytes(total)}  ${p.file}`,
      );
    },
    done() {
      if (active) io.stderr.write('\r\x1b[K');
    },
  };
}

async function download(positionals: string[], flags: Flags<typeof FLAGS>, io: CliIo, root: string): Promise<number> {
  if (positionals.length !== 1) {
    throw new SemanticFlowError(
      'bad-argument',
      `models download takes one model id, for example: semantic-flow models download ${CATALOG[0].id}. Catalog: ${CATALOG.map((e) => e.id).join(', ')}.`,
    );
  }
  const { entry, host, proxy } = downloadSource(positionals[0], { host: flags.host, env: io.env as NodeJS.ProcessEnv });
  const dtype = flags.dtype ?? defaultDownloadDtype(entry);
  if (entry.adHoc)
    io.stderr.write(
      `semantic-flow: ${entry.id} is not in the catalog; trying the standard transformers.js layout (onnx/model*.onnx).\n`,
    );
  const progress = progressBar(io, `${entry.id} ${dtype}`);
  let dir: string;
  try {
    dir = await downloadModel(entry, {
      destRoot: root,
      dtype,
      host,
      proxy,
      revision: flags.revision,
      signal: io.signal,
      cleanupOnCancel: flags['cleanup-on-cancel'] === true,
      onProgress: (p) => progress.update(p),
    });
  } catch (e) {
    progress.done();
    if (isSemanticFlowError(e) && e.code === 'cancelled') {
      io.stderr.write(`semantic-flow: ${e.message}\n`);
      return 130;
    }
    throw e;
  }
  progress.done();
  // --model finds an id in the default models folder; from another folder it needs the path.
  const modelArg = resolve(root) === resolve(defaultModelsDir(io.env)) ? entry.id : JSON.stringify(dir);
  io.stderr.write(
    `Downloaded ${entry.id} (${dtype}). Use it with: semantic-flow analyze --model ${modelArg} --dtype ${dtype} FILE\n`,
  );
  io.stdout.write(`${dir}\n`);
  return 0;
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary:
    'list the built-in, recommended and downloaded models; download one from the Hugging Face Hub (q8 where it has one, unless --dtype)',
  args: '[list] | download ID',
  flags: FLAGS,
  notes:
    'download needs the network; it goes through $HTTPS_PROXY / $HTTP_PROXY (minus $NO_PROXY), shows progress (a bar on a terminal, a line every few seconds otherwise), and resumes an interrupted download.',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 'models');
    const [sub = 'list', ...rest] = positionals;
    const root = flags.dir ?? defaultModelsDir(io.env);
    if (sub === 'download') return download(rest, flags, io, root);
    if (sub !== 'list')
      throw new SemanticFlowError(
        'bad-argument',
        `Unknown subcommand \`models ${sub}\`. Should be one of: list, download.`,
      );
    if (rest.length)
      throw new SemanticFlowError('bad-argument', `models list takes no arguments, not \`${rest.join(' ')}\`.`);
    const rows = modelRows(root, hubCacheRoots(io.env as NodeJS.ProcessEnv));
    const format = flags.format ?? (io.stdout.isTTY ? 'table' : 'json');
    io.stdout.write(
      format === 'json'
        ? `${JSON.stringify({ modelsDir: root, sizesApproximate: true, models: rows }, null, 2)}\n`
        : table(rows, root, outputWidth(io)),
    );
    return 0;
  },
};
