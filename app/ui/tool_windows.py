"""Screens of the printing, data-check, import, statistics and life-cycle work, plugged into the
main window's menus. One place that knows both sides, so neither has to know the other."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from app.ops import reads
from app.ui.layouts import fit_to_screen


# Where the editor shows each kind of record (a finding names its table).
TAB_FOR_TABLE = {"household": "basic", "member": "members", "conditions": "conditions",
                 "income": "income", "plan": "assistance", "measure": "assistance",
                 "loan": "assistance", "assignment": "helpers", "helper": "helpers",
                 "visit": "visits", "workflow_step": "exit", "exit_assessment": "exit",
                 "monitoring_record": "exit"}


class ToolWindow(QDialog):
    """A non-modal window around one screen; closing hides it, so its state survives."""

    def __init__(self, title: str, body: QWidget, parent: QWidget):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.body = body
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(body)
        fit_to_screen(self, 1000, 640)


class ToolWindows(QObject):
    def __init__(self, window, app_ctx):
        super().__init__(window)
        self.window = window
        self.app = app_ctx
        self.tools: dict[str, ToolWindow] = {}

    def _add(self, menu: str, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        self.window.menu(menu).addAction(action)
        return action

    def install(self) -> None:
        from app.ui import print_actions

        self.printing = print_actions.install(self.window, self.app)
        self.window.menu("数据").addSeparator()
        self._add("数据", self.tr("数据核查…"), self.show_quality, "F7")
        self._add("数据", self.tr("导入花名册（Excel）…"), self.show_import)
        self._add("数据", self.tr("统计分析…"), self.show_stats)
        self.window.menu("户籍").addSeparator()
        self._add("户籍", self.tr("识别与退出名单…"), self.show_lists)
        self._add("户籍", self.tr("防返贫监测对象…"), self.show_monitoring)
        self._install_sync()
        from app.ui import exchange_actions

        self.exchange = exchange_actions.install(self.window, self.app)
        self._install_restore_and_guide()

    def _insert(self, menu_name: str, after: QAction | None, key: str, text: str, slot) -> QAction:
        """An action placed right after `after` in the menu (first when None)."""
        menu = self.window.menu(menu_name)
        actions = menu.actions()
        index = actions.index(after) + 1 if after in actions else 0
        action = QAction(text, self.window)
        action.setObjectName(key)
        action.triggered.connect(lambda _checked=False: slot())
        menu.insertAction(actions[index] if index < len(actions) else None, action)
        self.window.actions_[key] = action
        return action

    def _install_restore_and_guide(self) -> None:
        from app.ui import restore

        self.guide_window = None
        action = self._insert("文件", self.window.actions_.get("backup"), "restore", self.tr("恢复备份(&R)…"),
                              self.restore_backup)
        action.setStatusTip(self.tr("用一个备份文件替换当前数据库（仅管理员）"))
        action.setEnabled(restore.allowed(self.app))
        # the role is set at log-in; look again whenever the menu opens
        self.window.menu("文件").aboutToShow.connect(lambda: action.setEnabled(restore.allowed(self.app)))
        self._insert("帮助", None, "guide", self.tr("使用手册(&M)"), self.show_guide)

    # --- helpers ---------------------------------------------------------------------------

    def _village_id(self) -> str | None:
        return self.window.tree.village_id()

    def _tool(self, key: str, title: str, make) -> ToolWindow:
        tool = self.tools.get(key)
        if tool is None:
            tool = ToolWindow(title, make(), self.window)
            self.tools[key] = tool
        tool.show()
        tool.raise_()
        tool.activateWindow()
        return tool

    def _open_code(self, code: str, table: str = "", _row_id: str = "", field: str = "") -> None:
        """Open the household of a finding on the tab that holds the record, at the field."""
        from app.ui.editor.household_editor import TAB_KEYS

        household_id = reads.household_id_by_code(self.app.ops, code)
        if not household_id:
            return
        key = TAB_FOR_TABLE.get(table, "basic")
        editor = self.window.open_household(household_id, TAB_KEYS.index(key))
        tab = editor.tab(key)
        for form in tab.forms() if hasattr(tab, "forms") else []:
            widget = form.widgets.get(field)
            if widget is not None:
                widget.setFocus()
                break

    # --- the screens -------------------------------------------------------------------------

    def show_quality(self) -> ToolWindow:
        from app.ui.quality_view import QualityView

        def make():
            view = QualityView(self.app, village_id=self._village_id())
            view.open_requested.connect(self._open_code)
            return view

        return self._tool("quality", self.tr("数据核查"), make)

    def show_import(self):
        from app.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self.app, self.window)
        fit_to_screen(wizard, 680, 460)
        wizard.show()
        return wizard

    def show_stats(self) -> ToolWindow:
        from app.ui.stats_page import StatsPage

        tool = self._tool("stats", self.tr("统计分析"), lambda: StatsPage(self.app))
        tool.body.set_village(self._village_id())  # loads the figures of the current scope
        return tool

    def _village_table(self, key: str, title: str, widget_class) -> ToolWindow:
        def make():
            table = widget_class(self.app, village_id=self._village_id())
            table.open_requested.connect(self.window.open_household)
            return table

        tool = self._tool(key, title, make)
        tool.body.set_village(self._village_id())
        return tool

    def show_lists(self) -> ToolWindow:
        from app.ui.workflow_panel import HouseholdListsWidget

        return self._village_table("lists", self.tr("识别与退出名单"), HouseholdListsWidget)

    def show_monitoring(self) -> ToolWindow:
        from app.ui.workflow_panel import MonitoringListWidget

        return self._village_table("monitoring", self.tr("防返贫监测对象"), MonitoringListWidget)

    # --- sync: 文件 › 同步…, 数据 › 冲突处理 ------------------------------------------------------------

    def _install_sync(self) -> None:
        self.sync_dialog = None
        # how the 同步 dialog reaches the server (None: HTTP); tests put an in-process one here
        self.sync_transport_factory = None
        menu = self.window.menu("文件")
        actions = menu.actions()
        quit_at = actions.index(self.window.actions_["quit"])
        before = actions[quit_at - 1] if quit_at and actions[quit_at - 1].isSeparator() else actions[quit_at]
        sync = QAction(self.tr("同步(&Y)…"), self.window)
        sync.setObjectName("sync")
        sync.setStatusTip(self.tr("与县服务器交换修改（上传本机的，下载别处的）"))
        sync.triggered.connect(lambda _checked=False: self.show_sync())
        menu.insertAction(before, sync)
        menu.insertSeparator(sync)
        self.window.actions_["sync"] = sync
        self.window.actions_["conflicts"] = self._add("数据", self.tr("冲突处理…"), self.show_conflicts)

    def show_sync(self):
        from app.ui.sync_dialog import SyncDialog, http_transport

        dialog = self.sync_dialog
        if dialog is None:
            dialog = self.sync_dialog = SyncDialog(self.app, self.window)
            dialog.conflicts_requested.connect(self.show_conflicts)
        if not dialog.running:  # one dialog; it shows the last result until the next run
            dialog.transport_factory = self.sync_transport_factory or http_transport
            dialog.refresh()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_conflicts(self) -> ToolWindow:
        from app.ui.conflicts_view import ConflictsView

        def make():
            view = ConflictsView(self.app)
            view.open_requested.connect(self._open_record)
            return view

        existed = "conflicts" in self.tools
        tool = self._tool("conflicts", self.tr("冲突处理"), make)
        if existed:
            tool.body.reload()
        return tool

    def _open_record(self, household_id: str, table: str = ""):
        """Open a household on the tab that holds the record of `table`."""
        from app.ui.editor.household_editor import TAB_KEYS

        return self.window.open_household(household_id, TAB_KEYS.index(TAB_FOR_TABLE.get(table, "basic")))

    def restore_backup(self) -> bool:
        from app.ui.restore import restore_backup

        return restore_backup(self.window, self.app)

    def show_guide(self):
        from app.ui.help_window import HelpWindow

        if self.guide_window is None:
            self.guide_window = HelpWindow(parent=self.window)
        self.guide_window.show()
        self.guide_window.raise_()
        self.guide_window.activateWindow()
        return self.guide_window


def install(window, app_ctx) -> ToolWindows:
    tools = ToolWindows(window, app_ctx)
    tools.install()
    window.tool_windows = tools
    return tools
