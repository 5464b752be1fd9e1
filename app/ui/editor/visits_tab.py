"""走访记录 of one household. Visits are records of events: each is saved on its own (through the
visit dialog), not with the household's 保存."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app.domain import codes
from app.ops import reads
from app.ops.visits import delete_visit
from app.ui.editor.base import EditorTab
from app.ui.empty_state import set_empty_text
from app.ui.table_model import Column, coded, coded_set, record_table

COLUMNS = [Column("visit_date", "走访日期", width=96), Column("kind", "走访方式", coded(codes.VISIT_KIND), width=80),
           Column("helper_name", "帮扶责任人", width=84), Column("visitors", "走访人", width=100),
           Column("met_person", "接待人", width=70),
           Column("changes", "家庭变化", coded_set(codes.VISIT_CHANGE), width=130),
           Column("problems", "存在问题和诉求", width=240), Column("next_steps", "下一步打算")]


class VisitsTab(EditorTab):
    key = "visits"
    title = "走访记录"

    def __init__(self, editor):
        super().__init__(editor)
        self.dialog = None
        self.model, self.view = record_table(COLUMNS, self)
        self.view.activated.connect(lambda _i: self.edit_visit())
        self.add_button = QPushButton(self.tr("录入走访(&A)…"))
        self.edit_button = QPushButton(self.tr("编辑(&E)…"))
        self.delete_button = QPushButton(self.tr("删除(&D)"))
        self.add_button.clicked.connect(self.new_visit)
        self.edit_button.clicked.connect(self.edit_visit)
        self.delete_button.clicked.connect(self.delete_visit)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.view, self.delete_visit,
                  context=Qt.ShortcutContext.WidgetShortcut)
        hint = QLabel(self.tr("走访记录单独保存，不需要点击户卡的“保存”。"))
        hint.setObjectName("hint")
        row = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.delete_button):
            row.addWidget(b)
        row.addWidget(hint, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.view)
        set_empty_text(self.view, self.tr("这一户还没有走访记录。点“录入走访”（或主窗口的 走访 › 录入走访，Ctrl+T）添加一条。"))

    def load(self, detail=None):
        self.model.set_rows(reads.household_visits(self.app.ops, self.household_id))
        has = self.model.rowCount() > 0
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)
        if has:
            self.view.selectRow(0)

    def tables_changed(self, tables):
        if "visit" in tables or "helper" in tables:
            self.load()

    def _current(self):
        index = self.view.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def new_visit(self):
        from app.ui.visits import VisitDialog

        self.dialog = VisitDialog(self.app, self.household_id, parent=self)
        self.dialog.open()
        return self.dialog

    def edit_visit(self):
        from app.ui.visits import VisitDialog

        visit = self._current()
        if visit is None:
            return None
        self.dialog = VisitDialog(self.app, visit=visit, parent=self)
        self.dialog.open()
        return self.dialog

    def delete_visit(self):
        visit = self._current()
        if visit is None:
            return
        if self.app.interaction.confirm(self.tr("删除走访记录"),
                                        self.tr("确定删除 {0} 的走访记录吗？").format(visit["visit_date"]),
                                        self.tr("删除")):
            self.app.runner.run(delete_visit, visit["id"], label=self.tr("删除走访记录"))
