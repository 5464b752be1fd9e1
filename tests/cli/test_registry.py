"""The command registry: every module of app/commands that is a command is listed, the parser is
built from the list alone, and no command reaches back into app.cli."""

from __future__ import annotations

import argparse
import ast
import importlib
import re
from pathlib import Path

from app.cli import build_parser
from app.commands.registry import COMMANDS

COMMANDS_DIR = Path(__file__).resolve().parents[2] / "app" / "commands"
README = Path(__file__).resolve().parents[2] / "README.md"


def _modules():
    return sorted(p.stem for p in COMMANDS_DIR.glob("*.py") if p.stem != "__init__")


def test_every_command_module_is_in_the_registry_once():
    listed = {c.__name__.rsplit(".", 1)[1] for c in COMMANDS}
    assert len(listed) == len(COMMANDS)
    with_a_name = {m for m in _modules() if hasattr(importlib.import_module(f"app.commands.{m}"), "NAME")}
    assert with_a_name == listed
    assert {"common", "databases", "registry", "server_accounts"}.isdisjoint(listed)
    for command in COMMANDS:
        assert command.HELP and callable(command.add_arguments) and callable(command.run), command.__name__


def test_the_parser_offers_exactly_the_registry_in_its_order():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == [c.NAME for c in COMMANDS]
    for command in COMMANDS:
        assert sub.choices[command.NAME].get_default("_run") is command.run


def test_the_cli_words_stay_those_of_the_readme():
    words = [c.NAME for c in COMMANDS]
    assert words[:5] == ["gui", "demo", "stats", "villages", "db"]  # the first ones `kace --help` lists
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `kace ")]
    readme = {word for row in rows for word in re.findall(r"`kace ([a-z-]+)", row.split(" | ")[0])}
    assert readme == set(words)
    assert {"serve", "server"} <= readme


def test_no_command_module_imports_app_cli_or_discovers_modules():
    for path in COMMANDS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
        assert not {"app.cli", "importlib", "pkgutil"} & imported, path.name
    assert "importlib" not in (COMMANDS_DIR.parent / "cli.py").read_text(encoding="utf-8")


def test_the_two_server_commands_have_module_names_that_do_not_collide():
    modules = {c.NAME: c.__name__ for c in COMMANDS}
    assert modules["serve"] == "app.commands.run_server"
    assert modules["server"] == "app.commands.server_admin"
