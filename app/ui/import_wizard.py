"""Excel 花名册 import wizard: choose the file (and the village), preview what was recognised, see the
dry-run result (what would change, which rows cannot be taken), then import in one transaction.

Takes an app_ctx with .ops, .runner, .bus.changed and .interaction (app/ui/context.AppContext).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.ops import reads
from app.ui.quality_view import run_read

FILTER = "Excel 文件 (*.xlsx *.xls *.xlsm)"


def _preview(ops, path):
    from app.exchange.importer import preview

    return preview(path)


def _import(ops, path, village_code, dry_run, errors_path=None, create_villages=False):
    from app.exchange.importer import import_op

    return import_op(ops, path, village_code, dry_run=dry_run, errors_path=errors_path,
                     create_villages=create_villages)


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("选择花名册文件"))
        self.setSubTitle(self.tr("一行一人的国家系统花名册（.xlsx 或 .xls）；标题行和两级表头会自动识别。"))
        self.path = QLineEdit()
        browse = QPushButton(self.tr("浏览…"))
        self.village = QComboBox()
        self.village.addItem(self.tr("按文件中的“村”列"), None)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(self.tr("文件"), row)
        form.addRow(self.tr("导入到"), self.village)
        browse.clicked.connect(self._browse)
        self.path.textChanged.connect(self.completeChanged)
        run_read(wizard.app_ctx, reads.villages, on_done=self._set_villages)

    def _set_villages(self, rows) -> None:
        for r in rows:
            self.village.addItem(f"{r['township'] or ''} {r['name']}（{r['code']}）", r["code"])

    def _browse(self) -> None:
        path = self.wizard().app_ctx.interaction.ask_open_path(self.tr("选择花名册文件"), self.tr(FILTER))
        if path is not None:
            self.path.setText(str(path))

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("预览"))
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.table = QTableWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.table, 1)
        self._ok = False

    def initializePage(self) -> None:
        self._ok = False
        self.info.setText(self.tr("正在读取文件…"))
        self.table.clear()
        wizard = self.wizard()
        run_read(wizard.app_ctx, _preview, wizard.path(), on_done=self.show_preview, on_failure=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.info.setText(self.tr("无法导入：{0}").format(exc))
        self.completeChanged.emit()

    def show_preview(self, data: dict) -> None:
        recognised = data["recognised"]
        width = max([len(r) for r in data["rows"]] + [len(data["headers"])])
        self.table.setColumnCount(width)
        self.table.setRowCount(len(data["rows"]))
        labels = [recognised.get(c, f"（未识别）{data['headers'][c] if c < len(data['headers']) else ''}")
                  for c in range(width)]
        self.table.setHorizontalHeaderLabels(labels)
        for r, row in enumerate(data["rows"]):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(value))
        unknown = "、".join(data["unknown"]) or self.tr("无")
        self.info.setText(self.tr("工作表“{0}”，表头在第 {1} 行，识别 {2} 列，数据 {3} 行。未识别的列：{4}").format(
            data["sheet"], "、".join(map(str, data["header_rows"])), len(recognised), data["data_rows"], unknown))
        self._ok = True
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._ok


class DryRunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("试导入结果"))
        self.setSubTitle(self.tr("以下是导入后会发生的变化；数据库尚未修改。点“导入”写入数据库（全部成功或全部不写入）。"))
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.errors_button = QPushButton(self.tr("导出错误清单…"))
        self.errors_button.setEnabled(False)
        # Villages the sheet names and the database lacks: created (from the 户编号's 12-digit prefix
        # and the sheet's place names) only when ticked; the dry run lists them first.
        self.create_villages = QCheckBox(self.tr("新建数据库中没有的乡镇和村（按户编号前12位和表中的地名）"))
        self.create_villages.setVisible(False)
        self.create_villages.toggled.connect(lambda _on: self.initializePage())
        layout = QVBoxLayout(self)
        layout.addWidget(self.create_villages)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.errors_button)
        self.errors_button.clicked.connect(self._errors)
        self.report = None

    def initializePage(self) -> None:
        self.report = None
        self.text.setPlainText(self.tr("正在试导入…"))
        wizard = self.wizard()
        run_read(wizard.app_ctx, _import, wizard.path(), wizard.village_code(), True, None,
                 self.create_villages.isChecked(), on_done=self.show_report,
                 on_failure=lambda e: self.text.setPlainText(self.tr("无法导入：{0}").format(e)))

    def show_report(self, result) -> None:
        self.report = result.value
        lines = [self.report.summary(), ""]
        if self.report.unknown_villages:
            self.create_villages.setVisible(True)
            lines.insert(0, self.tr("数据库中没有这些村：{0}。勾选上方“新建…”后，试导入会列出将新建的区划。").format(
                "、".join(self.report.unknown_villages)))
        elif self.report.created_places:
            self.create_villages.setVisible(True)
        lines += [self.tr("第{0}行：{1}").format(p.row, p.reason) for p in self.report.problems[:500]]
        lines += [f"{c['household_code']} {c['name'] or ''} {c['field']}：{c['old'] or '空'} → {c['new']}"
                  for c in self.report.changes[:500]]
        self.text.setPlainText("\n".join(lines))
        self.errors_button.setEnabled(bool(self.report.problems))
        self.completeChanged.emit()

    def _errors(self) -> None:
        wizard = self.wizard()
        path = wizard.app_ctx.interaction.ask_save_path(self.tr("导出错误清单"), self.tr("Excel 文件 (*.xlsx)"),
                                                        "导入错误清单.xlsx")
        if path is not None:
            run_read(wizard.app_ctx, _import, wizard.path(), wizard.village_code(), True, path,
                     on_done=lambda r: wizard.app_ctx.interaction.info(
                         self.tr("导出完成"), self.tr("错误清单已导出：{0}").format(path)))

    def isComplete(self) -> bool:
        return self.report is not None


class ImportWizard(QWizard):
    """Open with show()/exec(); `imported` holds the final ImportReport after 导入."""

    def __init__(self, app_ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.app_ctx = app_ctx
        self.imported = None
        self.setWindowTitle(self.tr("导入 Excel 花名册"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("导入"))
        self.file_page = FilePage(self)
        self.preview_page = PreviewPage(self)
        self.dry_run_page = DryRunPage(self)
        for page in (self.file_page, self.preview_page, self.dry_run_page):
            self.addPage(page)

    def path(self) -> Path:
        return Path(self.file_page.path.text().strip())

    def village_code(self) -> str | None:
        return self.file_page.village.currentData()

    def accept(self) -> None:
        """导入: the real import, through the runner (one transaction, recorded in the change log)."""
        self.app_ctx.runner.run(_import, self.path(), self.village_code(), False, None,
                                self.dry_run_page.create_villages.isChecked(), label=self.tr("导入花名册"),
                                on_success=self._done)
        super().accept()

    def _done(self, result) -> None:
        self.imported = result.value
        self.app_ctx.interaction.info(self.imported.summary().split("：")[0], self.imported.summary())
