/**
 * The variants of a model folder as rate–distortion sources: each opens on demand and is disposed after
 * its comparison. A standard dtype loads exactly as everywhere else (OnnxModel.load with that dtype, so
 * its numbers equal `compare --dtype-b`); any other onnx/model*.onnx loads the same way by its file
 * name. fp32 is the reference itself, so it is never loaded twice.
 */
import type { RdVariantSource } from '../../core/rateDistortion';
import type { LocalDevice } from './deviceFallback';
import { modelVariants, type ModelVariant } from './modelVariants';
import type { ScoringModel } from '../../core/scoringModel';
import { OnnxModel } from './onnxModel';

export interface VariantLoadOptions {
  device?: LocalDevice;
  threads?: number;
  /** Display id of the model (variants add their name). */
  id?: string;
}

export async function loadVariant(dir: string, v: ModelVariant, o: VariantLoadOptions = {}): Promise<OnnxModel> {
  const common = { modelDir: dir, id: o.id, device: o.device ?? 'cpu', threads: o.threads };
  return OnnxModel.load(v.dtype ? { ...common, dtype: v.dtype } : { ...common, dtype: 'fp32', fileStem: v.stem });
}

/** Every variant of `dir`, smallest file first; `reference` is the folder's fp32 model, already loaded. */
export function variantSources(dir: string, reference: ScoringModel, o: VariantLoadOptions = {}): RdVariantSource[] {
  return modelVariants(dir).map((v) => ({
    name: v.name,
    file: v.file,
    bytes: v.bytes,
    open: async () => {
      if (v.dtype === 'fp32') return { model: reference, close: async () => undefined };
      const model = await loadVariant(dir, v, o);
      return { model, close: () => model.dispose() };
    },
  }));
}
