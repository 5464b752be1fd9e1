#!/usr/bin/env bash
# Regenerates the hash-checked locks in requirements/ from the exact pins in pyproject.toml (run it after
# changing a pin; tests/packaging/test_locks.py fails until the locks agree). One universal resolution per
# lock (Linux and Windows, Python 3.11+), with the hashes of every wheel and sdist of each pinned release,
# so the Windows package build installs from the same lock as Linux.
#
#   laptop.txt   the program with the demo                bootstrap.sh (run-app.sh), a laptop
#   server.txt   the county server (.[server])            bootstrap.sh --server
#   test.txt     everything the tests import              bootstrap.sh --test (run-tests.sh, CI)
#   package.txt  the program, the demo and PyInstaller    packaging/build.sh, build-windows.ps1
#
# Each lock also pins the build backend (pyproject's [build-system] requires), so the project itself
# installs with --no-deps --no-build-isolation and nothing unhashed is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
tools=build/uv-venv
if [ ! -x "$tools/bin/uv" ] || [ "$("$tools/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet "uv==$UV_VERSION"
fi

backend=build/build-system.in
python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' > "$backend"

lock() {  # lock NAME EXTRA...
  local name=$1; shift
  local extras=()
  for e in "$@"; do extras+=(--extra "$e"); done
  "$tools/bin/uv" pip compile pyproject.toml "$backend" "${extras[@]}" \
    --universal --python-version 3.11 --generate-hashes --quiet \
    --custom-compile-command "bash scripts/lock.sh" -o "requirements/$name.txt"
  echo "requirements/$name.txt: $(grep -c '^[A-Za-z0-9]' "requirements/$name.txt") packages"
}
lock laptop demo
lock server server
lock test demo server test
lock package demo build
