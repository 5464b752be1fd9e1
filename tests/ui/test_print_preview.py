"""The print preview dialog (pypdfium2 pages, zoom, page x/y, print, save) and the 打印 menu actions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMainWindow

from app.printing import write_register
from tests.conftest import TODAY
from tests.printing.test_print_jobs import needs_font  # noqa: F401 (autouse fixture: skip without a CJK font)
from tests.printing import factories
from tests.printing.pdf import page_texts


class FakeInteraction:
    """Answers from a script; records what the program said."""

    def __init__(self, save_path: Path | None = None):
        self.save_path = save_path
        self.said: list[tuple[str, str, str]] = []

    def info(self, title, text):
        self.said.append(("info", title, text))

    def error(self, title, text, detail=None):
        self.said.append(("error", title, text))

    def confirm(self, title, text, ok=None):
        return True

    def ask_save_path(self, title, filter, default=""):
        return self.save_path


@pytest.fixture
def register_pdf(tmp_path) -> Path:
    folder = tmp_path / "tmp-print"
    folder.mkdir()
    out = folder / "register.pdf"
    write_register(factories.register(80), out)  # 80 households: 4 landscape pages
    return out


def make_dialog(qtbot, pdf: Path, **kw):
    from app.ui.print_preview import PrintPreviewDialog

    dialog = PrintPreviewDialog(pdf, "兴上村 村有册", **kw)
    qtbot.addWidget(dialog)
    dialog.resize(900, 700)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def dark_pixels(image, step: int = 5) -> int:
    return sum(image.pixelColor(x, y).value() < 100 for x in range(0, image.width(), step)
               for y in range(0, image.height(), step))


def test_preview_renders_the_first_page_and_counts_pages(qtbot, register_pdf):
    dialog = make_dialog(qtbot, register_pdf)
    pages = len(page_texts(register_pdf))
    assert dialog.page_count == pages >= 3
    assert dialog.page_label.text() == f"页 / 共 {pages} 页" and dialog.page_box.value() == 1
    shot = dialog.view.viewport().grab().toImage()  # paints the pages in view
    assert 0 in dialog.rendered_pages() and pages - 1 not in dialog.rendered_pages()
    page = dialog.view.pixmap(0)
    assert page.width() > page.height() > 300  # a landscape register page, fitted to the width
    assert dark_pixels(page.toImage()) > 200  # text and grid lines, not a blank page
    assert dark_pixels(shot) > 200
    dialog.close()


def test_preview_opens_no_taller_than_a_1366x768_laptop(qtbot, register_pdf, monkeypatch):
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QScreen

    from app.ui.print_preview import PrintPreviewDialog

    # the laptop's screen less the taskbar, as Qt reports it
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(0, 0, 1366, 728))
    dialog = PrintPreviewDialog(register_pdf, "兴上村 村有册")
    qtbot.addWidget(dialog)
    assert dialog.width() <= 1366 - 40 and dialog.height() <= 728 - 60
    assert dialog.height() >= 600  # still as tall as the screen allows
    dialog.close()


def test_zoom_and_page_navigation(qtbot, register_pdf):
    dialog = make_dialog(qtbot, register_pdf)
    dialog.set_zoom(1.0)
    width = dialog.view.page_rect(0).width()
    dialog.step_zoom(+1)
    assert dialog.zoom == 1.25 and dialog.view.page_rect(0).width() == pytest.approx(width * 1.25, abs=2)
    dialog.zoom_box.setCurrentIndex(dialog.zoom_box.findData(0.5))
    assert dialog.zoom == 0.5
    dialog.set_zoom(1.0)
    dialog.page_box.setValue(3)
    assert dialog.current_page() == 3 and dialog.visible_pages()[0] == 2
    dialog.view.verticalScrollBar().setValue(0)
    assert dialog.page_box.value() == 1
    dialog.view.viewport().grab()
    assert 0 in dialog.rendered_pages()
    dialog.close()


def test_print_draws_every_page_at_printer_resolution(qtbot, register_pdf, tmp_path):
    dialog = make_dialog(qtbot, register_pdf)
    printer = dialog.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(100)
    assert dialog.print_to(printer)
    from pypdf import PdfReader

    reader = PdfReader(tmp_path / "printed.pdf")
    assert len(reader.pages) == dialog.page_count
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape, like the register
    dialog.close()


def _pdf_printer(dialog, out: Path, dpi: int) -> QPrinter:
    printer = dialog.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(dpi)
    return printer


def test_print_runs_on_a_worker_thread_page_by_page_in_grayscale(qtbot, register_pdf, tmp_path, monkeypatch):
    """Issue 14, defect 5: one grayscale (8-bit) page at a time, off the UI thread, with progress."""
    import threading

    from pypdf import PdfReader

    from app.ui import print_preview

    dialog = make_dialog(qtbot, register_pdf)
    seen = {"threads": set(), "formats": set(), "done": []}
    real = print_preview.render_page

    def spy(doc, index, scale, **kw):
        image = real(doc, index, scale, **kw)
        if kw.get("grayscale"):  # the printer's pages (the view renders the screen's in colour)
            seen["threads"].add(threading.current_thread().name)
            seen["formats"].add(image.format())
        return image

    monkeypatch.setattr(print_preview, "render_page", spy)
    job = dialog.start_print(_pdf_printer(dialog, tmp_path / "printed.pdf", 150))
    job.progress.connect(seen["done"].append)
    assert dialog.print_progress is not None  # 4 pages: a progress dialog with 取消
    assert job.wait()
    assert seen["done"][-1] == dialog.page_count
    assert seen["threads"] and threading.current_thread().name not in seen["threads"]
    assert seen["formats"] == {print_preview.QImage.Format.Format_Grayscale8}
    reader = PdfReader(tmp_path / "printed.pdf")
    assert len(reader.pages) == dialog.page_count
    images = [o.get_object() for o in reader.pages[0]["/Resources"]["/XObject"].values()]
    assert images and all(i["/ColorSpace"] == "/DeviceGray" and i["/BitsPerComponent"] == 8 for i in images)
    assert int(images[0]["/Width"]) == pytest.approx(842 * 150 / 72, abs=2)  # the printer's resolution
    dialog.close()


def test_print_can_be_cancelled_half_way(qtbot, register_pdf, tmp_path, monkeypatch):
    import threading

    from app.ui import print_preview

    go, real, rendered = threading.Event(), print_preview.render_page, []

    def first_page_waits(doc, index, scale, **kw):  # the job is busy with page 1 while the user cancels
        if kw.get("grayscale"):
            rendered.append(index)
            go.wait(30)
        return real(doc, index, scale, **kw)

    monkeypatch.setattr(print_preview, "render_page", first_page_waits)
    dialog = make_dialog(qtbot, register_pdf)
    job = dialog.start_print(_pdf_printer(dialog, tmp_path / "printed.pdf", 72))
    from PySide6.QtWidgets import QPushButton

    dialog.print_progress.findChild(QPushButton).click()  # 取消 in the progress dialog
    go.set()
    assert job.wait() is False
    assert rendered in ([], [0])  # no page after the cancel (the job may not have begun page 1)
    assert dialog.print_progress is None and not dialog.print_jobs
    dialog.close()


def test_save_as_over_a_pdf_held_open_in_wps(qtbot, register_pdf, tmp_path, windows_rules, monkeypatch):
    """Issue 14, defect 4: a clear message naming the file, no traceback, the old file kept; once
    the other program lets go, saving works."""
    from app import fileops

    monkeypatch.setattr(fileops, "RETRY_DELAYS", (0.01, 0.02))
    target = tmp_path / "村有册 #1.pdf"
    target.write_bytes(b"%PDF-old")
    said = FakeInteraction(target)
    dialog = make_dialog(qtbot, register_pdf, interaction=said)
    if windows_rules is not None:
        with windows_rules.hold_open(target):
            assert dialog.save_as() is None
        kind, title, text = said.said[-1]
        assert (kind, title) == ("error", "保存失败") and "请关闭正在查看该文件的程序后重试" in text
        assert str(target) in text and "Traceback" not in text and target.read_bytes() == b"%PDF-old"
    assert dialog.save_as() == target and target.read_bytes() == register_pdf.read_bytes()
    dialog.close()


def test_save_as_copies_and_closing_removes_the_temporary_pdf(qtbot, register_pdf, tmp_path):
    target = tmp_path / "saved"
    dialog = make_dialog(qtbot, register_pdf, interaction=FakeInteraction(target),
                         temp_dir=register_pdf.parent, missing=["户编号 1 「王䶮」缺字“䶮”（U+4DAE）"])
    assert not dialog.missing_label.isHidden() and "䶮" in dialog.missing_label.text()
    saved = dialog.save_as()
    assert saved == tmp_path / "saved.pdf" and saved.read_bytes() == register_pdf.read_bytes()
    dialog.close()
    assert not register_pdf.parent.exists() and saved.exists()


# --- the 打印 menu --------------------------------------------------------------------------------


class Window(QMainWindow):
    """What print_actions needs of the main window: menu(name) and the selection."""

    def __init__(self):
        super().__init__()
        self._print = self.menuBar().addMenu("打印")
        self.household_id = None
        self.village_id = None

    def menu(self, name):
        assert name == "打印"
        return self._print

    def current_household_id(self):
        return self.household_id

    def current_village_id(self):
        return self.village_id


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from app.db.migrate import open_sqlite
    from app.demo import make_demo
    from app.ops.context import OpContext

    path = tmp_path_factory.mktemp("print-ui") / "demo.db"
    ctx = OpContext(open_sqlite(path), today_fn=lambda: TODAY)
    make_demo(ctx, 40, 22, TODAY, parallel=False)
    ctx.engine.dispose()
    return path


@pytest.fixture
def app_ctx(demo_db, qapp):
    from app.db.migrate import open_sqlite
    from app.ops.context import OpContext
    from app.ui.context import AppContext

    ctx = AppContext(OpContext(open_sqlite(demo_db), today_fn=lambda: TODAY), demo_db,
                     interaction=FakeInteraction())
    yield ctx
    ctx.close()


def ids(db: Path) -> tuple[str, str]:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        household = con.execute("SELECT id FROM household WHERE status = '02' ORDER BY code").fetchone()[0]
        village = con.execute("SELECT id FROM region WHERE level = 'village'").fetchone()[0]
    finally:
        con.close()
    return household, village


def test_print_menu_runs_the_job_off_the_ui_thread_and_opens_the_preview(qtbot, app_ctx, demo_db):
    from app.ui import print_actions

    window = Window()
    qtbot.addWidget(window)
    actions = print_actions.install(window, app_ctx)
    menu = window.menu("打印")
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    assert names[:4] == ["printCard", "printMingbai", "printVisitForm", "printExitForm"]
    assert "printRegister" in names
    actions.update_actions()
    assert not any(a.isEnabled() for a in actions.household_actions + actions.village_actions)

    window.household_id, window.village_id = ids(demo_db)
    actions.update_actions()
    assert all(a.isEnabled() for a in actions.household_actions + actions.village_actions)
    window.findChild(type(menu.actions()[0]), "printCard").trigger()
    assert app_ctx.runner.wait(30)
    preview = actions.previews[-1]
    assert "户有卡" in preview.windowTitle() and f"共 {preview.page_count} 页" in preview.page_label.text()
    assert preview.pdf_path.name.endswith("户有卡（贫困户帮扶手册）.pdf") and preview.page_count >= 3

    window.findChild(type(menu.actions()[0]), "printNoticeExit").trigger()
    assert app_ctx.runner.wait(30)
    notice = actions.previews[-1]
    assert "拟退出贫困户公示" in notice.windowTitle()
    assert not any(kind == "error" for kind, *_ in app_ctx.interaction.said)
    folder = notice.pdf_path.parent
    for dialog in list(actions.previews):
        dialog.close()
    assert actions.previews == [] and not folder.exists()


def test_a_refused_print_is_reported_and_leaves_no_file(qtbot, app_ctx):
    from app.ui import print_actions

    window = Window()
    qtbot.addWidget(window)
    actions = print_actions.install(window, app_ctx)
    actions.print_household("card", "450881101201-01-9999")
    assert app_ctx.runner.wait(30)
    assert actions.previews == []
    assert app_ctx.interaction.said[-1][0] == "error" and "户编号不存在" in app_ctx.interaction.said[-1][2]
    actions.print_current_village("register")  # nothing selected
    assert app_ctx.interaction.said[-1][:1] == ("info",) and "选择一个村" in app_ctx.interaction.said[-1][2]
