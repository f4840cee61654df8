#!/usr/bin/env bash
# The core end-to-end checks against what users install: packages this machine's platform .vsix
# (tools/package.mjs, from the bundles already built) and runs e2e/run.sh with E2E_VSIX, so code-server
# installs it with --install-extension instead of linking the repository. The reference numbers come
# from the installed package's own CLI and int8 built-in model.
# Options (env): as e2e/run.sh; E2E_VSIX_ONLY=regex replaces the list of core checks.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mktemp -d -t e2e-vsix.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
T0=$SECONDS
node "$ROOT/tools/package.mjs" --no-build --out "$OUT" >"$OUT/package.log" 2>&1 || { tail -30 "$OUT/package.log"; echo "FAIL setup: npm run package"; echo "0 passed, 1 failed"; exit 1; }
VSIX=$(ls "$OUT"/*.vsix)
echo "packaged $(basename "$VSIX") in $((SECONDS - T0)) s"
CORE='^(workbench loads|extension under test is installed|installed package|product: (commands are contributed|Analyze Selection|hover|panel|Directed Information|Token Flow Matrix|missing model))'
E2E_VSIX="$VSIX" E2E_SELFTEST=0 E2E_ONLY="${E2E_VSIX_ONLY:-$CORE}" E2E_SHOTS="${E2E_SHOTS:-$ROOT/e2e/shots/vsix}" bash "$ROOT/e2e/run.sh"
