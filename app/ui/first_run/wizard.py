"""首次设置 (the first-run wizard): where the database lives, real county or demo data, the county and
the villages this laptop serves, the first administrator, then the database is built.

Every question to the user goes through the interaction layer; every write goes through app/ops
(setup.populate) on the database worker thread, on a freshly migrated database built under a
temporary name and renamed only when complete: 取消 at any point leaves no database behind. The
pages: start_pages.py (1, 2), region_page.py (3), finish_pages.py (4, 5).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget, QWizard

import app.ui.first_run.setup as setup
from app import paths
from app.db.migrate import DatabaseRefused, open_sqlite
from app.ui import errors
from app.ui.first_run.finish_pages import AdminPage, SummaryPage
from app.ui.first_run.page_parts import ADMIN, LOCATION, MODE, REGIONS, SUMMARY
from app.ui.first_run.region_list import RegionList, bundled
from app.ui.first_run.region_page import RegionPage
from app.ui.first_run.setup import SetupPlan, SetupReport
from app.ui.first_run.start_pages import LocationPage, ModePage
from app.ui.first_run.start_settings import StartSettings
from app.ui.layouts import fit_to_screen

log = logging.getLogger("kace.ui")


class FirstRunWizard(QWizard):
    """After exec(): `db_path` is the database to open (new, or an existing one the user chose),
    `created` the SetupReport of a new one, `import_after` whether to open the Excel import."""

    LOCATION, MODE, REGIONS, ADMIN, SUMMARY = LOCATION, MODE, REGIONS, ADMIN, SUMMARY  # page ids

    def __init__(self, interaction=None, default_path: Path | None = None, settings=None,
                 regions: RegionList | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        from app.ui.interaction import Interaction

        self.interaction = interaction or Interaction()
        self.settings = settings or StartSettings()
        self.regions = regions if regions is not None else bundled()
        self.db_path: Path | None = None
        self.created: SetupReport | None = None
        self.import_after = False
        self.setObjectName("firstRunWizard")
        self.setWindowTitle(self.tr("卡册 — 首次设置"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.location_page = LocationPage(self, Path(default_path or paths.default_db_path()))
        self.mode_page = ModePage(self)
        self.region_page = RegionPage(self)
        self.admin_page = AdminPage(self)
        self.summary_page = SummaryPage(self)
        for page_id, page in ((self.LOCATION, self.location_page), (self.MODE, self.mode_page),
                              (self.REGIONS, self.region_page), (self.ADMIN, self.admin_page),
                              (self.SUMMARY, self.summary_page)):
            self.setPage(page_id, page)
        self.setStartId(self.LOCATION)
        fit_to_screen(self, 780, 580)

    def plan(self) -> SetupPlan:
        demo = self.mode_page.is_demo()
        admin = self.admin_page
        return SetupPlan(
            db_path=self.location_page.db_path(),
            places=[] if demo else self.region_page.places(),
            admin_username=admin.username.text().strip(),
            admin_password=admin.password.text(),
            admin_display_name=admin.display_name.text().strip(),
            demo_households=self.mode_page.households.value() if demo else 0,
        )

    def use_existing(self, path: Path) -> None:
        """The user chose a database that already exists: open it, create nothing."""
        self.db_path = path
        self._remember(path)
        # QWizard.done() would validate the current page again (which is what called us)
        QDialog.done(self, QDialog.DialogCode.Accepted)

    def _remember(self, path: Path) -> None:
        self.settings.database = "" if path == paths.default_db_path() else str(path)
        self.settings.sync()

    def create(self) -> bool:
        """Build the database: migrate a temporary file, fill it through the ops on the database
        thread (a progress dialog for the demo county), then rename it into place. Any failure or
        取消 removes the temporary file: no half database is ever left."""
        from app.ops.context import OpContext
        from app.ui.context import AppContext

        plan = self.plan()
        message = self.summary_page.message
        message.clear()
        db = plan.db_path
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.interaction.error(self.tr("无法建立数据库"),
                                   self.tr("无法建立文件夹：{0}（{1}）").format(db.parent, e.strerror))
            return False
        if db.exists():
            self.interaction.error(self.tr("无法建立数据库"), self.tr("文件已经存在：{0}").format(db))
            return False
        setup.remove_stale_staging(db.parent)
        staged = setup.staging_path(db)
        try:
            engine = open_sqlite(staged)
        except DatabaseRefused as e:
            setup.remove_database_files(staged)
            self.interaction.error(self.tr("无法建立数据库"), e.message)
            return False
        ctx = AppContext(OpContext(engine, user=plan.admin_username), staged, self.settings, self.interaction)
        outcome: dict = {}

        def failed(exc: BaseException) -> None:
            outcome["error"] = exc
            errors.report(exc, self.interaction.error, self.tr("无法建立数据库"))

        label = (self.tr("正在建立数据库并生成 {0} 户演示数据…").format(plan.demo_households)
                 if plan.demo_households else self.tr("正在建立数据库…"))
        ctx.runner.run(setup.populate, plan, label=label, progress=bool(plan.demo_households), undoable=False,
                       on_success=lambda report: outcome.setdefault("report", report), on_failure=failed)
        ctx.runner.wait(timeout=24 * 3600)
        ctx.close()
        report = outcome.get("report")
        if report is not None:
            try:
                setup.finish(staged, db)
            except (OSError, sqlite3.Error) as e:
                log.error("first run: could not move %s to %s: %s", staged, db, e)
                self.interaction.error(self.tr("无法建立数据库"), self.tr("无法保存数据库文件：{0}（{1}）").format(db, e))
                report = None
        if report is None:
            setup.remove_database_files(staged)
            if "error" not in outcome:
                message.setText(self.tr("已取消，没有建立数据库。可以修改设置后再点“完成”，或点“取消”退出。"))
            return False
        self._remember(db)
        self.db_path = db
        self.created = report
        self.import_after = not plan.demo_households and self.summary_page.import_after.isChecked()
        return True
