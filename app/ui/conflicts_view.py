"""数据 › 冲突处理: the review items sync found (app/db/review.py), one by one.

Above, the list (类型, 户编号, 户主, 说明); below, for the chosen item, every value side by side,
one column each (the value, who, which device, when; the value shown for now marked 当前显示), and
the decisions its kind allows: choose a value, type another one, keep the delete, restore, keep one
of two households, delete a member, dismiss. Each decision runs app/ops/conflicts through the op
runner: an ordinary change whose parents are all the current values, so it closes the item on every
computer that receives it. Double-click opens the household (`open_requested`, wired by the main
window's tool windows).
"""

from __future__ import annotations

from datetime import UTC

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import fields
from app.ops import reads

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_NAMES = {"field": "字段冲突", "delete_edit": "删除与修改", "orphan_member": "已删户新增成员",
              "duplicate": "重复登记", "parked": "未应用的变更"}
CARD_STYLE = "QFrame#candidateCard { border: 1px solid #c8c8c8; border-radius: 4px; background: #ffffff; }"
SHOWN_STYLE = "QFrame#candidateCard { border: 2px solid #1f4e79; border-radius: 4px; background: #f3f7fb; }"


def local_time(when) -> str:
    return when.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


def device_text(replica_id: str | None, me: str | None) -> str:
    if not replica_id:
        return ""
    return "本机" if replica_id == me else f"其他设备（…{replica_id[-6:]}）"


def resolve_op(ops, item_id: str, **how):
    from app.ops.conflicts import resolve

    return resolve(ops, item_id, **how)


class CandidateCard(QFrame):
    """One value of an item: the value, who, where, when, and the button that chooses it."""

    def __init__(self, candidate, me: str | None, choose_text: str, parent=None):
        super().__init__(parent)
        self.candidate = candidate
        self.setObjectName("candidateCard")
        self.setStyleSheet(SHOWN_STYLE if candidate.shown else CARD_STYLE)
        self.value_label = QLabel(candidate.text)
        self.value_label.setObjectName("figure")
        self.value_label.setWordWrap(True)
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.value_label)
        self.shown_label = QLabel(self.tr("当前显示"))
        self.shown_label.setStyleSheet("color: #ffffff; background: #1f4e79; padding: 1px 6px; border-radius: 3px;")
        self.shown_label.setVisible(candidate.shown)
        layout.addWidget(self.shown_label, 0, Qt.AlignmentFlag.AlignLeft)
        for label, value in ((self.tr("修改人："), candidate.user),
                             (self.tr("设备："), device_text(candidate.replica, me)),
                             (self.tr("时间："), local_time(candidate.when))):
            if value:
                line = QLabel(label + value)
                line.setObjectName("hint")
                layout.addWidget(line)
        layout.addStretch(1)
        self.choose_button = QPushButton(choose_text)
        layout.addWidget(self.choose_button)


