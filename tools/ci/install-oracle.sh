#!/usr/bin/env bash
# Installs the Hugging Face oracle's Python packages (test/integration/familyOracle.test.ts): PyTorch
# (CPU) and transformers from this machine's local wheel mirror, in a reused virtual environment
# ($SEMANTIC_FLOW_ORACLE_VENV, default ~/.cache/semantic-flow-ci/oracle-venv), within 15 minutes.
# Prints the environment's python on stdout and exits 0 when it imports torch, transformers and
# tokenizers; exits 2 with the reason (on stderr) when there is no python3 or no torch wheel, other
# codes when the install failed. The caller treats every failure as "the oracle tests skip".
set -uo pipefail
log() { printf '[install-oracle] %s\n' "$*" >&2; }

venv="${SEMANTIC_FLOW_ORACLE_VENV:-$HOME/.cache/semantic-flow-ci/oracle-venv}"
check='import torch, transformers, tokenizers; print("torch", torch.__version__, "transformers", transformers.__version__)'
if versions=$("$venv/bin/python" -c "$check" 2>/dev/null); then
  log "$versions in $venv"; echo "$venv/bin/python"; exit 0
fi
command -v python3 >/dev/null || { log "no python3"; exit 2; }
wheels=(/opt/wheels/torch-*+cpu-*.whl)
[ -e "${wheels[0]}" ] || { log "no torch wheel in /opt/wheels"; exit 2; }
# The mirror is the index: pip would otherwise retry an unreachable pypi.org for every package.
mirror=(); [ -d /opt/pypi/simple ] && mirror=(--index-url file:///opt/pypi/simple)
log "installing ${wheels[0]##*/} and transformers into $venv"
timeout 900 bash -c 'python3 -m venv "$1" && "$1/bin/pip" install -q --retries 0 --timeout 10 "${@:2}"' _ "$venv" "${mirror[@]}" "${wheels[0]}" transformers >&2 \
  || { log "the install failed or took over 15 minutes"; exit 1; }
versions=$("$venv/bin/python" -c "$check") || { log "installed, but the packages do not import"; exit 1; }
log "$versions"; echo "$venv/bin/python"
