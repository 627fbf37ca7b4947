#!/usr/bin/env bash
# Runs the SDK compatibility tests: a venv with the pinned twilio SDK, the debug binary, pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
(cd "$repo" && cargo build --quiet)
cd "$here"
exec "$venv/bin/pytest" -q -p no:cacheprovider "$@"
