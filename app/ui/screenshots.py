"""Every screen of the program, opened as the user opens it, for the guide's screenshots and for
the tests that check each one fits a 1366×768 laptop (tests/ui/test_screen_sizes.py):

    kace gui --db demo.db --screenshot-all docs/screenshots

The screens come from generators that open one screen, yield a `Shot` (its file name and the
widget), and close it when resumed; `screenshot_all` photographs them on an offscreen screen of
1366×768, the tests measure them. The database given is never changed: the work (the restore
among it) is done on a copy.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SCREEN = (1366, 768)
SMALL_SCREEN = (1024, 600)


def fits(size, screen: tuple[int, int], scale: float = 1.0) -> bool:
    """Whether a size in logical pixels fits a screen of `screen` pixels at `scale` (1.25: 125%)."""
    return size.width() * scale <= screen[0] and size.height() * scale <= screen[1]


def smallest_size(widget):
    """The smallest the window can be made: its minimum size hint, or its minimum size if larger."""
    window = widget.window()
    return window.minimumSizeHint().expandedTo(window.minimumSize())


@dataclass
class Shot:
    name: str  # the PNG's name without .png, as docs/guide.md references it
    widget: object  # what is photographed
    kind: str = "dialog"  # "main" and "editor" must also fit 1024×600; "menu" and "message" are Qt's own

    @property
    def window(self):
        return self.widget.window()


class CapturingInteraction:
    """The interaction layer of the screenshot run: a question becomes a message box that is shown
    (not executed) and kept for the next Shot; confirmations are answered yes, file pickers no."""

    def __init__(self):
        self.boxes: list = []

    def _box(self, icon, title, text, buttons, detail=None):
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(icon, title, text)
        for label, role in buttons:
            box.addButton(label, role)
        if detail:
            box.setDetailedText(detail)
        box.show()
        self.boxes.append(box)

    def confirm(self, title, text, ok=None):
        from PySide6.QtWidgets import QMessageBox

        R = QMessageBox.ButtonRole
        self._box(QMessageBox.Icon.Question, title, text, [(ok or "确定", R.AcceptRole), ("取消", R.RejectRole)])
        return True

    def save_discard_cancel(self, title, text):
        from app.ui.interaction import CANCEL

        return CANCEL

    def info(self, title, text):
        from PySide6.QtWidgets import QMessageBox

        self._box(QMessageBox.Icon.Information, title, text, [("确定", QMessageBox.ButtonRole.AcceptRole)])

    def error(self, title, text, detail=None):
        from PySide6.QtWidgets import QMessageBox

        self._box(QMessageBox.Icon.Critical, title, text, [("确定", QMessageBox.ButtonRole.AcceptRole)], detail)

    def ask_open_path(self, *_a, **_k):
        return None

    ask_save_path = ask_year_and_reason = ask_open_path

    def take(self, name: str) -> Iterator[Shot]:
        """The oldest box shown, as the Shot `name` (closed when resumed)."""
        box = self.boxes.pop(0)
        yield Shot(name, box, "message")
        box.close()


def _shown(widget):
    widget.show()
    return widget


def main_screens(window, work: Path, interaction: CapturingInteraction | None = None) -> Iterator[Shot]:
    """Every screen reached from the main window, in the guide's order."""
    from app.ops import reads
    from app.ui.editor.household_editor import TAB_KEYS

    app_ctx = window.app
    yield Shot("main-window", window, "main")
    code = reads.showcase_household_code(app_ctx.ops)
    household_id = reads.household_id_by_code(app_ctx.ops, code, live_only=True)
    window.list.search.setText(code)
    window.settle()
    yield Shot("main-window-search", window, "main")
    window.list.search.clear()
    window.settle()

    wizard = window.new_household()
    yield Shot("new-household-1", wizard)
    wizard.next()
    yield Shot("new-household-2", wizard)
    wizard.close()

    window.list.select_household(household_id)
    window.settle()
    editor = window.open_household(household_id)
    for i, key in enumerate(TAB_KEYS, start=1):
        editor.tabs.setCurrentIndex(i - 1)
        window.settle()
        yield Shot(f"editor-{i}-{key}", editor, "editor")
        if key == "assistance":
            inner = editor.tab(key).inner
            for j, name in ((1, "measures"), (2, "loans")):
                inner.setCurrentIndex(j)
                yield Shot(f"editor-{i}-{key}-{name}", editor, "editor")
            inner.setCurrentIndex(0)
        elif key == "helpers":
            picker = editor.tab(key).choose()  # 更换帮扶责任人
            window.settle()
            yield Shot(f"editor-{i}-{key}-choose", picker)
            picker.reject()
        elif key == "exit":
            yield from _workflow_dialogs(editor.tab(key), household_id)
    editor.discard_and_close()

    dialog = window.new_visit()
    yield Shot("visit-entry", dialog)
    dialog.close()
    detail = reads.household_detail(app_ctx.ops, household_id)
    window.tree.select_region(detail["village"]["id"])
    window.settle()
    visits = window.show_visits()
    window.settle()
    yield Shot("visits-month", visits)
    visits.tabs.setCurrentIndex(1)
    visits.gaps_view.expandToDepth(0)
    yield Shot("visits-unvisited", visits)
    visits.close()
    page = window.show_village()
    window.settle()
    yield Shot("village-page", page)
    page.close()

    ext = window.tool_windows
    for name, show in (("lists", ext.show_lists), ("monitoring", ext.show_monitoring),
                       ("statistics", ext.show_stats), ("data-check", ext.show_quality)):
        tool = show()
        if name == "data-check":
            tool.body.run_check()
            window.settle()
            tool.body.tree.topLevelItem(0).setExpanded(True)
        window.settle()
        yield Shot(name, tool)
        tool.close()
    wizard = ext.show_import()
    yield Shot("import-wizard", wizard)
    wizard.close()
    dialog = ext.show_sync()
    window.settle()
    yield Shot("sync-enrol", dialog)  # a laptop not enrolled yet (docs/sync.md shows one syncing)
    dialog.close()
    tool = ext.show_conflicts()
    window.settle()
    yield Shot("conflicts-none", tool)  # docs/sync.md shows conflicts (tests/ui/test_sync_ui.py)
    tool.close()

    ext.printing.print_household("card", household_id)
    from app.ui.capture import wait_until

    wait_until(lambda: not app_ctx.runner.busy and ext.printing.previews, 120)
    preview = ext.printing.previews[-1]  # as it opens: it fits itself to the screen
    yield Shot("print-preview", preview)
    preview.close()

    for name, show in (("about", window.about), ("shortcuts", window.show_shortcuts)):
        dialog = show()
        yield Shot(name, dialog)
        dialog.close()
    guide = ext.show_guide()
    guide.show_heading("第一次使用：设置向导")
    yield Shot("help-window", guide)
    guide.close()

    from app.ui.login import LoginDialog

    login = _shown(LoginDialog(app_ctx.ops, username="admin"))
    yield Shot("login", login)
    login.close()

    if interaction is not None:
        yield from _what_goes_wrong(interaction, work)
        yield from _restore(window, interaction, work)


