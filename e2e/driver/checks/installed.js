// @ts-check
/** Under E2E_VSIX (e2e/run-vsix.sh): the extension under test is the installed package, not the repository. */
'use strict';
const fs = require('fs');
const path = require('path');

module.exports = ({ check, assert }) => {
  check(
    'installed package: code-server runs the .vsix as installed (its own ONNX Runtime, the int8 model only)',
    async ({ env, pkg }) => {
      const dir = env.repo;
      assert(
        !fs.lstatSync(dir).isSymbolicLink() && path.dirname(dir) === path.join(env.runDir, 'exts'),
        `${dir} is not an installed extension folder`,
      );
      assert(
        fs.existsSync(path.join(dir, 'dist', 'node_modules', 'onnxruntime-node', 'dist', 'index.js')),
        'no onnxruntime-node under dist/',
      );
      assert(
        !fs.existsSync(path.join(dir, 'src')) && !fs.existsSync(path.join(dir, 'node_modules')),
        'the installed folder holds development files',
      );
      const onnx = fs.readdirSync(path.join(dir, 'models', 'semantic-flow-mini', 'onnx'));
      assert(JSON.stringify(onnx) === '["model_quantized.onnx"]', `built-in model files: ${JSON.stringify(onnx)}`);
      assert(pkg.scripts === undefined, "the manifest under test is the repository's, not the packaged one");
    },
    { when: () => !!process.env.E2E_VSIX },
  );
};
