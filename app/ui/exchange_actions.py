"""文件 › U 盘变更包 and 数据 › Excel exports: what the command line does (`kace bundle export|import`,
`kace export xlsx`, `kace check --xlsx`), from the menus, for work teams that never open a
terminal. Each asks for the file through the interaction layer, runs the very function the command
runs on the database thread (with the progress dialog), and shows the same refusals in Chinese.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from app.ops.context import Result
from app.ui import errors as error_text

BUNDLE_FILTER = "卡册变更包 (*.kace);;所有文件 (*)"
XLSX_FILTER = "Excel 文件 (*.xlsx)"


# --- on the database thread: the CLI's functions ---------------------------------------------------

def export_bundle(ops, path: Path):
    """`kace bundle export --db P --out F`."""
    from app.sync import bundle

    return bundle.export_laptop(ops.sessions, path)


def import_bundle(ops, path: Path) -> Result:
    """`kace bundle import --db P F`; every view refreshes afterwards."""
    from app.sync import bundle
    from app.ui.sync_dialog import ALL_TABLES

    return Result(bundle.import_return(ops.sessions, path), ALL_TABLES)


def export_roster(ops, village_id: str, path: Path, members: bool, layout: str = "full"):
    """`kace export xlsx --village CODE --out F [--members] [--layout national]`, with its refusal of
    a missing folder."""
    from app.domain.errors import DomainError
    from app.exchange.exporter import export_xlsx

    if not path.parent.is_dir():
        raise DomainError("文件", f"文件夹不存在：{path.parent}")
    return export_xlsx(ops, village_id, path, members=members, layout=layout)


def export_findings(ops, village_id: str | None, path: Path):
    """`kace check [--village CODE] --xlsx F`: the findings of every rule, as an Excel list."""
    from app.exchange.findings import write_findings
    from app.ops.quality import run_check

    report = run_check(ops, village_id, None)
    write_findings(report.findings, path)
    return report


def _xlsx(path: Path) -> Path:
    return path if path.suffix.lower() == ".xlsx" else path.with_suffix(".xlsx")


class ExchangeActions(QObject):
    def __init__(self, window, app_ctx):
        super().__init__(window)
        self.window = window
        self.app = app_ctx

    def install(self) -> None:
        w = self.window
        file_menu = w.menu("文件")
        before = w.actions_.get("sync")
        self.export_bundle_action = self._action("export_bundle", self.tr("导出 U 盘变更包(&U)…"), self.export_bundle,
                                                 self.tr("没有网络时：把县里还没有的修改写成变更包，用 U 盘带到县里"))
        self.import_bundle_action = self._action("import_bundle", self.tr("导入县里的回传包(&I)…"), self.import_bundle,
                                                 self.tr("把县里用 U 盘带回的回传包导入本机"))
        for action in (self.export_bundle_action, self.import_bundle_action):
            file_menu.insertAction(before, action) if before is not None else file_menu.addAction(action)
        data = w.menu("数据")
        data.addSeparator()
        for key, text, slot, tip in (
                ("export_roster", self.tr("导出花名册（Excel，一户一行）(&X)…"), lambda: self.export_roster(False),
                 self.tr("所选村的花名册，带标题的完整格式")),
                ("export_roster_members", self.tr("导出花名册（Excel，一人一行）…"), lambda: self.export_roster(True),
                 self.tr("所选村的花名册，每个家庭成员一行")),
                ("export_roster_national", self.tr("导出花名册（国家系统格式，47 列）…"),
                 lambda: self.export_roster(True, "national"),
                 self.tr("与国家系统下载的人员花名册相同：第一行即表头，47 列，核查软件可直接读取")),
                ("export_findings", self.tr("导出数据核查清单（Excel）…"), self.export_findings,
                 self.tr("按全部核查规则检查所选村（未选村时全部村），问题清单写成 Excel"))):
            data.addAction(self._action(key, text, slot, tip))

    def _action(self, key: str, text: str, slot, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(key)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.actions_[key] = action
        return action

    def _refused(self, title: str):
        def show(exc: BaseException) -> None:
            message = getattr(exc, "message", None) or error_text.describe(exc)
            self.app.interaction.error(title, message)

        return show

    def _done(self, title: str, lines):
        self.window.statusBar().showMessage(lines[0], 8000)
        self.app.interaction.info(title, "\n".join(lines))

    def _folder(self) -> Path:
        return self.app.db_path.parent

    # --- USB bundles ----------------------------------------------------------------------------

    def export_bundle(self) -> None:
        title = self.tr("导出 U 盘变更包")
        default = self._folder() / f"卡册变更包-{datetime.now():%Y%m%d-%H%M}.kace"
        path = self.app.interaction.ask_save_path(title, self.tr(BUNDLE_FILTER), str(default))
        if path is None:
            return
        self.app.runner.run(export_bundle, path, label=title, progress=True, undoable=False,
                            on_success=lambda report: self._done(title, report.lines()),
                            on_failure=self._refused(title))

    def import_bundle(self) -> None:
        title = self.tr("导入回传包")
        path = self.app.interaction.ask_open_path(title, self.tr(BUNDLE_FILTER), str(self._folder()))
        if path is None:
            return
        self.app.runner.run(import_bundle, path, label=title, progress=True, undoable=False,
                            on_success=lambda result: self._done(title, result.value.lines()),
                            on_failure=self._refused(title))

    # --- Excel ----------------------------------------------------------------------------------

    def _village(self, title: str) -> tuple[str, str] | None:
        village_id = self.window.tree.village_id()
        if not village_id:
            self.app.interaction.info(title, self.tr("请先在左侧选择一个村（花名册按村导出）。"))
            return None
        return village_id, self.window.tree.current_name() or ""

    def export_roster(self, members: bool, layout: str = "full") -> None:
        title = self.tr("导出花名册")
        village = self._village(title)
        if village is None:
            return
        village_id, name = village
        kind = self.tr("国家系统格式") if layout == "national" else (
            self.tr("一人一行") if members else self.tr("一户一行"))
        default = self._folder() / f"{name}花名册（{kind}）.xlsx"
        path = self.app.interaction.ask_save_path(title, self.tr(XLSX_FILTER), str(default))
        if path is None:
            return
        self.app.runner.run(export_roster, village_id, _xlsx(path), members, layout, label=title, progress=True,
                            undoable=False, on_failure=self._refused(title),
                            on_success=lambda r: self._done(title, [self.tr("已导出 {0} 户、{1} 行：{2}").format(
                                r.households, r.rows, r.path)]))

    def export_findings(self) -> None:
        title = self.tr("导出数据核查清单")
        village_id = self.window.tree.village_id()
        name = self.window.tree.current_name() if village_id else self.tr("全部村")
        default = self._folder() / f"{name}数据核查问题清单.xlsx"
        path = self.app.interaction.ask_save_path(title, self.tr(XLSX_FILTER), str(default))
        if path is None:
            return
        path = _xlsx(path)
        self.app.runner.run(export_findings, village_id, path, label=title, progress=True, undoable=False,
                            on_failure=self._refused(title),
                            on_success=lambda report: self._done(title, [
                                self.tr("共发现问题 {0:,} 条，涉及 {1:,} 户").format(
                                    report.counts["total"], report.counts["households"]),
                                self.tr("问题清单已导出：{0}").format(path)]))


def install(window, app_ctx) -> ExchangeActions:
    actions = ExchangeActions(window, app_ctx)
    actions.install()
    return actions
