#!/usr/bin/env bash
# Sets up everything Kace needs on a Debian/Ubuntu machine: system packages (Qt runtime libraries,
# a CJK TrueType font, poppler for PDF checks), a .venv in the checkout, the locked Python packages
# (requirements/*.txt, every file hash-checked) and the project itself in it.
# Idempotent: each step is skipped when already done. Works as root or through sudo.
#
#   bash scripts/bootstrap.sh            the program with the demo      (requirements/laptop.txt)
#   bash scripts/bootstrap.sh --server   the county server              (requirements/server.txt)
#   bash scripts/bootstrap.sh --test     everything the tests need      (requirements/test.txt)
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
lock=requirements/laptop.txt
case "${1:-}" in
  "") ;;
  --test) want_tests=1; lock=requirements/test.txt ;;
  --server) lock=requirements/server.txt ;;
  *) echo "[kace] 未知参数：$1（可用 --test 或 --server）" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  python3 python3-venv python3-pip
  fonts-wqy-microhei fonts-arphic-uming fontconfig
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxrender1 libxi6 libnss3 libasound2
  poppler-utils
)
if [ "$want_tests" = "1" ]; then
  # The county console's browser tests (tests/console/test_browser.py): Debian's headless Chromium
  # and its chromedriver, driven by Selenium. Not needed to run Kace.
  APT_PACKAGES+=(chromium chromium-driver)
fi
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    # libasound2 became libasound2t64 on newer Ubuntu: accept either name.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
       && ! dpkg-query -W -f='${Status}' "${p}t64" 2>/dev/null | grep -q "ok installed"; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "[kace] 安装系统软件包: ${missing[*]}"
    $SUDO apt-get update -qq
    installable=()
    for p in "${missing[@]}"; do
      if apt-cache show "$p" >/dev/null 2>&1; then installable+=("$p");
      elif apt-cache show "${p}t64" >/dev/null 2>&1; then installable+=("${p}t64"); fi
    done
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${installable[@]}"
    $SUDO fc-cache -f >/dev/null 2>&1 || true
  fi
else
  echo "[kace] 不是 Debian/Ubuntu 系统：请自行安装 Python 3.11+、中文 TrueType 字体和 Qt 运行库。" >&2
fi

PY="${KACE_PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[kace] 创建虚拟环境 .venv"
  "$PY" -m venv .venv
fi

# Reinstall only when the lock or pyproject.toml changed (their hash is the stamp). The lock holds
# every package with its hashes (pip refuses any other file, and any package the lock lacks); the
# project itself then goes in without dependencies and with the lock's build backend.
stamp=".venv/.kace-installed-$(basename "$lock" .txt)"
hash=$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ] || [ ! -x .venv/bin/kace ]; then
  echo "[kace] 安装 Python 依赖（$lock）"
  .venv/bin/python -m pip install -q --require-hashes -r "$lock"
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  echo "$hash" > "$stamp"
fi
