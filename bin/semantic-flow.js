#!/usr/bin/env node
// Runs the bundled CLI; builds it first when the bundle is missing (a fresh clone before `npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');
const bundle = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(bundle)) {
  execFileSync(process.execPath, [join(__dirname, '..', 'tools', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
require(bundle);
