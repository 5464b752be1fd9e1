"""The 打印 menu: documents for the selected household or the current village, made off the UI thread
(the op runner, with a progress dialog for a village batch) and opened in the print preview.

`install(main_window, app_ctx)` adds the actions to `main_window.menu("打印")` and returns the
PrintActions object (a child of the window). Other screens (the household editor's print buttons) call
`actions.print_household(document, household_id)` or `actions.print_village(document, village_id, ...)`.

The window is asked for its selection through `current_household_id()` / `current_village_id()` when it
has them, else through its household list (`list.current_household_id()`) and region tree
(`tree.village_id()`).
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from app.printing.print_jobs import DOCUMENTS, Printed, PrintRequest, print_document
from app.ui import errors
from app.ui.print_preview import PrintPreviewDialog

log = logging.getLogger("kace.ui")

# (object name, menu text, document) of the documents for one household
HOUSEHOLD_DOCS = (
    ("printCard", "打印户卡（户有卡）(&C)", "card"),
    ("printMingbai", "打印明白卡(&M)", "mingbai"),
    ("printVisitForm", "打印走访记录表(&V)", "visit-form"),
    ("printExitForm", "打印退出验收表(&X)", "exit-form"),
)
NOTICES = (
    ("printNoticeIdentify", "拟识别贫困户公示", "identify"),
    ("printNoticeExit", "拟退出贫困户公示", "exit"),
    ("printNoticeMonitor", "防止返贫监测对象公示", "monitor"),
)
BATCH_DOCS = (
    ("printVillageCards", "全村户卡（户有卡）", "card", {}),
    ("printVillageMingbai", "全村明白卡", "mingbai", {}),
    ("printVillageVisitForms", "全村走访记录表（空白）", "visit-form", {"blank": True}),
    ("printVillageExitForms", "全村退出验收表（拟退出户）", "exit-form", {}),
)
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def _call(obj: object, *names: str) -> str | None:
    """The first of `obj.name()` that exists (dotted names walk attributes)."""
    for name in names:
        target = obj
        for part in name.split("."):
            target = getattr(target, part, None)
            if target is None:
                break
        if callable(target):
            return target()
    return None


class PrintActions(QObject):
    def __init__(self, window: QWidget, app_ctx):
        super().__init__(window)
        self.setObjectName("printActions")
        self.window, self.app = window, app_ctx
        self.previews: list[PrintPreviewDialog] = []
        self.household_actions: list[QAction] = []
        self.village_actions: list[QAction] = []

    # --- the menu ----------------------------------------------------------------------------

    def install(self, menu: QMenu) -> None:
        for name, text, document in HOUSEHOLD_DOCS:
            self._add(menu, name, text, lambda d=document: self.print_current_household(d), self.household_actions)
        menu.addSeparator()
        self._add(menu, "printRegister", "打印村册（按户）(&R)", lambda: self.print_current_village("register"),
                  self.village_actions)
        self._add(menu, "printRegisterMembers", "打印村册（按人）", lambda: self.print_current_village(
            "register", members=True), self.village_actions)
        notices = menu.addMenu(self.tr("打印公示…"))
        notices.setObjectName("printNotices")
        for name, text, kind in NOTICES:
            self._add(notices, name, text, lambda k=kind: self.print_current_village("notice", kind=k),
                      self.village_actions)
        menu.addSeparator()
        batch = menu.addMenu(self.tr("全村批量打印"))
        batch.setObjectName("printBatch")
        for name, text, document, extra in BATCH_DOCS:
            self._add(batch, name, text, lambda d=document, e=extra: self.print_current_village(d, **e),
                      self.village_actions)
        self.village_menus = [notices, batch]
        menu.aboutToShow.connect(self.update_actions)
        self.update_actions()

    def _add(self, menu: QMenu, name: str, text: str, slot, group: list[QAction]) -> QAction:
        action = QAction(self.tr(text), self.window)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        group.append(action)
        return action

    def update_actions(self) -> None:
        """Household documents need a selected household, village ones a village in the tree."""
        has_household = self.current_household_id() is not None
        has_village = self.current_village_id() is not None
        for action in self.household_actions:
            action.setEnabled(has_household)
        for action in self.village_actions:
            action.setEnabled(has_village)
        for menu in self.village_menus:
            menu.setEnabled(has_village)

    # --- what is selected --------------------------------------------------------------------

    def current_household_id(self) -> str | None:
        return _call(self.window, "current_household_id", "list.current_household_id")

    def current_village_id(self) -> str | None:
        return _call(self.window, "current_village_id", "tree.village_id")

    def print_current_household(self, document: str):
        household_id = self.current_household_id()
        if household_id is None:
            self.app.interaction.info(self.tr("打印"), self.tr("请先在列表中选择一户。"))
            return None
        return self.print_household(document, household_id)

    def print_current_village(self, document: str, **options):
        village_id = self.current_village_id()
        if village_id is None:
            self.app.interaction.info(self.tr("打印"), self.tr("请先在左侧选择一个村。"))
            return None
        return self.print_village(document, village_id, **options)

    # --- printing ----------------------------------------------------------------------------

    def household_button(self, household_id: str, parent: QWidget) -> QToolButton:
        """The editor's 打印 button: the one-household documents of this household."""
        button = QToolButton(parent)
        button.setText(self.tr("打印"))
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for _name, text, document in HOUSEHOLD_DOCS:
            menu.addAction(self.tr(text), lambda d=document: self.print_household(d, household_id))
        button.setMenu(menu)
        return button

    def print_household(self, document: str, household_id: str):
        """Print `document` for one household (its id or 户编号); returns the runner's Future."""
        return self.start(PrintRequest(document, households=(household_id,)), batch=False)

    def print_village(self, document: str, village_id: str, **options):
        """Print `document` for a village (its id or code): kind=, members=, blank=, year= as PrintRequest."""
        return self.start(PrintRequest(document, village=village_id, **options), batch=True)

    def start(self, request: PrintRequest, batch: bool):
        """Make the PDF on the database thread, into a temporary folder the preview removes on close."""
        temp_dir = Path(tempfile.mkdtemp(prefix="kace-print-"))
        name = DOCUMENTS[request.document].split("（")[0]
        out = temp_dir / f"{name}.pdf"
        font = getattr(self.app.settings, "print_font", None) or None
        label = self.tr("正在生成{0}…").format(name)

        def failed(exc: BaseException) -> None:
            shutil.rmtree(temp_dir, ignore_errors=True)
            errors.report(exc, self.app.interaction.error, self.tr("打印失败"))

        return self.app.runner.run(
            print_document, request, out, font=font, label=label, progress=batch, undoable=False,
            on_success=lambda printed: self.show_preview(printed, temp_dir), on_failure=failed)

    def show_preview(self, printed: Printed, temp_dir: Path | None = None) -> PrintPreviewDialog:
        pdf = Path(printed.output)
        nice = pdf.with_name(_UNSAFE.sub("_", printed.title) + ".pdf")  # the name 另存为 offers
        try:
            pdf = pdf.rename(nice)
        except OSError:
            log.warning("could not rename %s to %s", pdf, nice)
        dialog = PrintPreviewDialog(pdf, printed.title, self.app.interaction, self.window,
                                    missing=printed.missing, temp_dir=temp_dir)
        self.previews.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self.previews.remove(d) if d in self.previews else None)
        dialog.show()
        return dialog


def install(main_window: QWidget, app_ctx) -> PrintActions:
    """Add the print actions to the main window's 打印 menu."""
    actions = PrintActions(main_window, app_ctx)
    actions.install(main_window.menu("打印"))
    return actions
