/** The flags every model-using command shares, and loading the model they name. */
import type { FlagSpecs, ParsedFlags } from './args';
import { LOCAL_DEVICES, type LocalDevice } from '../engines/onnx/deviceFallback';
import { DTYPES } from '../engines/onnx/modelFolder';
import { OnnxModel } from '../engines/onnx/onnxModel';
import { BUILTIN_MODEL_NAME, builtinDefaultDtype, builtinModelDir } from '../engines/builtinModel';
import type { Dtype } from '../core/result';
import type { CliIo } from './io';

export const modelFlags: FlagSpecs = {
  model: { type: 'string' },
  device: { type: 'string', choices: LOCAL_DEVICES },
  dtype: { type: 'string', choices: DTYPES },
  threads: { type: 'number' },
};

export async function loadModelFromFlags(flags: ParsedFlags, io: CliIo, key = 'model'): Promise<OnnxModel> {
  const dir = (flags[key] as string | undefined) ?? io.env.SEMANTIC_FLOW_MODEL ?? builtinModelDir();
  const model = await OnnxModel.load({
    modelDir: dir,
    id: flags[key] === undefined && io.env.SEMANTIC_FLOW_MODEL === undefined ? BUILTIN_MODEL_NAME : undefined,
    device: (flags.device as LocalDevice | undefined) ?? 'cpu',
    // Without --dtype: fp32 when the folder has it, else its int8 export (the .vsix ships only int8).
    dtype: (flags.dtype as Dtype | undefined) ?? builtinDefaultDtype(dir),
    threads: flags.threads as number | undefined,
  });
  if (model.info.fallbackReason) io.stderr.write(`semantic-flow: using ${model.info.device} (${model.info.fallbackReason})\n`);
  return model;
}
