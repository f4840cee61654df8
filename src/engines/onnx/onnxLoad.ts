/**
 * Opens a model folder for the ONNX engine: the folder checked (modelFolder.ts), its tokenizer, and
 * one ONNX Runtime session of the model with the measure scorer appended (fusedScorer.ts). The session
 * is built in memory from the weightless model (weightlessModel.ts), so ONNX Runtime reads the weights
 * from the folder itself: no copy of them in JavaScript, none on disk. It is made on the requested
 * device with the explicit fallback of deviceFallback.ts.
 */
import { dirname } from 'node:path';
import { SemanticFlowError } from '../../core/errors';
import type { Dtype, ModelInfo } from '../../core/result';
import {
  defaultPrecheckEnv,
  deviceErrorSummary,
  loadWithFallback,
  type ConcreteDevice,
  type LocalDevice,
  type PrecheckEnv,
} from './deviceFallback';
import { DeviceOps } from './deviceOps';
import { SCORER_OUTPUTS, fuseScorer } from './fusedScorer';
import { VOCAB_PADDING_ALLOWANCE, contextWindowOf, inspectModelFolder, type ModelFolder } from './modelFolder';
import { DeviceTensorLedger, OrtSession, type OutputLocation } from './ortSession';
import type { LoadProgress } from '../languageModel';
import { CPU_ROW_BLOCK } from './scorerRowBlocks';
import { selfCheck } from './selfCheck';
import { withTiedEmbeddingUnpacked } from './tiedEmbedding';
import { PREREAD_MIN_BYTES, prereadWeights } from './weightsPreread';
import { type TextTokenizer, textTokenizerOf } from './textTokenizer';
import { textBytesPerToken } from './tokenLengthBound';
import { tokenizerInfo, type TokenizerInfo } from './tokenizerInfo';

export interface OnnxLoadOptions {
  /** Absolute or relative path of a model folder (config.json, tokenizer.json, onnx/model*.onnx). */
  modelDir: string;
  /** Display id for results (defaults to the folder name). */
  id?: string;
  device?: LocalDevice;
  dtype?: Dtype;
  /** Loads onnx/<fileStem>.onnx instead of the dtype's file (a variant outside the four standard names). */
  fileStem?: string;
  /** ONNX Runtime intra-op threads (default: ORT's own choice). */
  threads?: number;
  /** ONNX Runtime's prepacked copies of the weights (default true; false: less memory, slower; ortSession.ts). */
  prepack?: boolean;
  /** Reduce logits to measures inside the ONNX graph (default true; false = in JavaScript). */
  fuseMeasures?: boolean;
  /** Refuse larger models before loading (bytes; default half the machine's memory). */
  maxModelBytes?: number;
  precheckEnv?: PrecheckEnv;
  log?: (message: string) => void;
  /** Stands in for each session the loader creates (tests inject device faults). */
  onSession?: (session: OrtSession) => OrtSession;
  /** Load progress: a large model's files read, then each device's session prepared. */
  onProgress?: (p: LoadProgress) => void;
  /** With onProgress, models from this many bytes on are read once first, for byte progress (default PREREAD_MIN_BYTES). */
  prereadMinBytes?: number;
}

export interface OpenedModel {
  info: ModelInfo;
  session: OrtSession;
  ledger: DeviceTensorLedger;
  tokenizer: TextTokenizer;
  tok: TokenizerInfo;
  /** Most bytes of text one token stands for (tokenLengthBound.ts). */
  textBytesPerToken: number;
  chatTemplate: string | null;
  /** The same model on another device (after a GPU failure: the CPU). */
  reopen(device: ConcreteDevice): Promise<OrtSession>;
}

function classifyLoadError(e: unknown, dir: string): Error {
  if (e instanceof SemanticFlowError) return e;
  const msg = String(e instanceof Error ? e.message : e);
  if (/protobuf|Load model|INVALID_GRAPH|invalid model|Failed to load model|ONNX format/i.test(msg)) {
    return new SemanticFlowError(
      'model-corrupt',
      `The ONNX model in ${dir} could not be loaded: it is corrupt or not an ONNX model (${msg.split('\n')[0].slice(0, 200)}).`,
    );
  }
  return e instanceof Error ? e : new Error(msg);
}

/**
 * On a GPU the KV cache stays on the device between passes, and so do the logits of a fused model
 * (compared there, or read as `sf_logits32`); everything the engine reads comes to the CPU.
 */
function outputLocations(folder: ModelFolder, fused: boolean): Record<string, OutputLocation> {
  const names = [...folder.signature.outputs.map((o) => o.name), ...(fused ? Object.values(SCORER_OUTPUTS) : [])];
  return Object.fromEntries(
    names.map((n) => [n, n.startsWith('present') || (fused && n === 'logits') ? 'gpu-buffer' : 'cpu']),
  );
}

function vocabSizeOf(folder: ModelFolder, tok: TokenizerInfo): number {
  const vocabSize =
    folder.outputVocab ?? (typeof folder.config.vocab_size === 'number' ? folder.config.vocab_size : tok.vocab.length);
  if (tok.vocab.length > vocabSize || vocabSize - tok.vocab.length > VOCAB_PADDING_ALLOWANCE) {
    throw new SemanticFlowError(
      'tokenizer-mismatch',
      `The tokenizer in ${folder.dir} has ${tok.vocab.length} tokens but the model predicts ${vocabSize}; the tokenizer does not belong to this model.`,
    );
  }
  return vocabSize;
}

