#!/usr/bin/env bash
# Build the one-folder package on Linux into dist/kace/ and smoke-test the built binary.
#
#   packaging/build.sh              # install requirements/package.txt if needed, build, smoke test
#   packaging/build.sh --no-smoke   # build only
#
# Uses .venv (created with python3.11 if missing). See packaging/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SMOKE=1
for arg in "$@"; do
    case "$arg" in
        --no-smoke) SMOKE=0 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv"
    python3.11 -m venv .venv
fi
PY=.venv/bin/python

# The program, its demo and PyInstaller from the hash-checked lock requirements/package.txt (scripts/lock.sh
# writes it; the same lock serves the Windows build), then the project itself without dependencies. Skipped when
# the lock and pyproject.toml are unchanged since the last install (a re-install is not free on 2 cores).
stamp=".venv/.kace-installed-package"
hash=$(cat requirements/package.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    echo "== installing requirements/package.txt (--require-hashes) and the project"
    "$PY" -m pip install --quiet --require-hashes -r requirements/package.txt
    "$PY" -m pip install --quiet --no-deps --no-build-isolation -e .
    echo "$hash" > "$stamp"
fi
echo "== $("$PY" -m PyInstaller --version | sed 's/^/pyinstaller /'), $("$PY" --version)"

if [ ! -s resources/kace.ico ] || [ ! -s resources/kace.png ]; then
    echo "== drawing the icon"
    "$PY" packaging/make_icon.py
fi

echo "== building dist/kace (a few minutes on 2 cores)"
start=$SECONDS
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/kace.spec
echo "== built dist/kace in $((SECONDS - start)) s: $(du -sh dist/kace | cut -f1), $(find dist/kace -type f | wc -l) files"

if [ "$SMOKE" = 1 ]; then
    packaging/smoke_test.sh dist/kace
fi