def _workflow_dialogs(exit_tab, household_id: str) -> Iterator[Shot]:
    """The dialog of one step of a process, and the same for several households at once."""
    from app.ui.workflow_panel import BatchStepDialog, StepDialog

    panel = exit_tab.workflow
    app_ctx = panel.app_ctx
    action = panel.flow.actions[0] if panel.flow is not None and panel.flow.actions else None
    if action is not None:
        dialog = _shown(StepDialog(action.process, action.step, app_ctx.today, panel, action.not_before))
        yield Shot("workflow-step", dialog)
        dialog.reject()
    dialog = _shown(BatchStepDialog(app_ctx, [household_id], exit_tab))
    yield Shot("workflow-batch", dialog)
    dialog.reject()


def _what_goes_wrong(interaction: CapturingInteraction, work: Path) -> Iterator[Shot]:
    from app.db.migrate import DatabaseRefused, inspect_file
    from app.ui import errors

    try:
        raise RuntimeError("示例：意外错误")
    except RuntimeError as e:
        errors.report(e, interaction.error)
    yield from interaction.take("error-dialog")
    not_a_db = work / "说明.db"
    not_a_db.write_text("这不是数据库", encoding="utf-8")
    try:
        inspect_file(not_a_db)
    except DatabaseRefused as e:
        interaction.error("无法打开数据库", e.message)
    yield from interaction.take("database-refused")