export async function openOnnxModel(o: OnnxLoadOptions): Promise<OpenedModel> {
  const dtype: Dtype = o.dtype ?? 'fp32';
  const folder = inspectModelFolder(o.modelDir, dtype, { maxModelBytes: o.maxModelBytes, fileStem: o.fileStem });
  const tokenizer = textTokenizerOf(folder.tokenizerJson, folder.tokenizerConfig, folder.dir);
  const tok = tokenizerInfo(folder.tokenizerJson, tokenizer.vocab());
  const vocabSize = vocabSizeOf(folder, tok);
  /** The model for a device: on the CPU with prepacking, its tied embedding held once (tiedEmbedding.ts). */
  const modelFor = (device: ConcreteDevice): Uint8Array =>
    device === 'cpu' && o.prepack !== false ? withTiedEmbeddingUnpacked(folder.weightless).model : folder.weightless;
  /** The model with the scorer, for a device (the top-k method differs on GPUs: fusedScorer.ts), or null when it cannot take it. */
  const fused = (device: ConcreteDevice, model: Uint8Array): Uint8Array | null => {
    if (o.fuseMeasures === false) return null;
    try {
      return device === 'cpu'
        ? fuseScorer(model, vocabSize, { rowBlock: CPU_ROW_BLOCK })
        : fuseScorer(model, vocabSize, { topK: 'grouped', sums: 'flat' });
    } catch (e) {
      o.log?.(`measures will be computed in JavaScript: ${(e as Error).message}`);
      return null;
    }
  };
  const weightBytes = folder.weightFiles.reduce((n, f) => n + f.bytes, 0);
  if (o.onProgress && weightBytes >= (o.prereadMinBytes ?? PREREAD_MIN_BYTES)) {
    const onProgress = o.onProgress;
    await prereadWeights(
      folder.weightFiles.map((f) => f.path),
      folder.weightFiles.map((f) => f.bytes),
      (p) => onProgress({ step: 'read', ...p }),
    );
  }
  const ledger = new DeviceTensorLedger();
  const create = async (model: Uint8Array, device: ConcreteDevice, fused: boolean): Promise<OrtSession> => {
    const session = await OrtSession.create(
      model,
      {
        device,
        threads: o.threads,
        prepack: o.prepack,
        externalDataDir: dirname(folder.onnxFile),
        outputLocations: outputLocations(folder, fused),
      },
      ledger,
    );
    return checked(o.onSession ? o.onSession(session) : session);
  };
  /** A GPU session is used only after one pass on it works (selfCheck.ts). */
  const checked = async (session: OrtSession): Promise<OrtSession> => {
    if (session.device === 'cpu') return session;
    const ops = new DeviceOps(session, ledger);
    try {
      await selfCheck(session, (t) => ops.logitsToCpu(t));
      return session;
    } catch (e) {
      await session.dispose();
      throw new Error(`its self-check pass failed (${deviceErrorSummary(e)})`);
    } finally {
      await ops.dispose();
    }
  };
  /** The model's session on `device`: with the fused scorer when it works there, else without. */
  const open = async (device: ConcreteDevice): Promise<OrtSession> => {
    o.onProgress?.({ step: 'prepare', device });
    const model = modelFor(device);
    const fusedModel = fused(device, model);
    if (fusedModel) {
      try {
        return await create(fusedModel, device, true);
      } catch (e) {
        o.log?.(`the fused model did not work on ${device} (${deviceErrorSummary(e)}); using the original`);
      }
    }
    try {
      return await create(model, device, false);
    } catch (e) {
      // On a GPU the error is the device's; the CPU, tried next, tells whether the model is at fault.
      throw device === 'cpu' ? classifyLoadError(e, folder.dir) : e;
    }
  };
  const outcome = await loadWithFallback(o.device ?? 'cpu', open, o.precheckEnv ?? defaultPrecheckEnv());
  const session = outcome.value;
  const num = (k: string): number | null => {
    const v = folder.config[k] ?? folder.tokenizerConfig[k];
    return typeof v === 'number' ? v : null;
  };
  // config.json's eos_token_id may be a list (Llama 3 Instruct: end_of_text, eom, eot); each ends a generation
  const eos = folder.config.eos_token_id ?? folder.tokenizerConfig.eos_token_id;
  const eosIds = (Array.isArray(eos) ? eos : [eos]).filter((v): v is number => Number.isInteger(v));
  const info: ModelInfo = {
    id: o.id ?? folder.dir.split(/[\\/]/).filter(Boolean).pop() ?? folder.dir,
    device: outcome.used,
    requestedDevice: outcome.requested,
    dtype,
    fallbackReason: outcome.reason,
    vocabSize,
    contextWindow: contextWindowOf(folder.config),
    bosTokenId: num('bos_token_id'),
    eosTokenId: eosIds[0] ?? null,
    ...(eosIds.length > 1 ? { eosTokenIds: eosIds } : {}),
    kvCache: [...session.inputs.keys()].some((n) => n.startsWith('past_key_values.')),
    measureKernel: session.outputs.has(SCORER_OUTPUTS.z) ? 'onnx' : 'js',
  };
  const chatTemplate =
    typeof folder.tokenizerConfig.chat_template === 'string' ? folder.tokenizerConfig.chat_template : null;
  return {
    info,
    session,
    ledger,
    tokenizer,
    tok,
    textBytesPerToken: textBytesPerToken(folder.tokenizerJson, tok),
    chatTemplate,
    reopen: open,
  };
}
