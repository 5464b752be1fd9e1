"""The print preview: the produced PDF's pages in a scrollable view, zoom, 第 x 页 共 y 页, 打印… (QPrinter)
and 另存为 PDF….

Pages are rasterised with pypdfium2 (QtPdf is not part of PySide6-Essentials). The view is virtual: it
knows every page's size (read from the PDF without loading the page) and paints only the pages in view,
rendering each once per zoom and keeping a bounded number, so a village's 1,400-page batch of handbooks
opens as fast as one card (a widget per page would not do: Qt layouts stop at 524,287 pixels).

Printing (issue 14): vector printing would need pdfium to draw into the printer's device context
(FPDF_RenderPage with a Windows HDC), which QPrinter does not expose to Python, and QtPdf is not in
PySide6-Essentials. So each page is rendered at the printer's resolution (capped at PRINT_DPI_MAX)
in 8-bit grayscale (a third of the RGB bytes; the cards are black on white) and drawn 1:1 on the
sheet (the PDF carries its own margins), one page at a time on a worker thread (QPainter may paint
on a QPrinter outside the GUI thread), with a progress dialog and 取消. Only one page's bitmap is
alive at a time. pdfium is not thread-safe: every call goes through PDFIUM_LOCK.
"""

from __future__ import annotations

import bisect
import logging
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop, QObject, QRect, Qt, QThread, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPixmap,
    QShortcut,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import fileops
from app.ui.layouts import fit_to_screen

ZOOMS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
FIT_WIDTH = 0.0  # the zoom box's "适合宽度"
SCREEN_DPI = 96  # 100 % shows a page at its printed size on a typical screen
PRINT_DPI_MAX = 300
KEEP_RENDERED = 12  # rendered pages kept (the view shows a few; scrolling back should not re-render)
GAP = 12  # around and between pages
BACKGROUND = QColor(109, 109, 109)
PDFIUM_LOCK = threading.RLock()  # pdfium is not thread-safe: one call at a time, whichever thread
log = logging.getLogger("kace.ui")


def render_page(doc: pdfium.PdfDocument, index: int, scale: float, *, grayscale: bool = False) -> QImage:
    """Page `index` as a QImage at `scale` pixels per PDF point (white background); `grayscale`:
    one byte a pixel (Format_Grayscale8), rendered in pdfium's print mode."""
    with PDFIUM_LOCK:
        page = doc[index]
        try:
            if grayscale:
                bitmap = page.render(scale=scale, grayscale=True, optimize_mode="print")
                fmt = QImage.Format.Format_Grayscale8
            else:
                bitmap = page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True)
                fmt = QImage.Format.Format_RGBX8888
            try:
                image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, fmt)
                return image.copy()  # own the pixels: the bitmap's buffer is freed below
            finally:
                bitmap.close()
        finally:
            page.close()


