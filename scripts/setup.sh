#!/usr/bin/env bash
# Installs everything Lanyard needs to build, run and test on Debian/Ubuntu.
# Idempotent: each step checks first and does nothing when already satisfied.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  # build
  build-essential pkg-config curl file git libssl-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libdbus-1-dev
  # run and test headless
  xvfb xauth x11-utils imagemagick librsvg2-bin webkit2gtk-driver
  dbus-x11 at-spi2-core gnome-keyring keyutils libsecret-tools
  chromium chromium-driver trayer xdotool xclip strace time
  fish  # evaluates `lanyard export-credentials --format fish` in the tests
  python3-venv
)

apt_missing() {
  local p missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

if command -v apt-get >/dev/null; then
  missing="$(apt_missing)"
  if [ -n "$missing" ]; then
    log "apt: installing $missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
else
  log "not a Debian/Ubuntu machine: install the packages listed in README.md (Other systems) yourself"
fi

# Node packages for the UI.
if [ ! -f ui/node_modules/.lanyard-lock ] || ! cmp -s ui/package-lock.json ui/node_modules/.lanyard-lock; then
  log "npm ci (ui/)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  cp ui/package-lock.json ui/node_modules/.lanyard-lock
fi

# Python packages used only by tests (real AWS clients for fidelity tests).
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  log "python venv at .venv"
  python3 -m venv "$VENV"
fi
if ! cmp -s tests/requirements.txt "$VENV/.lanyard-req" 2>/dev/null; then
  log "pip install -r tests/requirements.txt"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt "$VENV/.lanyard-req"
fi
# Only `./dev bench` needs the credentials bench's peer (LANYARD_SETUP_PEERS=1).
PEER="$ROOT/.venv-peer"
if [ "${LANYARD_SETUP_PEERS:-0}" = 1 ] && ! cmp -s tests/peer-requirements.txt "$PEER/.lanyard-req" 2>/dev/null; then
  log "python venv at .venv-peer (aws-export-credentials, the credentials bench's peer)"
  python3 -m venv "$PEER"
  "$PEER/bin/pip" install -q --disable-pip-version-check -r tests/peer-requirements.txt
  cp tests/peer-requirements.txt "$PEER/.lanyard-req"
fi

# tauri-driver (WebDriver bridge for the real-window tests), into a project-local tools dir.
TOOLS="$ROOT/.tools"
if [ ! -x "$TOOLS/bin/tauri-driver" ]; then
  log "cargo install tauri-driver (about 40 s)"
  cargo install --quiet --locked --root "$TOOLS" tauri-driver@2.0.6
fi

# cargo-fuzz, for the brief fuzzing run of the config editor in ./dev test.
if [ ! -x "$TOOLS/bin/cargo-fuzz" ]; then
  log "cargo install cargo-fuzz (about 2 min)"
  cargo install --quiet --locked --root "$TOOLS" cargo-fuzz@0.13.2
fi
