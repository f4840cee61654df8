// @ts-check
/**
 * The device in a real VS Code: Analyze Selection with semanticFlow.device = auto (the default) and then
 * webgpu, and the status bar says which device ran. On a machine without a GPU device (CI, where Mesa's
 * lavapipe is the only WebGPU adapter) auto must choose the CPU and say why in its tooltip, and the
 * explicit webgpu must run on that software adapter; on a machine with a GPU device auto must use a GPU.
 * The model is the tiny test fixture: lavapipe is far too slow for the built-in model in a timed check.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const ANALYZE = 'semanticFlow.analyzeSelection';
const TITLE = 'Semantic Flow: Analyze Selection';
const SCALE = Number(process.env.E2E_TIMEOUT_SCALE || 1);
const GPU_TIMEOUT = 400000 * SCALE;
const hasGpuDevice = ['/dev/dri', '/dev/nvidia0', '/dev/dxg'].some((p) => fs.existsSync(p));

module.exports = ({ check, assert, vscode: { waitForJsonFile, TIMEOUTS } }) => {
  /** Sets the device in the workspace settings, selects line 5 and analyses it until the engine reloaded with it. */
  async function analyzeOn(t, device) {
    const { vsc, env } = t;
    const settingsFile = path.join(env.ws, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    const model = path.join(env.repo, 'test', 'fixtures', 'models', 'tiny-gpt2');
    fs.writeFileSync(
      settingsFile,
      JSON.stringify({ 'semanticFlow.model': model, 'semanticFlow.device': device }, null, 2),
    );
    // The settings file reaches the extension asynchronously: analyse until the model was asked for `device`.
    for (let i = 0; i < 10; i++) {
      await vsc.runCommand('View: Focus First Editor Group');
      await vsc.openFile('prompt.md', { waitForText: 'capital of France' });
      await vsc.selectRange(5, 1, 5, 32); // 'The capital of France is Paris.' (line 1 soft-wraps)
      const before = fs.existsSync(env.statusFile) ? JSON.parse(fs.readFileSync(env.statusFile, 'utf8')).seq : 0;
      await vsc.runCommand(TITLE);
      const s = await waitForJsonFile(env.statusFile, (x) => x.seq > before && x.lastCommand === ANALYZE, {
        timeout: GPU_TIMEOUT,
      });
      assert(s.ok, `Analyze Selection on ${device} failed: ${JSON.stringify(s.errors.slice(-2))}`);
      if (s.model && s.model.id === 'tiny-gpt2' && s.model.requestedDevice === device) return s;
    }
    throw new Error(`the engine never loaded with semanticFlow.device = ${device}`);
  }

  /** The Semantic Flow status bar item's text once it names `device`. */
  const statusBarOn = (vsc, device) => vsc.statusBarItem(new RegExp(`· ${device}\\b`), { timeout: TIMEOUTS.command });

  /** Analyses on `device`, then puts the settings back. */
  async function withDevice(t, device, fn) {
    try {
      await fn(await analyzeOn(t, device));
    } finally {
      fs.writeFileSync(path.join(t.env.ws, '.vscode', 'settings.json'), '{}\n');
    }
  }

  check(
    'device: auto (the default) chooses the CPU where no GPU device exists, a GPU elsewhere; the status bar says which',
    (t) =>
      withDevice(t, 'auto', async (auto) => {
        if (hasGpuDevice) {
          assert(
            auto.model.device !== 'cpu',
            `a GPU device exists but auto chose the CPU: ${auto.model.fallbackReason}`,
          );
        } else {
          assert(auto.model.device === 'cpu', `no GPU device here, but auto chose ${auto.model.device}`);
          assert(
            /WebGPU was not used: (this machine has no GPU device|no Vulkan loader)/.test(
              auto.model.fallbackReason || '',
            ),
            `auto's reason: ${auto.model.fallbackReason}`,
          );
        }
        const text = await statusBarOn(t.vsc, auto.model.device);
        assert(!text.includes('warning'), `auto choosing ${auto.model.device} is no warning: ${text}`);
        await t.vsc.screenshot('device-auto');
      }),
  );

  // lavapipe compiles every shader on first use (a fresh HOME has no Mesa shader cache): minutes on a busy machine.
  check(
    'device: webgpu runs on the WebGPU adapter (lavapipe on CI) and the status bar says webgpu',
    (t) =>
      withDevice(t, 'webgpu', async (gpu) => {
        if (gpu.model.device !== 'webgpu' && process.env.SEMANTIC_FLOW_GPU_TESTS !== 'required')
          t.skip(`no WebGPU adapter on this machine (${gpu.model.fallbackReason})`);
        assert(
          gpu.model.device === 'webgpu',
          `webgpu asked for, ${gpu.model.device} used: ${gpu.model.fallbackReason}`,
        );
        assert(gpu.result && gpu.result.tokens > 0, 'no tokens from the WebGPU analysis');
        await statusBarOn(t.vsc, 'webgpu');
        await t.vsc.screenshot('device-webgpu');
      }),
    { timeout: GPU_TIMEOUT },
  );
};
