"""Screenshots for docs/guide.md of the screens that came with it (offscreen):

    python -m app.ui.first_run --out docs/screenshots [--db demo.db]

The set-up wizard's pages; with --db (a demo database, left unchanged: the work is done on a copy)
also the 恢复备份 flow and the 使用手册 window.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from app.ui.main import make_qapp, save_png


class _Shots:
    """An interaction layer that photographs each question instead of asking it; answers yes."""

    def __init__(self, out: Path, names: list[str]):
        self.out, self.names = out, names

    def _box(self, icon, title, text, buttons, detail=None):
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(icon, title, text)
        for label, role in buttons:
            box.addButton(label, role)
        if detail:
            box.setDetailedText(detail)
        box.show()
        save_png(box, self.out / self.names.pop(0))
        box.close()

    def confirm(self, title, text, ok=None):
        from PySide6.QtWidgets import QMessageBox

        R = QMessageBox.ButtonRole
        self._box(QMessageBox.Icon.Question, title, text, [(ok or "确定", R.AcceptRole), ("取消", R.RejectRole)])
        return True

    def info(self, title, text):
        from PySide6.QtWidgets import QMessageBox

        self._box(QMessageBox.Icon.Information, title, text, [("确定", QMessageBox.ButtonRole.AcceptRole)])

    def error(self, title, text, detail=None):
        from PySide6.QtWidgets import QMessageBox

        self._box(QMessageBox.Icon.Critical, title, text, [("确定", QMessageBox.ButtonRole.AcceptRole)], detail)

    def ask_open_path(self, *_a, **_k):
        return None

    ask_save_path = ask_open_path


def wizard_pages(out: Path, work: Path) -> None:
    from app import paths
    from app.ui.first_run import StartSettings
    from app.ui.first_run.wizard import FirstRunWizard

    # the real default location of this machine (nothing is written there: the wizard never finishes)
    wizard = FirstRunWizard(_Shots(out, []), paths.default_db_path(), StartSettings(work / "kace.ini"))
    wizard.show()
    save_png(wizard, out / "first-run-1-location.png")
    wizard.next()
    save_png(wizard, out / "first-run-2-mode.png")
    wizard.next()
    page = wizard.region_page
    page.county.setCurrentIndex(page.county.findData("450881000000"))
    for code, name in (("450881101201", "长河村"), ("450881101202", "新联村"), ("450881103210", "龙岭村")):
        page.code.setText(code)
        page.name.setText(name)
        page.add_place()
    page.tree.setCurrentItem(page.item_for("450881101000"))
    save_png(wizard, out / "first-run-3-villages.png")
    wizard.next()
    admin = wizard.admin_page
    admin.username.setText("admin")
    admin.display_name.setText("李建国")
    admin.password.setText("kace-2026")
    admin.repeat.setText("kace-2026")
    save_png(wizard, out / "first-run-4-admin.png")
    wizard.next()
    save_png(wizard, out / "first-run-5-confirm.png")
    wizard.close()


def restore_and_guide(out: Path, db: Path, work: Path) -> None:
    from app.db import ui_queries
    from app.db.backup import backup
    from app.db.migrate import DatabaseRefused, inspect_file
    from app.ui import errors
    from app.ui.main import build_context, open_main_window, settle_window, wait_until
    from app.ui.restore import restore_backup
    from app.ui.screenshots import _pick_household

    copy = work / "kace.db"
    shutil.copy(db, copy)
    (work / "backups").mkdir()
    source = backup(copy, work / "backups" / "kace-daily-20261126.db").path
    shots = _Shots(out, ["restore-2-confirm.png", "restore-3-done.png"])
    app_ctx = build_context(copy, shots)
    window = open_main_window(app_ctx)
    window.resize(1280, 760)
    window.show()
    settle_window(window)
    menu = window.menu("文件")
    menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
    menu.setActiveAction(window.actions_["restore"])
    save_png(menu, out / "restore-1-menu.png")
    menu.close()
    restore_backup(window, app_ctx, source)
    wait_until(lambda: not app_ctx.runner.busy)
    window.settle()
    # printing: the preview of one household's card
    with app_ctx.ops.read() as s:
        household_id = ui_queries.household_by_code(s, _pick_household(window))
    window.extensions.printing.print_household("card", household_id)
    wait_until(lambda: not app_ctx.runner.busy and window.extensions.printing.previews, 120)
    preview = window.extensions.printing.previews[-1]
    preview.resize(1100, 760)
    save_png(preview, out / "print-preview.png")
    preview.close()
    # what goes wrong: an unexpected error, and a file that is not a database
    try:
        raise RuntimeError("示例：意外错误")
    except RuntimeError as e:
        errors.report(e, _Shots(out, ["error-dialog.png"]).error)
    not_a_db = work / "说明.db"
    not_a_db.write_text("这不是数据库", encoding="utf-8")
    try:
        inspect_file(not_a_db)
    except DatabaseRefused as e:
        _Shots(out, ["database-refused.png"]).error("无法打开数据库", e.message)
    guide = window.extensions.show_guide()
    guide.resize(1200, 800)
    guide.show_heading("第一次使用：设置向导")
    save_png(guide, out / "help-window.png")
    guide.close()
    window.close()
    app_ctx.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="设置向导、恢复备份和使用手册的截图")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--db", type=Path, help="演示数据库（只读取，不修改）")
    args = parser.parse_args(argv)
    make_qapp(offscreen=True)
    with tempfile.TemporaryDirectory() as tmp:
        wizard_pages(args.out, Path(tmp))
    if args.db:
        with tempfile.TemporaryDirectory() as tmp:
            restore_and_guide(args.out, args.db, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
