#!/usr/bin/env bash
# Prepares a machine for skp (Node 20.19+ or 24 with npm must be there): pnpm, the system packages
# the tests need — librdkafka with its headers and a C compiler, for the Kafka mock-cluster shim;
# Chromium, for the UI's browser test — the workspace dependencies, and a build.
#
# Supported: Debian and Ubuntu (apt; as root, or with sudo when it is needed), macOS (Homebrew and
# Apple's command line tools). Anywhere else, or without the rights to install, it stops before
# changing anything with one message naming what to install. Safe to run again.
#
# SKP_BOOTSTRAP_EXTRA_PACKAGES: more Debian packages to require (the bootstrap's own test uses it).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "bootstrap: $*" >&2
  exit 1
}

node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null ||
  fail "skp needs Node 20.19 or later (found $(node --version 2>/dev/null || echo "no node")): install Node 24 LTS from https://nodejs.org and run this again"

PNPM_VERSION=10.34.8
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  # corepack's signature check fails on some machines; npm's global install works everywhere.
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 ||
    fail "could not install pnpm $PNPM_VERSION with npm (a global install needs rights here): run 'npm install -g pnpm@$PNPM_VERSION' as an administrator, then this again"
fi

debian_missing() {
  local p
  for p in librdkafka-dev gcc pkg-config chromium ${SKP_BOOTSTRAP_EXTRA_PACKAGES:-}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$p"
  done
}

case "$(uname -s)" in
  Linux)
    if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
      missing=$(debian_missing)
      if [ -n "$missing" ]; then
        if [ "$(id -u)" -eq 0 ]; then
          SUDO=""
        elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
          SUDO="sudo"
        else
          fail "these Debian packages are missing: ${missing% } — install them (as root: apt-get install -y ${missing% }) and run this again"
        fi
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get update -qq
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -qq $missing >/dev/null
      fi
    else
      fail "this Linux has no apt: install librdkafka (with headers and its pkg-config file), a C compiler and Chromium with your package manager (set CHROMIUM_PATH if it is not /usr/bin/chromium), then run 'pnpm install --frozen-lockfile && pnpm build' — or set KAFKA_BROKERS to run the Kafka tests against a real cluster"
    fi
    ;;
  Darwin)
    xcode-select -p >/dev/null 2>&1 ||
      fail "install Apple's command line tools first (xcode-select --install): the Kafka mock shim is compiled with the system's compiler"
    command -v brew >/dev/null 2>&1 ||
      fail "install Homebrew (https://brew.sh), then run this again (it installs librdkafka, pkg-config and Chromium with it)"
    for formula in librdkafka pkg-config; do brew list --formula "$formula" >/dev/null 2>&1 || brew install "$formula"; done
    if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -d /Applications/Chromium.app ]; then brew install --cask chromium; fi
    [ -n "${CHROMIUM_PATH:-}" ] || echo "bootstrap: for the UI's browser test, export CHROMIUM_PATH=/Applications/Chromium.app/Contents/MacOS/Chromium" >&2
    ;;
  *)
    fail "unsupported system $(uname -s): skp's set-up knows Debian/Ubuntu and macOS; install librdkafka (headers), a C compiler and Chromium yourself, then run 'pnpm install --frozen-lockfile && pnpm build'"
    ;;
esac

pnpm install --frozen-lockfile
pnpm build
