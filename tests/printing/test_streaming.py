"""StreamingCanvas: pages go to the file as they are drawn, and the file is the PDF reportlab would write."""

import io
import re
from datetime import date

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

import app.printing.register as register
from app.printing import PrintOptions, write_register, write_registers
from app.printing.page_style import LANDSCAPE
from app.printing.streaming import StreamingCanvas

from . import factories as F
from .pdf import page_texts


def _objects_at_their_offsets(pdf: bytes) -> int:
    """Checks that every xref entry points at its object; returns the number of objects."""
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf).group(1))
    head = re.match(rb"xref\n0 (\d+)\n", pdf[start:])
    size = int(head.group(1))
    entries = pdf[start + head.end() : start + head.end() + 20 * size]
    assert entries[:20] == b"0000000000 65535 f \n"
    for n in range(1, size):
        offset, gen, kind = entries[20 * n : 20 * n + 18].split()
        assert (gen, kind) == (b"00000", b"n")
        assert pdf[int(offset) :].startswith(b"%d 0 obj\n" % n), n
    return size - 1


def _fonts(pdf: bytes) -> list[str]:
    return sorted(set(re.findall(rb"/BaseFont /(\S+)", pdf)))


def test_register_is_the_pdf_reportlab_would_write(font, monkeypatch):
    opts = PrintOptions(font=font, print_date=date(2026, 11, 28))
    d = F.register(120)
    streamed = io.BytesIO()
    write_register(d, streamed, opts)
    monkeypatch.setattr(register, "StreamingCanvas", Canvas)
    whole = io.BytesIO()
    write_register(d, whole, opts)
    a, b = streamed.getvalue(), whole.getvalue()
    assert page_texts(a) == page_texts(b)
    assert _objects_at_their_offsets(a) == _objects_at_their_offsets(b)  # the same objects, renumbered
    assert _fonts(a) == _fonts(b) and len(a.split(b"/FontFile2")) == len(b.split(b"/FontFile2"))  # embedded once
    assert abs(len(a) - len(b)) < 100  # object numbers differ in their digits only
    assert len(PdfReader(io.BytesIO(a), strict=True).pages) == len(pdfium.PdfDocument(a)) == 6


def test_pages_are_not_kept_until_save(font):
    """What the document holds does not grow with the pages drawn: each went to the file."""
    out = io.BytesIO()
    canv = StreamingCanvas(out, pagesize=LANDSCAPE)
    held = []
    for page in range(1, 301):
        canv.setFont(font.name, 12)
        canv.drawString(72, 300, f"第 {page} 页 村民小组 {'甲乙丙丁戊己庚辛'[page % 8]}")
        canv.showPage()
        if page in (10, 300):
            doc = canv._doc
            held.append((len(doc.idToObject), len(doc.idToObjectNumberAndVersion), len(doc.Pages.pages)))
    canv.save()
    assert held[0] == held[1]
    pdf = out.getvalue()
    assert 2 * 300 < _objects_at_their_offsets(pdf) < 2 * 300 + 12  # pages, contents; fonts, tree, catalog...
    texts = page_texts(pdf)
    assert len(texts) == 300 and "第 300 页 村民小组 戊" in texts[-1]


def test_pdf_version_raised_after_the_first_page_is_corrected(font):
    out = io.BytesIO()
    canv = StreamingCanvas(out, pagesize=LANDSCAPE)
    canv.drawString(72, 300, "one")
    canv.showPage()
    canv._doc._pdfVersion = (1, 7)  # as if something needing a later version came later
    canv.drawString(72, 300, "two")
    canv.save()
    pdf = out.getvalue()
    assert pdf.startswith(b"%PDF-1.7\n") and PdfReader(io.BytesIO(pdf), strict=True).pdf_header == "%PDF-1.7"
    _objects_at_their_offsets(pdf)


def test_encryption_is_refused():
    with pytest.raises(ValueError):
        StreamingCanvas(io.BytesIO(), encrypt="secret")


def test_cancelled_register_leaves_no_file(tmp_path, font):
    """Pages were already written to the temporary file: a cancel still leaves nothing behind."""

    def cancel(done, total):
        raise KeyboardInterrupt

    target = tmp_path / "花名册.pdf"
    with pytest.raises(KeyboardInterrupt):
        write_registers([F.register(80), F.register(10)], target, PrintOptions(font=font, progress=cancel))
    assert list(tmp_path.iterdir()) == []