class ConflictsView(QWidget):
    open_requested = Signal(str, str)  # household id, table of the record

    def __init__(self, app_ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.app = app_ctx
        self.items: list = []
        self.me: str | None = None
        self.current = None
        self.cards: list[CandidateCard] = []
        self._stale = False
        self._note = ""  # what the last decision did, shown above the list

        self.summary = QLabel(self.tr("正在读取…"))
        self.summary.setWordWrap(True)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)

        self.list = QTreeWidget()
        self.list.setObjectName("reviewItems")
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setHeaderLabels([self.tr("类型"), self.tr("户编号"), self.tr("户主"), self.tr("说明")])
        self.list.setColumnWidth(0, 120)
        self.list.setColumnWidth(1, 170)
        self.list.setColumnWidth(2, 80)
        self.list.currentItemChanged.connect(lambda item, _prev: self._show(item))
        self.list.itemDoubleClicked.connect(lambda _item, _col: self.open_current())

        self.title = QLabel()
        self.title.setObjectName("editorHeader")
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.cards_box = QWidget()
        self.cards_layout = QHBoxLayout(self.cards_box)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        cards_area = QScrollArea()
        cards_area.setObjectName("candidates")
        cards_area.setWidget(self.cards_box)
        cards_area.setWidgetResizable(True)
        cards_area.setFrameShape(QFrame.Shape.NoFrame)

        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("otherValue")
        self.value_edit.setPlaceholderText(self.tr("都不对：在这里输入正确的值"))
        self.value_edit.setMinimumWidth(260)
        self.value_button = QPushButton(self.tr("改为输入的值"))
        self.keep_deleted_button = QPushButton(self.tr("保持删除"))
        self.restore_button = QPushButton(self.tr("恢复记录"))
        self.delete_member_button = QPushButton(self.tr("删除该成员"))
        self.dismiss_button = QPushButton(self.tr("忽略"))
        self.open_button = QPushButton(self.tr("打开户卡"))
        self.value_button.clicked.connect(self.use_typed_value)
        self.keep_deleted_button.clicked.connect(lambda: self.act("keep-deleted"))
        self.restore_button.clicked.connect(lambda: self.act("restore"))
        self.delete_member_button.clicked.connect(lambda: self.act("delete-member"))
        self.dismiss_button.clicked.connect(lambda: self.act("dismiss"))
        self.open_button.clicked.connect(self.open_current)
        self.value_edit.returnPressed.connect(self.use_typed_value)
        actions = QHBoxLayout()
        for w in (self.value_edit, self.value_button, self.keep_deleted_button, self.restore_button,
                  self.delete_member_button, self.dismiss_button):
            actions.addWidget(w)
        actions.addStretch(1)
        actions.addWidget(self.open_button)

        self.detail_pane = QWidget()
        pane = QVBoxLayout(self.detail_pane)
        pane.setContentsMargins(0, 4, 0, 0)
        pane.addWidget(self.title)
        pane.addWidget(self.detail)
        pane.addWidget(cards_area, 1)
        pane.addLayout(actions)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list)
        splitter.addWidget(self.detail_pane)
        splitter.setSizes([260, 330])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        app_ctx.bus.changed.connect(self._changed)
        self._show(None)
        self.reload()

    # --- reading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        self._stale = False
        self.app.runner.read(reads.review_items, on_done=self._loaded,
                             on_failure=lambda e: self.summary.setText(self.tr("读取失败：{0}").format(e)))

    def _changed(self, _tables) -> None:
        """Anything saved or synced may open or close an item: read again (now, or when shown)."""
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _loaded(self, data) -> None:
        items, self.me = data
        keep = self.current.id if self.current is not None else None
        self.items = items
        self.summary.setText(self._note + (
            self.tr("共 {0} 项待处理。选中一项，在下方比较各方的值并作出选择；双击打开户卡。").format(len(items))
            if items else self.tr("没有待处理的冲突。同步（文件 › 同步…，或导入 U 盘回传包）发现两处把同一项改成了"
                                  "不同的值、删除了另一处还在修改的记录或重复登记了同一户时，会在这里列出，由您选定保留哪个。")))
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for it in items:
            row = QTreeWidgetItem([self.tr(KIND_NAMES.get(it.kind, it.kind)), it.household_code or "",
                                   it.head_name or "", it.detail])
            row.setData(0, ITEM_ROLE, it)
            row.setToolTip(3, it.detail)
            self.list.addTopLevelItem(row)
            if it.id == keep:
                chosen = row
        self.list.blockSignals(False)
        chosen = chosen or self.list.topLevelItem(0)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        self._show(chosen)

    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

    def select(self, item_id: str) -> None:
        for i in range(self.list.topLevelItemCount()):
            row = self.list.topLevelItem(i)
            if row.data(0, ITEM_ROLE).id == item_id:
                self.list.setCurrentItem(row)
                return

    # --- the chosen item -----------------------------------------------------------------------------

    def _show(self, row: QTreeWidgetItem | None) -> None:
        it = row.data(0, ITEM_ROLE) if row is not None else None
        self.current = it
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        while self.cards_layout.count():
            self.cards_layout.takeAt(0)
        self.detail_pane.setEnabled(it is not None)
        if it is None:
            self.title.setText(self.tr("（未选中）"))
            self.detail.setText("")
            for w in self._action_widgets():
                w.hide()
            self.open_button.hide()
            return
        label = fields.label(it.table, it.field) if it.field else ""
        where = " ".join(x for x in (it.household_code, it.head_name) if x)
        self.title.setText(" — ".join(x for x in (self.tr(KIND_NAMES.get(it.kind, it.kind)), label, where) if x))
        self.detail.setText(it.detail)
        choose = self.tr("保留这一户") if it.kind == "duplicate" else self.tr("选用这个值")
        for c in it.candidates:
            card = CandidateCard(c, self.me, choose)
            card.choose_button.clicked.connect(lambda _checked=False, c=c: self.choose(c))
            self.cards_layout.addWidget(card, 1)
            self.cards.append(card)
        if not it.candidates:
            self.cards_layout.addWidget(QLabel(self.tr("（这一项没有可比较的值）")))
        self.cards_layout.addStretch(0)
        visible = {"field": {self.value_edit, self.value_button},
                   "delete_edit": {self.keep_deleted_button, self.restore_button},
                   "orphan_member": {self.restore_button, self.delete_member_button},
                   "parked": {self.dismiss_button}}.get(it.kind, set())
        for w in self._action_widgets():
            w.setVisible(w in visible)
        self.restore_button.setText(self.tr("恢复该户") if it.kind == "orphan_member" else self.tr("恢复记录"))
        self.value_edit.clear()
        self.open_button.setVisible(bool(it.household_id))

    def _action_widgets(self) -> list[QWidget]:
        return [self.value_edit, self.value_button, self.keep_deleted_button, self.restore_button,
                self.delete_member_button, self.dismiss_button]

    # --- decisions ----------------------------------------------------------------------------------

    def _run(self, label: str, **how) -> None:
        it = self.current
        if it is None:
            return
        # not undoable: an undo would write the old value over the decision, not reopen the item
        self.app.runner.run(resolve_op, it.id, label=label, undoable=False,
                            on_success=lambda _r: self._resolved(label), **how)

    def _resolved(self, label: str) -> None:
        self._note = self.tr("已处理：{0}。").format(label)
        self.reload()

    def choose(self, candidate) -> None:
        it = self.current
        if it is None:
            return
        if it.kind == "duplicate":
            others = "、".join(c.text for c in it.candidates if c is not candidate)
            if not self.app.interaction.confirm(
                    self.tr("保留这一户"),
                    self.tr("保留 {0}，删除 {1} 及其成员吗？删除的户仍可在历史记录中查到。").format(candidate.text, others),
                    self.tr("保留并删除其余")):
                return
            self._run(self.tr("保留户 {0}").format(candidate.text), choose=candidate.change_id)
            return
        self._run(self.tr("选用“{0}”").format(candidate.text), choose=candidate.change_id)

    def use_typed_value(self) -> None:
        if self.current is None or self.current.kind != "field":
            return
        text = self.value_edit.text().strip()
        if not text and not self.app.interaction.confirm(self.tr("清空字段"), self.tr("没有输入值：要把这个字段清空吗？"),
                                                         self.tr("清空")):
            return
        self._run(self.tr("改为“{0}”").format(text) if text else self.tr("清空"), value=text or None)

    def act(self, action: str) -> None:
        it = self.current
        if it is None:
            return
        labels = {"keep-deleted": self.tr("保持删除"), "restore": self.tr("恢复"),
                  "delete-member": self.tr("删除该成员"), "dismiss": self.tr("忽略")}
        if action in ("keep-deleted", "delete-member") and not self.app.interaction.confirm(
                labels[action], self.tr("{0}：{1}\n确定吗？").format(labels[action], it.detail), labels[action]):
            return
        self._run(labels[action], action=action)

    def open_current(self) -> None:
        it = self.current
        if it is not None and it.household_id:
            self.open_requested.emit(it.household_id, it.table)
