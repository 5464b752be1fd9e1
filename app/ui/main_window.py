"""The main window: menus, tool bar, the region tree, the household list, the status bar.

Other screens plug in through `menu(name)`: 文件, 编辑, 户籍, 走访, 打印, 数据, 帮助.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QStyle,
    QToolBar,
    QWidget,
)

from app import paths
from app.db import crypto
from app.ops import reads
from app.ops.households import delete_household
from app.ops.reads import ListQuery
from app.ops.undo import undo_changes
from app.ui.household_list import HouseholdListPanel
from app.ui.layouts import fit_to_screen
from app.ui.region_tree import RegionTree
from app.ui.runner import UndoEntry

log = logging.getLogger("kace.ui")
MENUS = ("文件", "编辑", "户籍", "走访", "打印", "数据", "帮助")
MNEMONICS = {"文件": "F", "编辑": "E", "户籍": "R", "走访": "V", "打印": "P", "数据": "D", "帮助": "H"}


def unsynced_text(count: int, enrolled: bool) -> str:
    """The status bar's sync figure: changes waiting for the county, once there is a county to
    send them to. Before the laptop is enrolled (a demo database never is) nothing is waiting for
    anyone, so the count reads as local changes, not as unsynced work."""
    tr = lambda text: QApplication.translate("MainWindow", text)  # noqa: E731
    if enrolled:
        return tr("未同步变更 {0:,} 条").format(count)
    return tr("未登记同步（本机修改 {0:,} 条）").format(count)


class MainWindow(QMainWindow):
    def __init__(self, app_ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.app = app_ctx
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("卡册 — {0}").format(app_ctx.db_path.name))
        self.undo_stack: list[UndoEntry] = []
        self.editors: dict[str, QWidget] = {}
        self._menus: dict[str, QMenu] = {}
        self._tools: dict[str, QWidget] = {}

        self.tree = RegionTree()
        self.list = HouseholdListPanel(app_ctx)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.list)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 1000])
        self.splitter.setContentsMargins(6, 4, 6, 0)
        self.setCentralWidget(self.splitter)

        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self._make_statusbar()

        self.tree.scope_changed.connect(self._scope_changed)
        self.list.open_requested.connect(self.open_household)
        self.list.counts_changed.connect(self._update_counts)
        self.list.current_changed.connect(self._current_changed)
        app_ctx.bus.changed.connect(self._on_changed)
        app_ctx.runner.undoable.connect(self._push_undo)
        app_ctx.runner.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        app_ctx.runner.busy_changed.connect(self._busy)
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(300)
        self._status_timer.timeout.connect(self.refresh_side)

        fit_to_screen(self, 1280, 760)
        if self.width() < 1200:  # a 1024 px screen: a narrower tree leaves the list its columns
            self.splitter.setSizes([170, self.width() - 170])
        self._restore_layout()
        self._update_undo_action()
        self._current_changed(None)
        self._plug_in()
        self.start()

    def _plug_in(self) -> None:
        """The screens of the printing, data-check, import, statistics and life-cycle work add
        their actions to the menus (app/ui/tool_windows.py knows both sides)."""
        from app.ui import tool_windows

        tool_windows.install(self, self.app)

    # --- plumbing for other screens ----------------------------------------------------------

    def menu(self, name: str) -> QMenu:
        """The menu called `name` (文件, 编辑, 户籍, 走访, 打印, 数据, 帮助)."""
        return self._menus[name]

    def _action(self, key: str, text: str, slot, shortcut=None, icon=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(key)
        # the tool bar shows the words without the menu's mnemonic and ellipsis
        action.setIconText(text.split("(&")[0].rstrip("…"))
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.actions_[key] = action
        return action

    def _make_actions(self) -> None:
        self.actions_: dict[str, QAction] = {}
        SP = QStyle.StandardPixmap
        a = self._action
        a("open_db", self.tr("打开数据库(&O)…"), self.open_database, QKeySequence.StandardKey.Open,
          SP.SP_DialogOpenButton, self.tr("在新窗口中打开另一个数据库文件"))
        a("backup", self.tr("备份数据库(&B)…"), self.backup_database, None, SP.SP_DialogSaveButton,
          self.tr("把当前数据库完整复制到一个新文件"))
        # Ctrl+Q on every system (Windows has no standard Quit key, so the menu showed none)
        a("quit", self.tr("退出(&X)"), self.close, "Ctrl+Q")
        a("undo", self.tr("撤销(&U)"), self.undo_last, QKeySequence.StandardKey.Undo, SP.SP_ArrowBack,
          self.tr("撤销最近一次保存"))
        a("find", self.tr("查找(&F)"), self.focus_search, [QKeySequence.StandardKey.Find, QKeySequence("F3")])
        a("clear_filters", self.tr("清除筛选(&C)"), self.list.clear_filters, "Ctrl+Shift+C")
        a("new_household", self.tr("新建户(&N)…"), self.new_household, QKeySequence.StandardKey.New,
          SP.SP_FileIcon, self.tr("登记一户新的贫困户或监测户"))
        a("edit_household", self.tr("编辑户(&E)…"), self.edit_current, "Ctrl+E", SP.SP_FileDialogDetailedView,
          self.tr("打开选中户的户卡（也可按回车或双击）"))
        a("add_member", self.tr("添加家庭成员(&M)…"), self.add_member, "Ctrl+M")
        a("delete_household", self.tr("删除户(&D)…"), self.delete_current, QKeySequence.StandardKey.Delete,
          SP.SP_TrashIcon)
        a("village_page", self.tr("村情概况(&V)…"), self.show_village, "Ctrl+I", SP.SP_FileDialogInfoView,
          self.tr("所选村的户数、人数、贫困发生率和本月走访情况"))
        a("new_visit", self.tr("录入走访(&N)…"), self.new_visit, "Ctrl+T", SP.SP_DialogYesButton,
          self.tr("快速录入一条走访记录"))
        a("visits", self.tr("走访记录与本月未走访(&L)…"), self.show_visits, "Ctrl+L",
          SP.SP_FileDialogListView, self.tr("按月查看走访记录，按帮扶责任人列出本月未走访的户"))
        self.actions_["visits"].setIconText(self.tr("走访记录"))
        a("refresh", self.tr("刷新(&R)"), self.refresh, QKeySequence.StandardKey.Refresh, SP.SP_BrowserReload)
        a("check_db", self.tr("检查数据库(&K)"), self.check_database, None)
        a("about", self.tr("关于卡册(&A)"), self.about, None)
        a("open_log", self.tr("打开日志文件夹(&L)"), self.open_log_folder, None)
        a("shortcuts", self.tr("快捷键(&K)"), self.show_shortcuts, "F1")
        self.actions_["delete_household"].setShortcutContext(Qt.ShortcutContext.WidgetShortcut)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        for name in MENUS:
            menu = bar.addMenu(self.tr(name) + f"(&{MNEMONICS[name]})")
            menu.setObjectName(name)
            self._menus[name] = menu
        add = lambda menu, *keys: [self._menus[menu].addAction(self.actions_[k]) if k else
                                   self._menus[menu].addSeparator() for k in keys]
        add("文件", "open_db", "backup", None, "quit")
        add("编辑", "undo", None, "find", "clear_filters")
        add("户籍", "new_household", "edit_household", "add_member", None, "delete_household", None,
            "village_page")
        add("走访", "new_visit", "visits")
        add("数据", "refresh", "check_db")
        add("帮助", "shortcuts", "open_log", None, "about")
        # Del deletes a household only while the list has the focus (not in the search box).
        self.list.table.addAction(self.actions_["delete_household"])

    def _make_toolbar(self) -> None:
        bar = QToolBar(self.tr("工具栏"))
        bar.setObjectName("mainToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setMovable(False)
        for key in ("new_household", "edit_household", "new_visit", None, "undo", None,
                    "village_page", "visits", None, "refresh"):
            if key is None:
                bar.addSeparator()
            else:
                bar.addAction(self.actions_[key])
        self.addToolBar(bar)

    def _make_statusbar(self) -> None:
        status = self.statusBar()
        self.db_label = QLabel(self.tr("数据库：{0}").format(self.app.db_path.name))
        self.db_label.setToolTip(str(self.app.db_path))
        self.user_label = QLabel(self.tr("用户：{0}").format(self.app.user or self.tr("未登录")))
        self.count_label = QLabel()
        self.count_label.setObjectName("statusCount")
        self.unsynced_label = QLabel()
        self.unsynced_label.setObjectName("statusUnsynced")
        for w in (self.db_label, self.user_label, self.count_label, self.unsynced_label):
            w.setContentsMargins(8, 0, 8, 0)
            status.addPermanentWidget(w)
        self.total_households = 0
        self.shown_households = 0

    # --- start-up and layout --------------------------------------------------------------------

    def start(self) -> None:
        """Fill the list (first: it is what the user waits for), the tree and the status bar,
        all on the database thread."""
        s = self.app.settings
        level, region_id = s.region_level or None, s.region_id or None
        self.list.set_scope(ListQuery(level, region_id) if level in ("township", "village", "group")
                            else ListQuery())
        self.app.runner.read(reads.region_tree, on_done=self._tree_loaded)
        self.refresh_status()

    def _tree_loaded(self, data) -> None:
        regions, counts = data
        first = not self.tree.model_.rowCount()
        self.tree.populate(regions, counts, self.app.settings.region_id if first else None)
        if first and self.tree.scope() != self.list.scope:
            self.list.set_scope(self.tree.scope())  # the saved place no longer exists

    def refresh_side(self) -> None:
        self.app.runner.read(reads.region_tree, on_done=self._tree_loaded)
        self.refresh_status()

    def refresh_status(self) -> None:
        self.app.runner.read(reads.status_figures, on_done=self._status_loaded)

    def _status_loaded(self, figures) -> None:
        self.total_households = figures["households"]
        self.unsynced_label.setText(unsynced_text(figures["unsynced"], figures["enrolled"]))
        self.unsynced_label.setToolTip(self.tr(
            "县服务器还没有确认收到的本机修改。同步：文件 › 同步…，或用 U 盘变更包。") if figures["enrolled"] else self.tr(
            "本机尚未在县服务器登记（演示数据库从不登记），修改只保存在本机，没有要同步的对象。"
            "正式使用时，在 文件 › 同步… 中用县里给的登记码登记本机，之后这些修改会在第一次同步时上传。"))
        self._update_counts(self.shown_households)

    def _update_counts(self, shown: int) -> None:
        self.shown_households = shown
        self.count_label.setText(self.tr("显示 {0:,} 户 / 共 {1:,} 户").format(shown, self.total_households))

    def _restore_layout(self) -> None:
        s = self.app.settings
        if not s.geometry.isEmpty():
            self.restoreGeometry(s.geometry)
        if not s.window_state.isEmpty():
            self.restoreState(s.window_state)
        if not s.splitter.isEmpty():
            self.splitter.restoreState(s.splitter)

    def save_layout(self) -> None:
        s = self.app.settings
        s.geometry = self.saveGeometry()
        s.window_state = self.saveState()
        s.splitter = self.splitter.saveState()
        s.region_id = self.tree.current_id() or ""
        s.region_level = self.tree.current_level() or ""
        self.list.save_layout()
        s.sync()

    def closeEvent(self, event) -> None:
        for editor in list(self.editors.values()):
            if not editor.close():
                event.ignore()
                return
        self.save_layout()
        super().closeEvent(event)

    def _busy(self, busy: bool) -> None:
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        else:
            QApplication.restoreOverrideCursor()

    # --- reacting ------------------------------------------------------------------------------

    def _scope_changed(self, scope) -> None:
        self.list.set_scope(scope)
        self.actions_["village_page"].setEnabled(scope.level in ("village", "group"))

    def _current_changed(self, row) -> None:
        for key in ("edit_household", "delete_household", "add_member"):
            self.actions_[key].setEnabled(row is not None)

    def _on_changed(self, tables) -> None:
        if set(tables) & {"household", "region", "change"}:
            self._status_timer.start()
        elif tables:
            self.refresh_status()

    def refresh(self) -> None:
        self.list.model.invalidate()
        self.list.reload()
        self.refresh_side()

    def settle(self) -> None:
        """Finish pending refreshes and database work (tests and screenshots)."""
        for _ in range(3):
            if self.list._reload_timer.isActive():
                self.list._reload_timer.stop()
                self.list._refresh_after_change()
            if self._status_timer.isActive():
                self._status_timer.stop()
                self.refresh_side()
            self.app.runner.wait()

    # --- actions -------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.list.search.setFocus()
        self.list.search.selectAll()

    def open_household(self, household_id: str, tab: int | None = None):
        """Open (or raise) the editor of a household; returns it."""
        from app.ui.editor.household_editor import HouseholdEditor

        editor = self.editors.get(household_id)
        if editor is None:
            editor = HouseholdEditor(self.app, household_id, self)
            self.editors[household_id] = editor
            editor.finished.connect(lambda _r, hid=household_id: self.editors.pop(hid, None))
        if tab is not None:
            editor.tabs.setCurrentIndex(tab)
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def edit_current(self):
        household_id = self.list.current_household_id()
        if household_id:
            return self.open_household(household_id)
        return None

    def add_member(self):
        editor = self.edit_current()
        if editor is not None:
            editor.show_tab("members")
            editor.members_tab().add_member()
        return editor

    def new_household(self):
        from app.ui.new_household import NewHouseholdWizard

        wizard = NewHouseholdWizard(self.app, self.tree.scope(), self)
        wizard.created.connect(self._household_created)
        wizard.show()
        return wizard

    def _household_created(self, household_id: str) -> None:
        self.settle()
        self.list.select_household(household_id)
        self.open_household(household_id)

    def delete_current(self) -> None:
        row = self.list.current_row()
        if row is None:
            return
        text = self.tr("确定删除户 {0}（户主 {1}）吗？\n删除后该户不再出现在列表中，其历史记录保留，可用“撤销”恢复。").format(
            row.code, row.head_name or self.tr("无"))
        if not self.app.interaction.confirm(self.tr("删除户"), text, self.tr("删除")):
            return
        editor = self.editors.get(row.id)
        if editor is not None:
            editor.discard_and_close()
        self.app.runner.run(delete_household, row.id, label=self.tr("删除户 {0}").format(row.code),
                            on_success=lambda _r: self.statusBar().showMessage(
                                self.tr("已删除户 {0}").format(row.code), 5000))

    def _push_undo(self, entry: UndoEntry) -> None:
        self.undo_stack.append(entry)
        del self.undo_stack[:-50]
        self._update_undo_action()

    def _update_undo_action(self) -> None:
        action = self.actions_["undo"]
        if self.undo_stack:
            action.setText(self.tr("撤销“{0}”(&U)").format(self.undo_stack[-1].label))
            action.setEnabled(True)
        else:
            action.setText(self.tr("撤销(&U)"))
            action.setEnabled(False)

    def undo_last(self) -> None:
        if not self.undo_stack:
            self.statusBar().showMessage(self.tr("没有可撤销的保存"), 4000)
            return
        entry = self.undo_stack[-1]

        def done(_result):
            if self.undo_stack and self.undo_stack[-1] is entry:
                self.undo_stack.pop()
            self._update_undo_action()
            for editor in self.editors.values():
                editor.reload_if_clean()
            self.statusBar().showMessage(self.tr("已撤销：{0}").format(entry.label), 6000)

        self.app.runner.run(undo_changes, entry.after_seq, entry.through_seq,
                            label=self.tr("撤销“{0}”").format(entry.label), on_success=done,
                            undoable=False)

    def new_visit(self):
        from app.ui.visits import VisitDialog

        dialog = VisitDialog(self.app, self.list.current_household_id(), search=self.list.search_rowids,
                             parent=self)
        dialog.show()
        return dialog

    def show_visits(self):
        from app.ui.visits import VisitsWindow

        window = self._tools.get("visits")
        if window is None:
            window = VisitsWindow(self.app, self)
            window.open_requested.connect(self.open_household)
            self._tools["visits"] = window
        window.set_scope(self.tree.scope(), self.tree.current_name())
        window.show()
        window.raise_()
        return window

    def show_village(self):
        from app.ui.village_page import VillagePage

        village_id = self.tree.village_id()
        if not village_id:
            self.app.interaction.info(self.tr("村情概况"), self.tr("请先在左侧选择一个村。"))
            return None
        page = VillagePage(self.app, village_id, self)
        page.show()
        return page

    def open_database(self) -> None:
        path = self.app.interaction.ask_open_path(self.tr("打开数据库"), self.tr("卡册数据库 (*.db);;所有文件 (*)"),
                                                  str(self.app.db_path.parent))
        if path is None:
            return
        # A frozen build is its own `kace` executable; from source, run the module.
        launcher = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "app.cli"]
        args = [*launcher, "gui", "--db", str(path)]
        subprocess.Popen(args, cwd=str(Path(__file__).resolve().parents[2]), env=os.environ.copy())
        self.statusBar().showMessage(self.tr("正在新窗口中打开 {0}").format(path), 6000)

    def backup_database(self) -> None:
        from datetime import datetime

        from app.db.backup import backup

        default = self.app.db_path.with_name(
            f"{self.app.db_path.stem}-备份-{datetime.now():%Y%m%d-%H%M}{self.app.db_path.suffix}")
        path = self.app.interaction.ask_save_path(self.tr("备份数据库"), self.tr("卡册数据库 (*.db)"), str(default))
        if path is None:
            return
        if path.resolve() == self.app.db_path.resolve():
            self.app.interaction.error(self.tr("备份数据库"), self.tr("不能把数据库备份到它自己。"))
            return
        self.app.runner.run(lambda ops: backup(self.app.db_path, path, key=crypto.engine_key(ops.engine)),
                            label=self.tr("备份数据库"),
                            progress=True, undoable=False,
                            on_success=lambda _r: self.app.interaction.info(
                                self.tr("备份数据库"), self.tr("已备份到：{0}").format(path)))

    def check_database(self) -> None:
        from app.db import maintenance

        def shown(report):
            title = self.tr("检查数据库")
            if report.ok:
                self.app.interaction.info(title, report.text())
            else:
                self.app.interaction.error(title, report.text())

        self.app.runner.run(lambda ops: maintenance.check(self.app.db_path, crypto.engine_key(ops.engine)), label=self.tr("检查数据库"),
                            progress=True, undoable=False, on_success=shown)

    def about(self):
        from app.ui.about import AboutDialog

        dialog = AboutDialog(self.app, self)
        dialog.show()
        return dialog

    def show_shortcuts(self):
        from app.ui.about import ShortcutsDialog

        dialog = ShortcutsDialog(self, self)
        dialog.show()
        return dialog

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_path().parent)))

