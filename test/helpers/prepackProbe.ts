/**
 * Child process of test/integration/prepacking.test.ts: creates the engine's kind of session (weightless
 * bytes, weights read by ONNX Runtime from the file) with or without prepacking and prints how much its
 * creation grew the RSS (MB).
 *   node --import tsx test/helpers/prepackProbe.ts MODEL_DIR on|off
 */
import { dirname, join } from 'node:path';
import { readWeightlessModel } from '../../src/engines/onnx/weightlessModel';
import { DeviceTensorLedger, OrtSession } from '../../src/engines/onnx/ortSession';

async function main(): Promise<void> {
  const [dir, mode] = process.argv.slice(2);
  const file = join(dir, 'onnx', 'model.onnx');
  const bytes = readWeightlessModel(file).bytes;
  const before = process.memoryUsage().rss;
  const session = await OrtSession.create(
    bytes,
    { device: 'cpu', externalDataDir: dirname(file), prepack: mode === 'on' },
    new DeviceTensorLedger(),
  );
  const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
  process.stdout.write(`${JSON.stringify({ grownMb })}\n`);
  await session.dispose();
}
main();
