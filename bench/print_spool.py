"""Spool size of printing from the print preview (issue 14, defect 5), before and after.

Prints a PDF of household cards through QPrinter twice, offscreen, into a file: as the preview did
before (each page rendered at 300 dpi in RGB on the UI thread) and as it does now (PrintJob: 8-bit
grayscale, page by page on a worker thread, GrayScale colour mode). It reports, per A4 page:
- the bitmap bytes handed to the printer (width x height x bytes per pixel): what a Windows GDI
  spool (EMF with device-independent bitmaps) holds for the page;
- the bytes of the file Qt's own PDF printer engine writes (compressed: RGB becomes JPEG, gray is
  deflated), for a like-for-like file figure on this machine.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/print_spool.py [--households 20] [--dpi 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli import main as kace  # noqa: E402


def make_cards(folder: Path, households: int) -> Path:
    db, pdf = folder / "kace.db", folder / "cards.pdf"
    assert kace(["demo", "--db", str(db), "--households", str(households), "--as-of", "2026-11-27"]) == 0
    from app.db.migrate import open_sqlite
    from app.db.lookup_queries import villages
    from app.ops.context import OpContext

    ctx = OpContext(open_sqlite(db), user="bench")
    with ctx.read() as s:
        code = villages(s)[0]["code"]
    ctx.engine.dispose()
    assert kace(["print", "card", "--db", str(db), "--village", code, "--out", str(pdf)]) == 0
    return pdf


def printer_to(path: Path, dpi: int, landscape: bool):
    from PySide6.QtGui import QPageLayout, QPageSize
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(dpi)
    return printer


def before(pdf: Path, out: Path, dpi: int) -> int:
    """The old print_to: RGB at the printer's resolution, on this (the UI) thread."""
    import pypdfium2 as pdfium
    from PySide6.QtGui import QPainter

    from app.ui.print_preview import draw_fitted, render_page

    doc = pdfium.PdfDocument(str(pdf))
    w, h = doc.get_page_size(0)
    printer = printer_to(out, dpi, w > h)
    painter = QPainter()
    painter.begin(printer)
    raw = 0
    for i in range(len(doc)):
        if i:
            printer.newPage()
        image = render_page(doc, i, dpi / 72)
        raw += image.sizeInBytes()
        draw_fitted(painter, image)
    painter.end()
    doc.close()
    return raw


def after(pdf: Path, out: Path, dpi: int) -> int:
    """Today's PrintJob (worker thread, grayscale)."""
    import pypdfium2 as pdfium

    from app.ui import print_preview

    doc = pdfium.PdfDocument(str(pdf))
    w, h = doc.get_page_size(0)
    pages = len(doc)
    doc.close()
    raw = []
    real = print_preview.render_page

    def counted(*a, **kw):
        image = real(*a, **kw)
        raw.append(image.sizeInBytes())
        return image

    print_preview.render_page = counted
    try:
        job = print_preview.PrintJob(pdf, printer_to(out, dpi, w > h), 1, pages, dpi)
        job.start()
        assert job.wait()
    finally:
        print_preview.render_page = real
    return sum(raw)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20)
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args()
    from app.ui.qapp import make_qapp

    make_qapp(offscreen=True)
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory(prefix="kace-spool-") as tmp:
        folder = Path(tmp)
        os.environ["KACE_DATA_DIR"] = str(folder / "data")
        pdf = make_cards(folder, args.households)
        doc = pdfium.PdfDocument(str(pdf))
        pages = len(doc)
        doc.close()
        rows = []
        for name, fn in (("before (RGB, UI thread)", before), ("after (8-bit gray, worker thread)", after)):
            out = folder / f"{name.split()[0]}.pdf"
            raw = fn(pdf, out, args.dpi)
            rows.append((name, raw / pages / 2**20, out.stat().st_size / pages / 2**20))
        print(f"{pages} pages of 户有卡 ({args.households} households), {args.dpi} dpi, A4; per page:")
        print("| printing | bitmap to the printer (MB/page) | Qt PDF printer file (MB/page) |")
        print("|---|---:|---:|")
        for name, raw, file in rows:
            print(f"| {name} | {raw:.1f} | {file:.2f} |")


if __name__ == "__main__":
    main()
