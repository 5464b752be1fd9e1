"""走访: the quick visit entry, and the window listing visits by month and 本月未走访 per helper."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.domain import codes
from app.domain.visit_content import CONTENT_MISSING, has_content
from app.ops import reads
from app.ops.reads import ListQuery
from app.ops.visits import record_visit, update_visit
from app.ui.collation import PinyinCollator
from app.ui.empty_state import set_empty_text
from app.ui.field_choice import add_fields
from app.ui.field_widgets import ChoiceCombo, DateField
from app.ui.layouts import fit_to_screen
from app.ui.record_form import Form, FormGrid
from app.ui.table_model import Column, coded, record_table

HOUSEHOLD_ROLE = Qt.ItemDataRole.UserRole + 1
_collator = PinyinCollator()
TEXT_FIELDS = ("change_note", "problems", "measures_progress", "next_steps")


def visit_checks(v: dict) -> dict[str, str]:
    """Who visited. (A date after today is refused by the field's own check, app/ops/validation, with
    the same test as VS02: app/domain/limits.in_future.)"""
    if not v.get("helper_id") and not v.get("visitors"):
        return {"visitors": "请填写走访人或选择帮扶责任人"}
    return {}


class HouseholdPicker(QLineEdit):
    """Choose a household by typing a name, initials, part of an ID number or the 户编号."""

    chosen = Signal(str)  # household id

    def __init__(self, app_ctx, search=None, parent=None):
        super().__init__(parent)
        self.app = app_ctx
        self._search = search
        self.setPlaceholderText(self.tr("输入户主姓名、拼音首字母、身份证号或户编号"))
        self.model = QStandardItemModel(self)
        completer = QCompleter(self.model, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setMaxVisibleItems(12)
        completer.activated.connect(self._activated_text)
        self.setCompleter(completer)
        self.textEdited.connect(self._refresh)
        self._by_text: dict[str, str] = {}

    def _refresh(self, text: str) -> None:
        self.model.clear()
        self._by_text.clear()
        text = text.strip()
        if not text:
            return
        if self._search is not None:
            rowids = self._search(text)[:50]
        else:
            rowids = reads.search_rowids(self.app.ops, text, limit=50)
        choices = reads.household_choices(self.app.ops, rowids)
        for c in choices:
            label = f"{c['head_name'] or ''}　{c['code']}　{c['village']}" + (
                f"　帮扶：{c['helper']}" if c["helper"] else "")
            item = QStandardItem(label)
            item.setData(c["id"], HOUSEHOLD_ROLE)
            self.model.appendRow(item)
            self._by_text[label] = c["id"]
        self.completer().complete()

    def _activated_text(self, text: str) -> None:
        household_id = self._by_text.get(text)
        if household_id:
            self.chosen.emit(household_id)


class VisitDialog(QDialog):
    """One visit. New: household chosen by search (or given), today's date, visitor defaulting to
    the household's helper. Existing (`visit` given): edited in place."""

    saved = Signal(str)  # household id

    def __init__(self, app_ctx, household_id: str | None = None, visit: dict | None = None,
                 search=None, parent=None):
        super().__init__(parent)
        self.app = app_ctx
        self.visit = visit
        self.household_id: str | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(self.tr("编辑走访记录") if visit else self.tr("录入走访"))
        self.picker = HouseholdPicker(app_ctx, search)
        self.picker.chosen.connect(self.set_household)
        self.household_label = QLabel()
        self.household_label.setObjectName("computed")

        form = self.form = Form("visit", lambda: app_ctx.today, self)
        form.add("visit_date", DateField(allow_empty=False))
        form.add("helper_id", ChoiceCombo([(None, "")]))
        add_fields(form, "visitors", "kind", "met_person", "changes", *TEXT_FIELDS)
        form.add_check(visit_checks)
        form.widgets["helper_id"].edited.connect(self._helper_changed)
        form.edited.connect(self._update)
        self.member_completer = QCompleter([], self)
        form.widgets["met_person"].setCompleter(self.member_completer)

        grid = FormGrid(form, columns=2)
        grid.add("visit_date", "kind", "helper_id", "visitors", "met_person")
        grid.add_wide("changes", *TEXT_FIELDS)
        grid.finish()

        self.reason = QLabel()
        self.reason.setObjectName("saveReason")
        self.reason.setWordWrap(True)
        self.save_button = QPushButton(self.tr("保存(&S)"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save(close=True))
        self.next_button = QPushButton(self.tr("保存并录入下一户(&X)"))
        self.next_button.clicked.connect(lambda: self.save(close=False))
        self.next_button.setVisible(visit is None)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, lambda: self.save(close=True))

        top = QHBoxLayout()
        picker_label = QLabel(self.tr("户(&H)："))
        picker_label.setBuddy(self.picker)
        top.addWidget(picker_label)
        top.addWidget(self.picker, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reason, 1)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.household_label)
        layout.addWidget(grid, 1)
        layout.addLayout(buttons)
        fit_to_screen(self, 860, 640)

        if visit is not None:
            self.picker.setVisible(False)
            self.set_household(visit["household_id"])
            form.load(visit)
        else:
            form.load({"visit_date": app_ctx.today, "kind": codes.VISIT_KIND.code("入户走访")})
            if household_id:
                self.set_household(household_id)
            else:
                self.picker.setFocus()
        self._update()

    def set_household(self, household_id: str) -> None:
        self.household_id = household_id
        defaults, info = reads.visit_entry(self.app.ops, household_id)
        if info:
            self.household_label.setText(self.tr("户主 {0}　户编号 {1}　{2}").format(
                info["head_name"] or "", info["code"], info["village"]))
            self.picker.setText(info["head_name"] or info["code"])
        helpers = [(None, self.tr("（非帮扶责任人）"))]
        if defaults["helper_id"]:
            helpers.insert(0, (defaults["helper_id"], defaults["helper_name"]))
        if self.visit and self.visit.get("helper_id") not in (None, defaults["helper_id"]):
            helpers.insert(0, (self.visit["helper_id"], self.visit.get("helper_name") or ""))
        current = self.form.value("helper_id")
        self.form.widgets["helper_id"].set_choices(helpers)
        self.member_completer.setModel(QStandardItemModel(self.member_completer))
        for name in defaults["members"]:
            self.member_completer.model().appendRow(QStandardItem(name))
        if self.visit is None:
            self.form.set("helper_id", defaults["helper_id"])
            # 走访人 defaults to the helper unless the user typed someone else
            if self.form.value("visitors") in (None, self._default_visitor):
                self.form.set("visitors", defaults["helper_name"])
            self._default_visitor = defaults["helper_name"]
            if defaults["members"]:
                self.form.set("met_person", defaults["members"][0])
        elif current:
            self.form.widgets["helper_id"].set_value(current)
        self._update()
        self.form.widgets["visit_date"].setFocus()

    _default_visitor: str | None = None

    def _helper_changed(self) -> None:
        """走访人 follows the helper chosen while it still shows the previous helper."""
        if self.form.loading:
            return
        combo = self.form.widgets["helper_id"]
        name = combo.currentText() if combo.value() else None
        if self.form.value("visitors") in (None, self._default_visitor):
            self.form.set("visitors", name)
        self._default_visitor = name

    def _update(self) -> None:
        errors = self.form.validate() if not self.form.loading else self.form.errors
        if self.household_id is None:
            reason = self.tr("请先选择户")
        elif errors:
            reason = next(iter(errors.values()))
        elif not has_content(self.form.collect()):
            reason = self.tr(CONTENT_MISSING)
        else:
            reason = ""
        self.reason.setText(reason)
        ok = not reason
        self.save_button.setEnabled(ok)
        self.next_button.setEnabled(ok)

    def save(self, close: bool = True) -> None:
        self._update()
        if not self.save_button.isEnabled():
            return
        hid = self.household_id
        if self.visit is not None:
            changes = self.form.changes()
            if not changes:
                self.accept()
                return
            self.app.runner.run(update_visit, self.visit["id"], changes, label=self.tr("修改走访记录"),
                                on_success=lambda _r: self._saved(hid, close))
            return
        values = {k: v for k, v in self.form.collect().items() if v is not None}
        self.app.runner.run(record_visit, hid, values, label=self.tr("录入走访"),
                            on_success=lambda _r: self._saved(hid, close))

    def _saved(self, household_id: str, close: bool) -> None:
        self.saved.emit(household_id)
        if close:
            self.accept()
            return
        # next household: keep date, kind and visitor; clear the rest
        keep = {k: self.form.value(k) for k in ("visit_date", "kind")}
        self.household_id = None
        self.picker.clear()
        self.household_label.setText(self.tr("已保存。请选择下一户。"))
        self.form.load(keep)
        self.picker.setFocus()
        self._update()


