#!/usr/bin/env bash
# House rule: no source file over 300 lines (small files with one concern each). Biome has no
# per-file line limit, so this is the machine check `pnpm lint` runs beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=300
long=$(find packages/*/src examples/*/src -name '*.ts' -print0 | xargs -0 wc -l | awk -v limit="$LIMIT" '$2 != "total" && $1 > limit')
if [ -n "$long" ]; then
  echo "Source files over $LIMIT lines (split them by concern):" >&2
  echo "$long" >&2
  exit 1
fi
echo "no source file over $LIMIT lines"
