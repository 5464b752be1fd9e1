#!/usr/bin/env bash
# Set up (idempotent; the packages come from the hash-checked lock requirements/laptop.txt) and start
# Kace on the default local database. Extra arguments go to `kace gui`,
# e.g. `--demo` fills a demo county on first run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/kace gui "$@"