# --- the visits window ---------------------------------------------------------------------------

VISIT_COLUMNS = [Column("visit_date", "走访日期", width=96), Column("code", "户编号", width=170),
                 Column("head_name", "户主", width=80), Column("helper_name", "帮扶责任人", width=90),
                 Column("visitors", "走访人", width=100), Column("kind", "走访方式", coded(codes.VISIT_KIND), width=80),
                 Column("problems", "存在问题和诉求")]


def _month_range(month: QDate) -> tuple[date, date]:
    start = date(month.year(), month.month(), 1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


class VisitsWindow(QWidget):
    """走访记录 by month, and 本月未走访 grouped by helper, for the place chosen in the tree."""

    open_requested = Signal(str)

    def __init__(self, app_ctx, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.app = app_ctx
        self.scope = ListQuery()
        self.setWindowTitle(self.tr("走访"))
        self.month = QDateEdit()
        self.month.setDisplayFormat("yyyy年MM月")
        self.month.setCalendarPopup(True)
        today = app_ctx.today
        self.month.setDate(QDate(today.year, today.month, 1))
        self.month.dateChanged.connect(lambda _d: self.reload())
        self.scope_label = QLabel()
        self.scope_label.setObjectName("computed")
        self.summary = QLabel()

        self.visits_model, self.visits_view = record_table(VISIT_COLUMNS, self)
        self.visits_view.activated.connect(
            lambda i: self.open_requested.emit(self.visits_model.row(i.row())["household_id"]))

        self.gaps_model = QStandardItemModel(self)
        self.gaps_view = QTreeView()
        self.gaps_view.setModel(self.gaps_model)
        self.gaps_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.gaps_view.setUniformRowHeights(True)
        self.gaps_view.setAlternatingRowColors(True)
        self.gaps_view.activated.connect(self._gap_activated)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.visits_view, self.tr("本月走访记录"))
        self.tabs.addTab(self.gaps_view, self.tr("本月未走访（按帮扶责任人）"))
        top = QHBoxLayout()
        month_label = QLabel(self.tr("月份(&M)："))
        month_label.setBuddy(self.month)
        top.addWidget(month_label)
        top.addWidget(self.month)
        top.addWidget(self.scope_label)
        top.addStretch(1)
        top.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        fit_to_screen(self, 1000, 620)
        app_ctx.bus.changed.connect(lambda t: self.reload() if self.isVisible() and "visit" in t else None)

    def set_scope(self, scope: ListQuery, name: str) -> None:
        self.scope = ListQuery(scope.level, scope.region_id)
        self.scope_label.setText(self.tr("范围：{0}").format(name or self.tr("全部")))
        self.reload()

    def reload(self) -> None:
        start, end = _month_range(self.month.date())
        self.app.runner.read(reads.month_of_visits, self.scope, start, end, on_done=self._loaded)
        self.tabs.setTabText(0, self.tr("{0}年{1}月走访记录").format(start.year, start.month))
        set_empty_text(self.visits_view, self.tr(
            "{0}年{1}月，{2}没有走访记录。走访 › 录入走访（Ctrl+T）录入一条；上方可以换月份。").format(
            start.year, start.month, self.scope_label.text().replace("范围：", "") or self.tr("这里")))
        set_empty_text(self.gaps_view, self.tr(
            "{0}年{1}月，{2}的建档立卡户都已走访过（或还没有建档立卡户）。本月还没走访的户会按帮扶责任人列在这里。"
            ).format(start.year, start.month, self.scope_label.text().replace("范围：", "") or self.tr("这里")))
        self.tabs.setTabText(1, self.tr("{0}年{1}月未走访（按帮扶责任人）").format(start.year, start.month))

    def _loaded(self, data) -> None:
        visits, gaps = data
        self.visits_model.set_rows(visits)
        self.gaps_model.clear()
        self.gaps_model.setHorizontalHeaderLabels([self.tr("帮扶责任人 / 户主"), self.tr("户编号"),
                                                   self.tr("户状态"), self.tr("帮扶单位、联系电话")])
        by_helper: dict = {}
        for g in gaps:
            by_helper.setdefault(g["helper_id"], []).append(g)
        # helpers in pinyin order, households without a helper last
        helpers = list(by_helper)
        names = _collator.keys(by_helper[h][0]["helper_name"] for h in helpers)  # one call: comparable keys
        order = [h for _, h in sorted(zip(((h is None, k) for h, k in zip(helpers, names)), helpers))]
        for helper_id in order:
            rows = by_helper[helper_id]
            first = rows[0]
            head = QStandardItem(self.tr("{0}（{1} 户）").format(
                first["helper_name"] or self.tr("（无帮扶责任人）"), len(rows)))
            contact = "　".join(x for x in (first["unit"], first["phone"]) if x)
            self.gaps_model.appendRow([head, QStandardItem(""), QStandardItem(""), QStandardItem(contact)])
            for g in rows:
                name = QStandardItem(g["head_name"] or "")
                name.setData(g["id"], HOUSEHOLD_ROLE)
                status = codes.HOUSEHOLD_STATUS.label(g["status"]) if g["status"] else ""
                head.appendRow([name, QStandardItem(g["code"]), QStandardItem(status), QStandardItem("")])
        groups = by_helper
        self.gaps_view.setColumnWidth(0, 260)
        self.gaps_view.setColumnWidth(1, 190)
        self.summary.setText(self.tr("走访 {0} 次；未走访 {1} 户，涉及帮扶责任人 {2} 名").format(
            len(visits), len(gaps), len(groups)))

    def _gap_activated(self, index) -> None:
        household_id = index.siblingAtColumn(0).data(HOUSEHOLD_ROLE)
        if household_id:
            self.open_requested.emit(household_id)
