"""The household editor (户卡): one window per household with its tabs, one 保存 for all of them.

Tabs are built the first time they are shown, so opening a household costs one read and one form.
保存 runs every staged change of every tab in ONE transaction (app/ops/batch.run_steps); it is
disabled, with the reason beside it, while any field holds an error. Closing with unsaved changes
asks (through the interaction layer) whether to save.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError, ValidationErrors
from app.ops import reads
from app.ops.batch import run_steps
from app.ui import errors as error_text
from app.ui.editor import conflict_marks
from app.ui.editor.assistance import AssistanceTab
from app.ui.editor.base import EditorTab, tidy_tab_order
from app.ui.editor.basic import BasicTab
from app.ui.editor.helpers import HelperTab
from app.ui.editor.history import ExitTab, HistoryTab
from app.ui.editor.members import MembersTab, household_member_errors
from app.ui.editor.visits_tab import VisitsTab
from app.ui.editor.yearly import ConditionsTab, IncomeTab
from app.ui.household_model import status_label
from app.ui.interaction import DISCARD, SAVE
from app.ui.layouts import fit_to_screen

log = logging.getLogger("kace.ui")
TAB_CLASSES: tuple[type[EditorTab], ...] = (BasicTab, MembersTab, ConditionsTab, IncomeTab,
                                            AssistanceTab, HelperTab, VisitsTab, HistoryTab, ExitTab)
TAB_KEYS = [cls.key for cls in TAB_CLASSES]


class HouseholdEditor(QDialog):
    def __init__(self, app_ctx, household_id: str, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.app = app_ctx
        self.household_id = household_id
        self.setObjectName("householdEditor")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # a closed card frees its widgets
        self.detail = self._read()
        self.conflicts = self._read_conflicts()
        self._built: dict[str, EditorTab] = {}
        self._saving = False
        self._force_close = False

        self.header = QLabel()
        self.header.setObjectName("editorHeader")
        self.subheader = QLabel()
        self.subheader.setObjectName("hint")
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.conflict_note = QLabel()
        self.conflict_note.setObjectName("banner")
        self.conflict_note.setWordWrap(True)
        self.conflict_note.hide()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._pages: dict[str, QWidget] = {}
        for i, cls in enumerate(TAB_CLASSES):
            page = QWidget()
            QVBoxLayout(page).setContentsMargins(6, 6, 6, 6)
            self._pages[cls.key] = page
            self.tabs.addTab(page, self.tr(cls.title))
            self.tabs.setTabToolTip(i, self.tr("Alt+{0}").format(i + 1))
        # the tab bar is no Tab stop: Alt+1…9 and Ctrl+Tab switch tabs, and focus goes to the fields
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.currentChanged.connect(self._tab_shown)

        self.reason = QLabel()
        self.reason.setObjectName("saveReason")
        self.reason.setWordWrap(True)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("hint")
        self.save_button = QPushButton(self.tr("保存(&S)"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip(self.tr("保存所有标签页的修改（Ctrl+S）"))
        self.save_button.clicked.connect(lambda: self.save())
        self.save_button.setAutoDefault(False)
        self.close_button = QPushButton(self.tr("关闭"))
        self.close_button.setToolTip(self.tr("关闭户卡（Esc）"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, lambda: self.save())
        for i in range(len(TAB_CLASSES)):
            QShortcut(QKeySequence(f"Alt+{i + 1}"), self, lambda i=i: self._switch_to(i))

        bottom = QHBoxLayout()
        bottom.addWidget(self.reason, 1)
        # 打印 (户卡, 明白卡, 走访记录表, 退出验收表) when the main window offers printing
        printing = getattr(getattr(parent, "tool_windows", None), "printing", None)
        if printing is not None:
            self.print_button = printing.household_button(household_id, self)
            bottom.addWidget(self.print_button)
        bottom.addWidget(self.saved_label)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.subheader)
        layout.addWidget(self.banner)
        layout.addWidget(self.conflict_note)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        geometry = app_ctx.settings.editor_geometry
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            fit_to_screen(self, 1100, 700)
        self._show_header()
        self.tab(TAB_KEYS[0])
        app_ctx.bus.changed.connect(self._on_changed)
        self._update_state()

    # --- data -----------------------------------------------------------------------------------

    def _read(self) -> dict:
        detail = reads.household_detail(self.app.ops, self.household_id)
        if detail is None:
            raise DomainError("户", f"户不存在：{self.household_id}")
        return detail

    def _read_conflicts(self) -> conflict_marks.Marks:
        """Fields sync found in conflict, marked until someone decides (数据 › 冲突处理)."""
        return conflict_marks.read(self.app.ops, self.household_id)

    def _show_header(self) -> None:
        h, v = self.detail["household"], self.detail["village"]
        group = dict(self.detail["groups"]).get(h["group_id"], "")
        self.header.setText(self.tr("{0}　户主 {1}　家庭人口 {2} 人　{3}").format(
            h["code"], h["head_name"] or self.tr("（未登记）"), h["size"], status_label(h["status"])))
        self.subheader.setText(" › ".join(x for x in (v["township"], v["name"], group) if x)
                               + (self.tr("　（已删除）") if h["deleted"] else ""))
        conflict_marks.show_note(self.conflict_note, self.conflicts, self.detail["members"])
        self._title()

    def _title(self) -> None:
        h = self.detail["household"]
        mark = " *" if self.dirty() else ""
        self.setWindowTitle(self.tr("户卡 {0} {1}{2} — 卡册").format(h["code"], h["head_name"] or "", mark))

    def _tab_shown(self, index: int) -> None:
        self.tab(TAB_KEYS[index])
        self.focus_first_field()

    def _switch_to(self, index: int) -> None:
        """Alt+N: that tab, with the keyboard on its first field."""
        if self.tabs.currentIndex() != index:
            self.tabs.setCurrentIndex(index)  # _tab_shown moves the focus
        else:
            self.focus_first_field()

    def focus_first_field(self) -> None:
        built = self._built.get(TAB_KEYS[self.tabs.currentIndex()])
        target = built.first_field() if built is not None else None
        if target is not None:
            target.setFocus(Qt.FocusReason.TabFocusReason)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not event.spontaneous() and not self._shown_once:
            self._shown_once = True
            self.focus_first_field()

    _shown_once = False

    def _buttons_last(self) -> None:
        """Tab goes through the fields first and ends on 打印, 保存, 关闭 (the tabs are built after
        the buttons, so Qt's order by creation would put the buttons first)."""
        buttons = [b for b in (getattr(self, "print_button", None), self.save_button, self.close_button)
                   if b is not None]
        last = self.previousInFocusChain()
        while last in buttons or any(b.isAncestorOf(last) for b in buttons):
            last = last.previousInFocusChain()
        for button in buttons:
            QWidget.setTabOrder(last, button)
            last = button

    def tab(self, key: str, build: bool = True) -> EditorTab | None:
        """The tab `key` (built and loaded the first time it is asked for)."""
        built = self._built.get(key)
        if built is not None or not build:
            return built
        cls = TAB_CLASSES[TAB_KEYS.index(key)]
        built = cls(self)
        self._pages[key].layout().addWidget(built)
        built.show()  # a widget added to a visible parent is otherwise shown only later
        self._built[key] = built
        built.load(self.detail)
        tidy_tab_order(built)
        self._buttons_last()
        conflict_marks.attach(self, built)
        built.changed.connect(self._update_state)
        self._update_state()
        return built

    def show_tab(self, key: str) -> EditorTab:
        self.tabs.setCurrentIndex(TAB_KEYS.index(key))
        return self.tab(key)

    def members_tab(self) -> MembersTab:
        return self.tab("members")

    # --- state -------------------------------------------------------------------------------------

    def dirty(self) -> bool:
        return any(t.dirty() for t in self._built.values())

    def errors(self) -> list[str]:
        out = []
        for key in TAB_KEYS:
            t = self._built.get(key)
            if t is not None:
                out.extend(t.errors())
            elif key == "members":
                out.extend(household_member_errors(self.detail["members"]))
        return out

    def _update_state(self) -> None:
        problems = self.errors()
        dirty = self.dirty()
        self.save_button.setEnabled(dirty and not problems and not self._saving)
        if problems:
            more = self.tr("（另有 {0} 项）").format(len(problems) - 1) if len(problems) > 1 else ""
            self.reason.setText(self.tr("无法保存：{0}{1}").format(problems[0], more))
            self.reason.setToolTip("\n".join(problems))
        else:
            self.reason.setText("")
            self.reason.setToolTip("")
        warn = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for i, key in enumerate(TAB_KEYS):
            t = self._built.get(key)
            bad = bool(t.errors()) if t is not None else (
                key == "members" and bool(household_member_errors(self.detail["members"])))
            self.tabs.setTabIcon(i, warn if bad else QIcon())
        self._title()

    # --- saving -----------------------------------------------------------------------------------

    def save(self, close_after: bool = False, sync: bool = False) -> bool:
        """Save every tab's changes in one transaction. False when nothing could be started."""
        if self._saving:
            return False
        problems = self.errors()
        if problems:
            self._show_banner(self.tr("无法保存，请先更正：") + "；".join(problems[:5]))
            return False
        steps = [step for key in TAB_KEYS if key in self._built for step in self._built[key].steps()]
        if not steps:
            if close_after:
                self._force_close = True
                self.accept()
            return True
        self._saving = True
        self._update_state()
        h = self.detail["household"]
        label = self.tr("保存户 {0}（{1}）").format(h["code"], h["head_name"] or "")
        run = self.app.runner.run_sync if sync else self.app.runner.run
        run(run_steps, steps, self.detail.get("log_seq"), label=label,
            on_success=lambda result: self._saved(result, close_after), on_failure=self._failed)
        return True

    def _saved(self, result, close_after: bool) -> None:
        self._saving = False
        self.banner.hide()
        self.reload(getattr(result, "changes", None))
        self.saved_label.setText(self.tr("已保存 {0}").format(datetime.now().strftime("%H:%M")))
        if close_after:
            self._force_close = True
            self.accept()

    def _failed(self, exc: BaseException) -> None:
        """The save was refused or failed: the typed values stay, the reason is shown."""
        self._saving = False
        message = error_text.describe(exc)
        if isinstance(exc, DomainError):
            parts = exc.errors if isinstance(exc, ValidationErrors) else [exc]
            for e in parts:
                for t in self._built.values():
                    if t.show_refusal(e.field, e.message):
                        break
        else:
            self.app.interaction.error(self.tr("保存失败"), message + self.tr("\n\n已填写的内容仍保留在户卡中。"))
        self._show_banner(self.tr("保存失败：{0}").format(message))
        self._update_state()

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def reload(self, tables: frozenset[str] | None = None) -> None:
        """Show the household as stored now (after a save, an undo, a change elsewhere); after
        a save that changed `tables`, only the parts and tabs those tables feed."""
        parts = None if tables is None else {
            key for key, feeds in reads.DETAIL_TABLES.items() if feeds & set(tables)} | {"household"}
        try:
            fresh = reads.household_detail(self.app.ops, self.household_id, parts)
        except DomainError:
            return
        if fresh is None:
            return
        self.detail = fresh if parts is None else {**self.detail, **fresh}
        self.conflicts = self._read_conflicts()
        for t in self._built.values():
            if parts is None or t.sections & parts:
                t.load(self.detail)
            conflict_marks.refresh(self, t)
        self._show_header()
        self._update_state()

    def reload_if_clean(self) -> None:
        if not self.dirty() and not self._saving:
            self.reload()

    def _on_changed(self, tables) -> None:
        if self._saving:
            return  # our own save: _saved() reloads
        for t in self._built.values():
            t.tables_changed(tables)
        if set(tables) & {"household", "member", "conditions", "income", "plan", "measure", "loan",
                          "assignment", "helper"}:
            self.reload_if_clean()

    # --- closing ------------------------------------------------------------------------------------

    def _may_close(self) -> bool:
        if self._force_close or not self.dirty():
            return True
        h = self.detail["household"]
        answer = self.app.interaction.save_discard_cancel(
            self.tr("未保存的修改"),
            self.tr("户 {0}（户主 {1}）有未保存的修改。\n关闭前要保存吗？").format(h["code"], h["head_name"] or ""))
        if answer == SAVE:
            return self.save(sync=True) and not self.dirty()
        return answer == DISCARD

    def reject(self) -> None:
        if self._may_close():
            self.app.settings.editor_geometry = self.saveGeometry()
            self._force_close = True
            super().reject()

    def done(self, result: int) -> None:
        self.app.settings.editor_geometry = self.saveGeometry()
        try:
            self.app.bus.changed.disconnect(self._on_changed)
        except (RuntimeError, TypeError):
            pass
        super().done(result)

    def discard_and_close(self) -> None:
        self._force_close = True
        self.reject()