def draw_fitted(painter: QPainter, image: QImage) -> None:
    """The page image centred on the sheet, scaled to fit (1:1 when the sizes match)."""
    area = painter.viewport()
    fitted = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRect(area.x() + (area.width() - fitted.width()) // 2,
                   area.y() + (area.height() - fitted.height()) // 2, fitted.width(), fitted.height())
    painter.drawImage(target, image)


class PrintJob(QObject):
    """Prints pages `first`..`last` (1-based) of a PDF on `printer` on its own thread: render one
    page, draw it, next. `progress(done)` after each page; `finished(ok, error)` at the end (ok
    False: cancelled or failed; `error` says why when it failed)."""

    progress = Signal(int)
    finished = Signal(bool, str)

    def __init__(self, pdf_path: Path, printer: QPrinter, first: int, last: int, dpi: int):
        super().__init__()
        self.pdf_path, self.printer, self.first, self.last, self.dpi = pdf_path, printer, first, last, dpi
        self.cancel_event = threading.Event()
        self.ok: bool | None = None
        self.error = ""
        self.thread = QThread()
        self.thread.setObjectName("kace-print")
        self.moveToThread(self.thread)
        self.thread.started.connect(self._run)
        self.finished.connect(self.thread.quit)

    @property
    def pages(self) -> int:
        return self.last - self.first + 1

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout_ms: int = 600_000) -> bool:
        """Block (processing events, so the progress dialog lives) until the job ends; its result."""
        deadline = QDeadlineTimer(timeout_ms)
        while not self.thread.wait(20) and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        QCoreApplication.processEvents()  # deliver its last signals (progress, finished)
        return bool(self.ok)

    def _run(self) -> None:
        ok, error = False, ""
        try:
            ok, error = self._print()
        except Exception as e:  # noqa: BLE001 - reported to the user, never lost on a thread
            log.exception("printing failed")
            error = str(e)
        self.ok, self.error = ok, error
        self.finished.emit(ok, error)

    def _print(self) -> tuple[bool, str]:
        with PDFIUM_LOCK:
            doc = pdfium.PdfDocument(str(self.pdf_path))
        # Grayscale to the driver too: Windows spools and prints the pages as one channel (Qt's own
        # PDF engine writes DeviceGray instead of an RGB JPEG).
        self.printer.setColorMode(QPrinter.ColorMode.GrayScale)
        painter = QPainter()
        try:
            if not painter.begin(self.printer):
                return False, "无法开始打印，请检查打印机。"
            try:
                for n, index in enumerate(range(self.first - 1, self.last)):
                    if self.cancel_event.is_set():
                        self.printer.abort()
                        return False, ""
                    if n:
                        self.printer.newPage()
                    draw_fitted(painter, render_page(doc, index, self.dpi / 72, grayscale=True))
                    self.progress.emit(n + 1)
            finally:
                painter.end()
        finally:
            with PDFIUM_LOCK:
                doc.close()
        return True, ""


