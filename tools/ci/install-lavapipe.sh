#!/usr/bin/env bash
# Installs a WebGPU adapter that runs on the CPU, so CI can run the GPU tests (test/integration/webgpu.test.ts):
# Mesa's lavapipe, a software Vulkan driver. Debian 12's own Mesa 22 gives Dawn no adapter; the one from
# bookworm-backports (Mesa 25) does. Idempotent; works as root without sudo. Exit 0 when an adapter
# driver is installed, 2 (with the reason) when this machine cannot have one (not Debian), other codes on errors.
set -euo pipefail
log() { printf '[install-lavapipe] %s\n' "$*"; }

version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
if [ -n "$version" ] && [ "${version%%.*}" -ge 23 ] && dpkg -s libvulkan1 >/dev/null 2>&1; then
  log "mesa-vulkan-drivers $version and libvulkan1 present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ ! -r /etc/os-release ]; then
  log "not a Debian system: no lavapipe"; exit 2
fi
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || { log "unknown Debian release: no lavapipe"; exit 2; }
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"

# This machine's Debian mirror: the URIs of a deb822 source or a one-line source that ends in /debian
# (commented lines, such as a snapshot.debian.org note, are not sources), else deb.debian.org.
mirror=$( { grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | sed 's/^URIs:[[:space:]]*//' | tr ' ' '\n'
            grep -h -E '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'; } |
          grep -E '^https?://[^ ]+/debian/?$' | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
if ! grep -h -s -E "^[^#]*${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources >/dev/null; then
  log "adding ${codename}-backports from $mirror"
  echo "deb $mirror ${codename}-backports main" | $SUDO tee /etc/apt/sources.list.d/semantic-flow-backports.list >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t "${codename}-backports" mesa-vulkan-drivers >/dev/null
log "installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
