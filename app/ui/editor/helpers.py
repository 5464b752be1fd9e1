"""帮扶责任人: the current helper, the history, and changing the helper (saved with the household)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app.ops import reads
from app.ops.assistance import assign_helper, create_helper
from app.ui.editor.base import EditorTab
from app.ui.field_choice import add_fields
from app.ui.field_widgets import DateField
from app.ui.layouts import fit_to_screen
from app.ui.record_form import Form, FormGrid
from app.ui.table_model import Column, record_table

HISTORY_COLUMNS = [Column("name", "姓名", width=90), Column("unit", "帮扶单位", width=240),
                   Column("post", "职务", width=90), Column("phone", "联系电话", width=120),
                   Column("start_date", "开始日期", width=100),
                   Column("end_date", "结束日期", lambda v: v.isoformat() if v else "至今")]
PICK_COLUMNS = [Column("name", "姓名", width=90), Column("unit", "帮扶单位", width=240),
                Column("post", "职务", width=90), Column("phone", "联系电话")]


class HelperPicker(QDialog):
    """Choose a helper by name or pinyin initials, or enter a new one; and the start date."""

    def __init__(self, app_ctx, parent=None):
        super().__init__(parent)
        self.app = app_ctx
        self.setWindowTitle(self.tr("更换帮扶责任人"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("输入姓名或拼音首字母查找"))
        self.search.textChanged.connect(self._search)
        self.model, self.view = record_table(PICK_COLUMNS, self)
        self.view.doubleClicked.connect(lambda _i: self.accept())
        self.new_box = QCheckBox(self.tr("新增帮扶责任人(&N)"))
        self.form = Form("helper", lambda: app_ctx.today, self)
        add_fields(self.form, "name", "unit", "post", "phone")
        self.form.add_check(lambda v: {} if v.get("name") or not self.new_box.isChecked()
                            else {"name": "帮扶责任人姓名不能为空"})
        grid = FormGrid(self.form, columns=2)
        grid.add("name", "unit", "post", "phone").finish()
        grid.setEnabled(False)
        self.new_box.toggled.connect(grid.setEnabled)
        self.new_box.toggled.connect(lambda _b: self._update())
        self.form.edited.connect(self._update)
        self.start = DateField(allow_empty=False)
        self.start.set_value(app_ctx.today)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        start_row = QFormLayout()
        start_row.addRow(self.tr("帮扶开始日期："), self.start)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.new_box)
        layout.addWidget(grid)
        layout.addLayout(start_row)
        layout.addWidget(self.buttons)
        fit_to_screen(self, 620, 520)
        self._search("")

    def _search(self, text: str) -> None:
        self.model.set_rows(reads.search_helpers(self.app.ops, text))
        if self.model.rowCount():
            self.view.selectRow(0)
        self._update()

    def _update(self) -> None:
        if self.new_box.isChecked():
            ok = not self.form.validate()
        else:
            ok = self.view.currentIndex().isValid()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def choice(self) -> dict:
        """{"helper_id" | "new": values, "name", "start"}."""
        if self.new_box.isChecked():
            values = {k: v for k, v in self.form.collect().items() if v is not None}
            return {"new": values, "name": values.get("name"), "unit": values.get("unit"),
                    "start": self.start.value()}
        row = self.model.row(self.view.currentIndex().row())
        return {"helper_id": row["id"], "name": row["name"], "unit": row.get("unit"),
                "start": self.start.value()}


class HelperTab(EditorTab):
    key = "helpers"
    title = "帮扶责任人"
    sections = frozenset({"assignments"})

    def __init__(self, editor):
        super().__init__(editor)
        self.pending: dict | None = None
        self.picker: HelperPicker | None = None
        self.current = QLabel()
        self.current.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.current.setWordWrap(True)
        self.change_button = QPushButton(self.tr("更换帮扶责任人(&C)…"))
        self.change_button.clicked.connect(self.choose)
        self.pending_label = QLabel()
        self.pending_label.setObjectName("saveReason")
        self.undo_button = QPushButton(self.tr("取消更换"))
        self.undo_button.clicked.connect(self.cancel_change)
        self.model, self.view = record_table(HISTORY_COLUMNS, self)
        current_box = QGroupBox(self.tr("现任帮扶责任人"))
        box = QVBoxLayout(current_box)
        box.addWidget(self.current)
        row = QHBoxLayout()
        row.addWidget(self.change_button)
        row.addWidget(self.pending_label, 1)
        row.addWidget(self.undo_button)
        box.addLayout(row)
        history = QGroupBox(self.tr("帮扶记录"))
        QVBoxLayout(history).addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.addWidget(current_box)
        layout.addWidget(history, 1)

    def load(self, detail):
        rows = detail["assignments"]
        self.model.set_rows(rows)
        now = next((r for r in rows if r["end_date"] is None), None)
        if now:
            self.current.setText(self.tr("{0}　{1}　{2}　电话 {3}　自 {4} 起").format(
                now["name"], now["unit"] or "", now["post"] or "", now["phone"] or self.tr("未填"),
                now["start_date"].isoformat() if now["start_date"] else self.tr("（未填）")))
        else:
            self.current.setText(self.tr("该户尚无帮扶责任人（HH17）"))
        self.cancel_change()

    def choose(self) -> HelperPicker:
        self.picker = HelperPicker(self.app, self)
        self.picker.accepted.connect(lambda: self.stage(self.picker.choice()))
        self.picker.open()
        return self.picker

    def stage(self, choice: dict) -> None:
        self.pending = choice
        self.pending_label.setText(self.tr("保存后更换为：{0}（{1} 起）").format(
            choice["name"], choice["start"].isoformat()))
        self.undo_button.setVisible(True)
        self.changed.emit()

    def cancel_change(self) -> None:
        self.pending = None
        self.pending_label.setText("")
        self.undo_button.setVisible(False)
        self.changed.emit()

    def dirty(self):
        return self.pending is not None

    def steps(self):
        if self.pending is None:
            return []
        hid, choice = self.household_id, dict(self.pending)
        if "new" in choice:
            return [lambda c: assign_helper(c, hid, create_helper(c, choice["new"]).value["id"],
                                            choice["start"])]
        return [lambda c: assign_helper(c, hid, choice["helper_id"], choice["start"])]
