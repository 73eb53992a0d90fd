#!/usr/bin/env bash
# The bootstrap beyond the happy path (.ci/run runs this; it needs root, to create a test user):
# 1. run by a user without the rights to install, a missing package stops it with one message naming
#    the package, before it changes anything;
# 2. run again on a machine it has prepared, it succeeds (it is idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "check-bootstrap: needs root (it creates a test user); skipped"
  exit 0
fi
user=skp-bootstrap-check
id "$user" >/dev/null 2>&1 || useradd -m "$user"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/scripts"
cp scripts/bootstrap.sh "$work/scripts/"
cp package.json "$work/"
set +e
out=$(su "$user" -s /bin/bash -c "cd '$work' && SKP_BOOTSTRAP_EXTRA_PACKAGES=skp-no-such-package bash scripts/bootstrap.sh" 2>&1 </dev/null)
code=$?
set -e
echo "as $user: $out"
[ "$code" -ne 0 ] || { echo "check-bootstrap: expected the bootstrap to stop"; exit 1; }
echo "$out" | grep -q "these Debian packages are missing: skp-no-such-package" || { echo "check-bootstrap: expected the message naming the package"; exit 1; }
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "check-bootstrap: expected one message"; exit 1; }
[ ! -e "$work/node_modules" ] || { echo "check-bootstrap: it changed something before stopping"; exit 1; }
bash scripts/bootstrap.sh >/dev/null
echo "check-bootstrap: OK (a clear stop without rights; a second run succeeds)"
