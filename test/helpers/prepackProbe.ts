/**
 * Child process of test/integration/prepacking.test.ts: how much creating a session grew the RSS (MB).
 *   node --import tsx test/helpers/prepackProbe.ts MODEL_DIR on|off          the engine's kind of session (weightless
 *                                                                          bytes, weights read by ONNX Runtime)
 *   node --import tsx test/helpers/prepackProbe.ts MODEL_DIR engine-on|engine-off   the engine's load (OnnxModel.load
 *                                                                          on the CPU, prepack on or off)
 */
import { dirname, join } from 'node:path';
import { OnnxModel } from '../../src/engines/onnx/onnxModel';
import { DeviceTensorLedger, OrtSession } from '../../src/engines/onnx/ortSession';
import { readWeightlessModel } from '../../src/engines/onnx/weightlessModel';

async function main(): Promise<void> {
  const [dir, mode] = process.argv.slice(2);
  const file = join(dir, 'onnx', 'model.onnx');
  const bytes = readWeightlessModel(file).bytes;
  const before = process.memoryUsage().rss;
  const held = mode.startsWith('engine')
    ? await OnnxModel.load({ modelDir: dir, device: 'cpu', prepack: mode === 'engine-on' })
    : await OrtSession.create(
        bytes,
        { device: 'cpu', externalDataDir: dirname(file), prepack: mode === 'on' },
        new DeviceTensorLedger(),
      );
  const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
  process.stdout.write(`${JSON.stringify({ grownMb })}\n`);
  await held.dispose();
}
main();