def _restore(window, interaction: CapturingInteraction, work: Path) -> Iterator[Shot]:
    """文件 › 恢复备份 on the working copy: the menu, the confirmation, the result."""
    from app.db.backup import backup
    from app.ui.capture import wait_until
    from app.ui.restore import restore_backup

    app_ctx = window.app
    (work / "backups").mkdir(exist_ok=True)
    source = backup(app_ctx.db_path, work / "backups" / "kace-daily-20261126.db",
                    key=_key(app_ctx)).path
    menu = window.menu("文件")
    menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
    menu.setActiveAction(window.actions_["restore"])
    yield Shot("restore-1-menu", menu, "menu")
    menu.close()
    restore_backup(window, app_ctx, source)
    yield from interaction.take("restore-2-confirm")
    wait_until(lambda: not app_ctx.runner.busy)
    window.settle()
    if interaction.boxes:
        yield from interaction.take("restore-3-done")


def _key(app_ctx):
    from app.db import crypto

    return crypto.engine_key(app_ctx.ops.engine)


def setup_screens(work: Path) -> Iterator[Shot]:
    """The set-up wizard's pages (it never finishes: nothing is written)."""
    from app import paths
    from app.ui.first_run.start_settings import StartSettings
    from app.ui.first_run.wizard import FirstRunWizard

    wizard = FirstRunWizard(CapturingInteraction(), paths.default_db_path(), StartSettings(work / "kace.ini"))
    wizard.show()
    yield Shot("first-run-1-location", wizard)
    wizard.next()
    yield Shot("first-run-2-mode", wizard)
    wizard.next()
    page = wizard.region_page
    page.county.setCurrentIndex(page.county.findData("450881000000"))
    for code, name in (("450881101201", "长河村"), ("450881101202", "新联村"), ("450881103210", "龙岭村")):
        page.code.setText(code)
        page.name.setText(name)
        page.add_place()
    page.tree.setCurrentItem(page.item_for("450881101000"))
    yield Shot("first-run-3-villages", wizard)
    wizard.next()
    admin = wizard.admin_page
    admin.username.setText("admin")
    admin.display_name.setText("李建国")
    admin.password.setText("kace-2026")
    admin.repeat.setText("kace-2026")
    yield Shot("first-run-4-admin", wizard)
    wizard.next()
    yield Shot("first-run-5-confirm", wizard)
    wizard.close()


def all_screens(db: Path, work: Path) -> Iterator[Shot]:
    """Every screen, over a copy of `db` in `work`."""
    from app.ui.capture import settle_window, wait_until
    from app.ui.context import build_context
    from app.ui.main_window import MainWindow

    yield from setup_screens(work)
    copy = work / "kace.db"
    shutil.copy(db, copy)
    interaction = CapturingInteraction()
    # its own settings: the user's saved window sizes neither shape the screenshots nor change
    app_ctx = build_context(copy, interaction, settings_path=work / "kace.ini")
    try:
        window = MainWindow(app_ctx)
        window.show()
        settle_window(window)
        yield from main_screens(window, work, interaction)
        wait_until(lambda: not app_ctx.runner.busy)
        for editor in list(window.editors.values()):
            editor.discard_and_close()
        window.close()
    finally:
        app_ctx.close()


def screenshot_all(db: Path, out: Path) -> list[Path]:
    """A PNG of every screen in `out`, each at the size it opens at; returns the files written."""
    from PySide6.QtWidgets import QApplication

    from app.ui.capture import save_png

    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for shot in all_screens(Path(db), Path(tmp)):
            for _ in range(3):
                QApplication.processEvents()
            path = Path(out) / f"{shot.name}.png"
            if save_png(shot.widget, path) != 0:
                raise OSError(f"无法保存截图：{path}")
            written.append(path)
    return written


def main(argv=None) -> int:
    """python -m app.ui.screenshots --db demo.db --out docs/screenshots (as kace gui --screenshot-all)."""
    import argparse

    from app.ui.qapp import make_qapp

    parser = argparse.ArgumentParser(description="卡册界面截图")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    make_qapp(offscreen=True, screen=SCREEN)
    screenshot_all(args.db, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
