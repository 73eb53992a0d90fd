#!/usr/bin/env bash
# Prepares a fresh machine (Node 20 + npm) for skp: pnpm, the system packages the tests need
# (librdkafka-dev and gcc, for the Kafka mock-cluster shim; chromium, for the UI's browser test),
# workspace dependencies, and a build.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.8
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  # corepack's signature check fails on some machines; npm's global install works everywhere.
  npm install -g "pnpm@$PNPM_VERSION"
fi

if ! dpkg -s librdkafka-dev >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq librdkafka-dev gcc chromium >/dev/null
  else
    echo "note: install librdkafka (headers) and a C compiler for the Kafka tests, or set KAFKA_BROKERS to a real cluster;" >&2
    echo "      and Chromium for the UI's browser test (or set CHROMIUM_PATH)" >&2
  fi
fi

pnpm install --frozen-lockfile
pnpm build
