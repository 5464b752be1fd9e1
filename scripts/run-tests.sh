#!/usr/bin/env bash
# Set up (idempotent; the packages come from the hash-checked lock requirements/test.txt) and run the
# whole test suite, headless, against the local PostgreSQL. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
export QT_QPA_PLATFORM=offscreen
export KACE_TEST_PG_URL="${KACE_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
# Start the local PostgreSQL when it is installed but not running (Debian's cluster tools).
if command -v pg_lsclusters >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
exec .venv/bin/python -m pytest "$@"