class PageView(QAbstractScrollArea):
    """The pages one under the other, centred, at `zoom` (1.0 = printed size on a 96 dpi screen)."""

    page_changed = Signal(int)  # 1-based page at the top of the view
    resized = Signal()

    def __init__(self, doc: pdfium.PdfDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pageView")
        self.doc = doc
        self.sizes = [doc.get_page_size(i) for i in range(len(doc))]  # points; no page is loaded
        self.zoom = 1.0
        self.tops: list[int] = []  # y of each page in the whole column
        self.heights: list[int] = []
        self.widths: list[int] = []
        self.total_height = self.total_width = 0
        self.cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._page = 1
        self.viewport().setAutoFillBackground(True)
        palette = self.viewport().palette()
        palette.setColor(self.viewport().backgroundRole(), BACKGROUND)
        self.viewport().setPalette(palette)
        self.verticalScrollBar().setSingleStep(40)
        self.horizontalScrollBar().setSingleStep(40)
        self._layout_pages()

    # geometry

    def scale(self) -> float:
        """Device pixels per PDF point at the current zoom."""
        return self.zoom * SCREEN_DPI / 72

    def _layout_pages(self) -> None:
        k = self.scale()
        self.widths = [round(w * k) for w, _ in self.sizes]
        self.heights = [round(h * k) for _, h in self.sizes]
        y, self.tops = GAP, []
        for h in self.heights:
            self.tops.append(y)
            y += h + GAP
        self.total_height = y
        self.total_width = max(self.widths, default=0) + 2 * GAP
        self._update_scrollbars()

    def _update_scrollbars(self) -> None:
        vp = self.viewport().size()
        v, h = self.verticalScrollBar(), self.horizontalScrollBar()
        v.setRange(0, max(0, self.total_height - vp.height()))
        v.setPageStep(vp.height())
        h.setRange(0, max(0, self.total_width - vp.width()))
        h.setPageStep(vp.width())

    def set_zoom(self, zoom: float) -> None:
        page = self.current_page()
        self.zoom = zoom
        self.cache.clear()
        self._layout_pages()
        self.go_to_page(page)
        self.viewport().update()

    def fit_width_zoom(self) -> float:
        widest = max((w for w, _ in self.sizes), default=595)
        room = self.viewport().width() - 2 * GAP
        return max(0.2, room / (widest * SCREEN_DPI / 72))

    def page_rect(self, index: int) -> QRect:
        """Where page `index` is in viewport coordinates."""
        room = max(self.viewport().width(), self.total_width)
        x = (room - self.widths[index]) // 2 - self.horizontalScrollBar().value()
        y = self.tops[index] - self.verticalScrollBar().value()
        return QRect(x, y, self.widths[index], self.heights[index])

    def visible_pages(self) -> list[int]:
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        first = max(0, bisect.bisect_right(self.tops, top) - 1)
        out = []
        for i in range(first, len(self.tops)):
            if self.tops[i] >= bottom:
                break
            if self.tops[i] + self.heights[i] > top:
                out.append(i)
        return out

    def current_page(self) -> int:
        """The 1-based page at the top of the view (the one whose lower part is still there)."""
        if not self.tops:
            return 1
        top = self.verticalScrollBar().value() + GAP
        i = max(0, bisect.bisect_right(self.tops, top) - 1)
        if self.tops[i] + self.heights[i] < top and i + 1 < len(self.tops):
            i += 1
        return i + 1

    def go_to_page(self, number: int) -> None:
        if self.tops:
            number = min(max(1, number), len(self.tops))
            self.verticalScrollBar().setValue(self.tops[number - 1] - GAP)
        self._emit_page()

    # rendering

    def pixmap(self, index: int) -> QPixmap:
        """Page `index` rendered at the current zoom (cached)."""
        hit = self.cache.get(index)
        if hit is None:
            ratio = self.devicePixelRatioF()
            hit = QPixmap.fromImage(render_page(self.doc, index, self.scale() * ratio))
            hit.setDevicePixelRatio(ratio)
            self.cache[index] = hit
            while len(self.cache) > KEEP_RENDERED:
                self.cache.popitem(last=False)
        self.cache.move_to_end(index)
        return hit

    def paintEvent(self, event) -> None:
        if self.doc is None:
            return
        painter = QPainter(self.viewport())
        try:
            for index in self.visible_pages():
                rect = self.page_rect(index)
                painter.fillRect(rect, Qt.GlobalColor.white)
                painter.drawPixmap(rect, self.pixmap(index))
                painter.setPen(QColor(60, 60, 60))
                painter.drawRect(rect.adjusted(-1, -1, 0, 0))
        finally:
            painter.end()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()
        self._emit_page()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_scrollbars()
        self.resized.emit()

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:  # Ctrl+wheel zooms (the dialog decides)
            event.ignore()
            return
        super().wheelEvent(event)

    def _emit_page(self) -> None:
        page = self.current_page()
        if page != self._page:
            self._page = page
            self.page_changed.emit(page)


class PrintPreviewDialog(QDialog):
    """Shows `pdf_path`; `temp_dir` (if given) is the folder of a temporary PDF, removed on close.
    `missing` lists the characters the font lacked (MissingChar or strings), shown as a warning."""

    def __init__(self, pdf_path: str | Path, title: str = "", interaction=None, parent: QWidget | None = None,
                 missing: Sequence = (), temp_dir: str | Path | None = None):
        super().__init__(parent)
        self.setObjectName("printPreview")
        self.pdf_path = Path(pdf_path)
        self.interaction = interaction
        self._temp_dir = Path(temp_dir) if temp_dir else None
        self.print_jobs: list[PrintJob] = []
        self.print_progress: QProgressDialog | None = None
        with PDFIUM_LOCK:
            self.doc = pdfium.PdfDocument(str(self.pdf_path))
        self.page_count = len(self.doc)
        self._fit_width = True
        self.setWindowTitle(self.tr("打印预览 — {0}").format(title or self.pdf_path.name))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)

        self.print_button = QPushButton(self.tr("打印(&P)…"))
        self.print_button.setObjectName("printButton")
        self.save_button = QPushButton(self.tr("另存为 PDF(&S)…"))
        self.save_button.setObjectName("saveButton")
        self.close_button = QPushButton(self.tr("关闭"))
        self.zoom_box = QComboBox()
        self.zoom_box.setObjectName("zoomBox")
        self.zoom_box.addItem(self.tr("适合宽度"), FIT_WIDTH)
        for z in ZOOMS:
            self.zoom_box.addItem(f"{z:.0%}", z)
        self.zoom_out = QPushButton("−")
        self.zoom_in = QPushButton("+")
        for button, tip in ((self.zoom_out, self.tr("缩小（Ctrl+-）")), (self.zoom_in, self.tr("放大（Ctrl++）"))):
            button.setFixedWidth(32)
            button.setToolTip(tip)
        self.page_box = QSpinBox()
        self.page_box.setObjectName("pageBox")
        self.page_box.setRange(1, max(1, self.page_count))
        self.page_box.setKeyboardTracking(False)
        self.page_label = QLabel(self.tr("页 / 共 {0} 页").format(self.page_count))
        self.page_label.setObjectName("pageLabel")
        self.missing_label = QLabel()
        self.missing_label.setObjectName("missingLabel")
        self.missing_label.setWordWrap(True)
        self.missing_label.setStyleSheet("color: #a40000;")
        self._show_missing(missing)
        self.view = PageView(self.doc)

        bar = QHBoxLayout()
        for widget in (self.print_button, self.save_button):
            bar.addWidget(widget)
        bar.addSpacing(16)
        for widget in (QLabel(self.tr("缩放")), self.zoom_out, self.zoom_box, self.zoom_in):
            bar.addWidget(widget)
        bar.addSpacing(16)
        for widget in (QLabel(self.tr("第")), self.page_box, self.page_label):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.view, 1)

        self.view.page_changed.connect(self._show_page_number)
        self.view.resized.connect(self._view_resized)
        self.zoom_box.currentIndexChanged.connect(lambda i: self.set_zoom(self.zoom_box.itemData(i)))
        self.zoom_in.clicked.connect(lambda: self.step_zoom(+1))
        self.zoom_out.clicked.connect(lambda: self.step_zoom(-1))
        self.page_box.valueChanged.connect(self.go_to_page)
        self.print_button.clicked.connect(self.print_dialog)
        self.save_button.clicked.connect(self.save_as)
        self.close_button.clicked.connect(self.close)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, lambda: self.step_zoom(+1))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, lambda: self.step_zoom(-1))
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_dialog)
        fit_to_screen(self, 980, 860)  # less on a 1366×768 laptop

    # --- zoom and pages ----------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        return self.view.zoom

    def set_zoom(self, zoom: float) -> None:
        """Zoom in screen terms (1.0 = printed size); FIT_WIDTH fits the widest page to the view."""
        self._fit_width = zoom == FIT_WIDTH
        self.view.set_zoom(self.view.fit_width_zoom() if self._fit_width else zoom)
        self.zoom_box.blockSignals(True)
        self.zoom_box.setCurrentIndex(max(0, self.zoom_box.findData(FIT_WIDTH if self._fit_width else zoom)))
        self.zoom_box.blockSignals(False)

    def step_zoom(self, direction: int) -> None:
        bigger = [z for z in ZOOMS if z > self.zoom + 1e-6]
        smaller = [z for z in ZOOMS if z < self.zoom - 1e-6]
        if direction > 0 and bigger:
            self.set_zoom(bigger[0])
        elif direction < 0 and smaller:
            self.set_zoom(smaller[-1])

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.step_zoom(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def _view_resized(self) -> None:
        if self._fit_width and abs(self.view.fit_width_zoom() - self.view.zoom) > 0.005:
            self.view.set_zoom(self.view.fit_width_zoom())

    def go_to_page(self, number: int) -> None:
        self.view.go_to_page(number)

    def current_page(self) -> int:
        return self.view.current_page()

    def visible_pages(self) -> list[int]:
        return self.view.visible_pages()

    def rendered_pages(self) -> list[int]:
        """0-based pages currently held rendered."""
        return list(self.view.cache)

    def _show_page_number(self, number: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(number)
        self.page_box.blockSignals(False)

    def _show_missing(self, missing: Sequence) -> None:
        if not missing:
            self.missing_label.hide()
            return
        lines = [str(m) for m in missing]
        shown = "；".join(lines[:3]) + ("……" if len(lines) > 3 else "")
        self.missing_label.setText(self.tr("字体缺少 {0} 处字符，已用“〓”代替：{1}").format(len(lines), shown))
        self.missing_label.setToolTip("\n".join(lines[:100]))

    # --- printing and saving -----------------------------------------------------------------

    def make_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        w, h = self.view.sizes[0] if self.view.sizes else (595, 842)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape if w > h else QPageLayout.Orientation.Portrait)
        printer.setFullPage(True)  # the PDF carries its own margins: print it 1:1 on the sheet
        printer.setDocName(self.pdf_path.stem)
        printer.setFromTo(1, self.page_count)
        return printer

    def print_dialog(self) -> bool:
        """The system print dialog, then print; False if the user cancelled."""
        printer = self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印"))
        dialog.setMinMax(1, self.page_count)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.start_print(printer)  # in the background: progress and 取消, the preview stays live
        return True

    def start_print(self, printer: QPrinter) -> PrintJob:
        """Print every page (or the printer's from–to range) in the background: a PrintJob on its
        own thread, a progress dialog with 取消 (for more than a few pages), the UI stays live."""
        first, last = max(1, printer.fromPage() or 1), min(self.page_count, printer.toPage() or self.page_count)
        job = PrintJob(self.pdf_path, printer, first, last, min(printer.resolution(), PRINT_DPI_MAX))
        progress = None
        if job.pages > 1:
            progress = QProgressDialog(self.tr("正在打印，共 {0} 页…").format(job.pages), self.tr("取消"),
                                       0, job.pages, self)
            progress.setObjectName("printProgress")
            progress.setWindowTitle(self.tr("打印"))
            progress.setWindowModality(Qt.WindowModality.WindowModal)
            progress.setMinimumDuration(300)
            progress.setAutoClose(False)
            progress.setAutoReset(False)
            # straight to the flag: a slot of the job would wait for its busy thread's event loop
            progress.canceled.connect(job.cancel_event.set)
        self.print_progress = progress
        # Bound methods of this dialog: Qt queues the job's signals to the UI thread (a lambda
        # would run on the job's thread and touch widgets from there).
        job.progress.connect(self._print_progressed)
        job.finished.connect(self._print_ended)
        self.print_jobs.append(job)  # kept alive until its thread has ended
        job.start()
        return job

    def _print_progressed(self, done: int) -> None:
        progress, job = self.print_progress, self.print_jobs[-1] if self.print_jobs else None
        if progress is not None and job is not None:
            progress.setValue(done)
            progress.setLabelText(self.tr("正在打印第 {0} 页，共 {1} 页…").format(min(done + 1, job.pages), job.pages))

    def _print_ended(self, ok: bool, error: str) -> None:
        if self.print_progress is not None:
            self.print_progress.close()
            self.print_progress = None
        for job in [j for j in self.print_jobs if j.ok is not None]:
            job.thread.wait()  # it only has to return from its last slot
            self.print_jobs.remove(job)
        if error and self.interaction is not None:
            self.interaction.error(self.tr("打印失败"), error)

    def print_to(self, printer: QPrinter) -> bool:
        """start_print, then wait for the end (events keep flowing). False if it could not start,
        failed or was cancelled half-way."""
        return self.start_print(printer).wait()

    def save_as(self) -> Path | None:
        """Copy the PDF where the user says (written beside it first, then renamed)."""
        title, filter_ = self.tr("另存为 PDF"), self.tr("PDF 文件 (*.pdf)")
        default = str(Path.home() / self.pdf_path.name)
        if self.interaction is not None:
            target = self.interaction.ask_save_path(title, filter_, default)
        else:  # pragma: no cover - the app always passes its interaction layer
            from PySide6.QtWidgets import QFileDialog

            name, _ = QFileDialog.getSaveFileName(self, title, default, filter_)
            target = Path(name) if name else None
        if target is None:
            return None
        target = Path(target)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:  # written beside it, then swapped in (retried while WPS shows the old file)
            fileops.write_via(target, lambda part: shutil.copyfile(self.pdf_path, part))
        except (OSError, fileops.FileBusy) as e:
            if self.interaction is not None:
                reason = e.message if isinstance(e, fileops.FileBusy) else self.tr("无法保存到 {0}：{1}").format(target, e)
                self.interaction.error(self.tr("保存失败"), reason)
            return None
        return target

    # --- opening and closing -----------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._fit_width:
            self.set_zoom(FIT_WIDTH)

    def done(self, result: int) -> None:  # every way out of the dialog ends here
        self.release()
        super().done(result)

    def closeEvent(self, event) -> None:
        self.release()
        super().closeEvent(event)

    def release(self) -> None:
        """Close the document and remove the temporary PDF (once). A print still running is
        cancelled and waited for: it reads the temporary PDF."""
        for job in list(self.print_jobs):
            job.cancel()
            job.wait()
        if self.doc is not None:
            self.view.cache.clear()
            self.view.doc = None
            with PDFIUM_LOCK:
                self.doc.close()
            self.doc = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None
