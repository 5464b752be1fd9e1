"""Extra `kace` subcommands, one module each, found automatically.

A module here defines `NAME` (the subcommand), `HELP` (Chinese one-liner), `add_arguments(parser)`
and `run(args) -> int`. It raises app.cli.UsageError for bad arguments (exit 2); DatabaseRefused
(exit 3) and DomainError (exit 2) are turned into Chinese messages by app.cli.main.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            found.append(module)
    return found
