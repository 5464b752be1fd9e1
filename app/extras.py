"""The optional parts of the package (pyproject.toml's extras). A laptop install (`pip install .`)
carries neither the county server nor the demo generator; a command that needs one names the extra
to install instead of failing on an import."""

from __future__ import annotations

import importlib

# The modules each extra brings, as imported (python-multipart is `multipart`, Faker is `faker`).
MODULES = {
    "server": ("fastapi", "uvicorn", "jinja2", "multipart", "segno", "psycopg"),
    "demo": ("faker",),
}
PURPOSE = {"server": "县同步服务器", "demo": "演示数据"}
SETUP = {"server": "bash scripts/bootstrap.sh --server", "demo": "bash scripts/bootstrap.sh"}


def missing(extra: str) -> list[str]:
    gone = []
    for name in MODULES[extra]:
        try:
            importlib.import_module(name)
        except ImportError:
            gone.append(name)
    return gone


def missing_message(extra: str) -> str | None:
    """None when the extra is installed, else a Chinese message naming it and how to install it."""
    gone = missing(extra)
    if not gone:
        return None
    return (f"{PURPOSE[extra]}需要可选组件 kace[{extra}]，本机没有安装（缺少 {'、'.join(gone)}）。"
            f"请安装：pip install \"kace[{extra}]\"（源码目录中：{SETUP[extra]}）")
