"""What the set-up wizard writes, without Qt: the plan the pages collect, the op that fills a freshly
migrated database through app/ops, and the file handling that makes the new database appear whole
or not at all (built under a temporary name in the same folder, then renamed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app import fileops
from app.db.migrate import backup_sqlite
from app.ops.context import OpContext
from app.ui.first_run.region_list import Place

log = logging.getLogger("kace.ui")
STAGING_PREFIX = ".kace-setup-"
ADMIN_ROLE = "管理员"


@dataclass
class SetupPlan:
    db_path: Path
    places: list[Place] = field(default_factory=list)  # top-down: parents before children
    admin_username: str = ""
    admin_password: str = ""
    admin_display_name: str = ""
    demo_households: int = 0  # 0: no demo county

    @property
    def villages(self) -> list[Place]:
        return [p for p in self.places if p.level == "village"]


@dataclass(frozen=True)
class SetupReport:
    villages: int
    households: int
    admin: str


def populate(ops: OpContext, plan: SetupPlan, progress: Callable[[int, int], None] | None = None) -> SetupReport:
    """The op: regions, the first administrator, then the demo county if asked for."""
    from app.demo import make_demo
    from app.ops.regions import add_places
    from app.ops.users import add_user

    add_places(ops, [(p.code, p.name, p.level) for p in plan.places])  # the same op as `kace region import`
    add_user(ops, plan.admin_username, plan.admin_password, ADMIN_ROLE, plan.admin_display_name or None)
    households = 0
    if plan.demo_households:
        report = make_demo(ops, plan.demo_households, 1, None, progress=progress, parallel=False)
        households = report.households
    return SetupReport(len(plan.villages), households, plan.admin_username)


def staging_path(db_path: Path) -> Path:
    """Where the new database is built: a hidden name in the same folder (so the rename is atomic)."""
    return db_path.with_name(f"{STAGING_PREFIX}{os.getpid()}-{db_path.name}")


def remove_database_files(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal", ".part"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def remove_stale_staging(folder: Path) -> None:
    """Leftovers of a set-up that was killed half-way."""
    for stale in Path(folder).glob(f"{STAGING_PREFIX}*"):
        stale.unlink(missing_ok=True)


def finish(staged: Path, db_path: Path) -> Path:
    """Move the filled database to its place as one self-contained file (no -wal beside it).
    The engine must be disposed. Never overwrites an existing database."""
    part = Path(f"{staged}.part")
    part.unlink(missing_ok=True)
    backup_sqlite(staged, part)  # consistent copy, WAL folded in, journal_mode=DELETE
    if db_path.exists():
        part.unlink(missing_ok=True)
        raise FileExistsError(db_path)
    fileops.replace(part, db_path)
    remove_database_files(staged)
    log.info("first run: created %s", db_path)
    return db_path
