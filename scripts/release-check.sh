#!/usr/bin/env bash
# Checks every package as npm will ship it (run after `pnpm build`): publint (package.json, exports,
# files; warnings count) and Are the Types Wrong (types resolve for node10, node16 CJS and ESM, and
# bundlers, from the packed tarball). Fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in packages/*/; do
  name=$(node -p "require('./${dir}package.json').name")
  echo "== $name =="
  (cd "$dir" && ../../node_modules/.bin/publint --strict && ../../node_modules/.bin/attw --pack . --format table-flipped)
done
