"""First run: which database the program opens, and the set-up wizard when there is none yet.

`kace gui` without --db opens the database the wizard remembered (when the user put it somewhere
else than the default), else the default `kace.db` in the data folder. When that file does not
exist yet, the set-up wizard runs first (not with --db, --demo or --screenshot: those are for
scripts, tests and the demo start of scripts/run-app.sh).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app import paths
from app.ui.first_run.start_settings import StartSettings


def remembered_db_path(settings: StartSettings | None = None) -> Path | None:
    if settings is None:
        return paths.remembered_db_path()  # the same answer the command line gets
    text = settings.database
    return Path(text).expanduser() if text else None


@dataclass
class Start:
    db_path: Path
    import_after: bool = False

    def after_open(self, window) -> None:
        """Once the main window shows: the Excel import the user asked for in the wizard."""
        if self.import_after:
            window.tool_windows.show_import()


def wizard_wanted(args, path: Path) -> bool:
    return not (getattr(args, "db", None) or getattr(args, "screenshot", None) or getattr(args, "demo", False)
                or path.exists())


def start(args, interaction) -> Start | None:
    """The database to open; runs the set-up wizard when there is none yet. None: the user
    cancelled the wizard (the program ends, nothing was written)."""
    if getattr(args, "db", None):
        return Start(Path(args.db).expanduser())
    path = remembered_db_path() or paths.default_db_path()
    if not wizard_wanted(args, path):
        return Start(path)
    from app.ui.first_run.wizard import FirstRunWizard

    wizard = FirstRunWizard(interaction, path)
    if wizard.exec() != FirstRunWizard.DialogCode.Accepted or wizard.db_path is None:
        return None
    return Start(wizard.db_path, wizard.import_after)
