#!/usr/bin/env bash
# Runs the Node.js SDK compatibility tests: the pinned npm twilio package, the debug binary,
# node's own test runner.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error --ignore-scripts
(cd "$repo" && cargo build --quiet)
cd "$here"
exec node --test --test-concurrency=1 "$@" ./*.test.mjs
