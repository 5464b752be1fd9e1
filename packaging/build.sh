#!/usr/bin/env bash
# Build the one-folder package on Linux into dist/kace/ and smoke-test the built binary.
#
#   packaging/build.sh              # install the build extra if needed, build, smoke test
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

# The project's dependencies and the `build` extra (pyinstaller) from pyproject.toml, installed only when something
# is missing or at another version (a re-install of the editable checkout is not free on 2 cores).
if ! "$PY" - <<'EOF'
import sys, tomllib
from importlib import metadata
try:
    from packaging.requirements import Requirement
except ImportError:
    sys.exit(1)
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = project["dependencies"] + project["optional-dependencies"]["build"]
try:
    metadata.version("kace")
    for line in wanted:
        req = Requirement(line)
        if not req.specifier.contains(metadata.version(req.name), prereleases=True):
            sys.exit(1)
except metadata.PackageNotFoundError:
    sys.exit(1)
EOF
then
    echo "== installing the project with the build extra"
    "$PY" -m pip install --quiet -e ".[build]"
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
