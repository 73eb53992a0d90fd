#!/usr/bin/env bash
# A release, as a dry run: versions and CHANGELOG.md files from the pending changesets (.changeset/),
# a build, the packaging checks, and `pnpm publish --dry-run` of every package. Nothing is published
# from here; to publish for real, drop --dry-run where the registry credentials live (docs/releasing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm changeset version
pnpm install --lockfile-only --silent
pnpm build
bash scripts/release-check.sh
pnpm -r --filter "./packages/*" publish --dry-run --no-git-checks
