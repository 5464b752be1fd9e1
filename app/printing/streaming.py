"""A reportlab Canvas that writes each finished page to the file at once, so memory stays flat.

reportlab keeps every page (its whole uncompressed content stream, ~20 KB for a register page) in its
PDFDocument until `save()`, then formats the whole file in memory and writes it in one piece: memory
grows with the document (62 MB for a 50,000-row register). It has no incremental writer, but its
objects format themselves one by one (`PDFIndirectObject.format`), and a finished page needs nothing
that comes later: its content stream is complete, its fonts and page tree are references by object
number. So `showPage()` here formats the page and its content stream, writes them, notes their byte
offsets and forgets them. Everything else (the font subsets, which are known only at the end, the page
tree, catalog, info) is written by `save()`, followed by the cross-reference table and trailer, as
reportlab's own `PDFDocument.format` does. The fonts are embedded once, as before.

What it relies on in reportlab (pinned in pyproject.toml; tests/printing/test_streaming.py checks the
result with pypdf and pdfium): `PDFDocument`'s object tables (`idToObject`, `idToObjectNumberAndVersion`,
`numberToId`, `objectcounter`), `Pages.pages`, and the steps of `GetPDFData`/`format`. Not supported:
encryption, and links or bookmarks to pages already written (their names are forgotten, so formatting
such a reference fails loudly, it never writes a broken file).
"""

from __future__ import annotations

from array import array
from typing import BinaryIO

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas


class _PageTree(pdfdoc.PDFPages):
    """The page tree, holding the object numbers of pages already written instead of the pages."""

    def __init__(self) -> None:
        super().__init__()
        self.written = array("q")

    def check_format(self, document: pdfdoc.PDFDocument) -> None:
        if self.pages:  # save() writes every page before the tree
            raise RuntimeError("page tree formatted before its pages were written")
        self.Kids = pdfdoc.PDFArray([b"%d 0 R" % n for n in self.written])
        self.Count = len(self.written)


class StreamingCanvas(Canvas):
    """A Canvas on a binary stream that receives each page as soon as it is finished.

    Use it like a Canvas; the stream must be seekable (a file or BytesIO), since the PDF version in
    the header is corrected at the end if something raised it meanwhile.
    """

    def __init__(self, stream: BinaryIO, *args: object, **kw: object):
        if kw.get("encrypt"):
            raise ValueError("StreamingCanvas does not encrypt")
        super().__init__(stream, *args, **kw)
        self._out = stream
        self._offset = 0
        self._offsets = array("q")  # byte offset of each object, by object number
        self._version: tuple[int, int] | None = None  # the one the header states
        doc = self._doc
        doc.Pages = doc.Catalog.Pages = _PageTree()

    # --- output ---------------------------------------------------------------------------------

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self._offset += len(data)

    def _header(self) -> None:
        if self._version is None:
            self._version = tuple(self._doc._pdfVersion)
            head = pdfdoc.PDFFile(self._version)  # reportlab's own header line and binary comment
            self._emit(b"".join(head.strings))

    def _write(self, oid: str, forget: bool = True) -> None:
        """Format object `oid` and write it; `forget` drops it from the document's tables (the xref
        keeps its offset), which only a page and its content stream may: nothing refers to them
        later, while the objects save() writes refer to one another (by name or by object)."""
        doc = self._doc
        obj = doc.idToObject[oid]
        n = doc.idToObjectNumberAndVersion[oid][0]
        data = pdfdoc.PDFIndirectObject(oid, obj).format(doc)
        if not rl_config.invariant and rl_config.pdfComments:
            self._emit(pdfdoc.pdfdocEnc(f"% {oid!a}: class {obj.__class__.__name__[:50]} \n"))
        if len(self._offsets) <= n:
            self._offsets.extend([0] * (n + 1 - len(self._offsets) + 256))
        self._offsets[n] = self._offset
        self._emit(data)
        if forget:
            del doc.idToObject[oid], doc.idToObjectNumberAndVersion[oid], doc.numberToId[n]

    # --- Canvas ---------------------------------------------------------------------------------

    def showPage(self) -> None:
        super().showPage()
        self._header()
        tree = self._doc.Pages
        for page in tree.pages:
            oid = page.__InternalName__
            n = self._doc.idToObjectNumberAndVersion[oid][0]
            self._write(oid)  # formatting the page registers its content stream
            self._write(page.Contents.__InternalName__)
            tree.written.append(n)
        tree.pages.clear()

    def save(self) -> None:
        """Write what is left (fonts, page tree, catalog, info...), the xref and the trailer."""
        if len(self._code):
            self.showPage()
        self._header()
        doc = self._doc
        # the steps of PDFDocument.GetPDFData and format, writing as they go
        for font in doc.delayedFonts:
            font.addObjects(doc)  # the font subsets, now that every character is known
        doc.info.invariant = doc.invariant
        doc.info.digest(doc.signature)
        catalog, info = doc.Reference(doc.Catalog), doc.Reference(doc.info)
        doc.Outlines.prepare(doc, self)
        if doc.Outlines.ready < 0:
            doc.Catalog.Outlines = None
        doc.encrypt.prepare(doc)
        if doc.encrypt.info() is not None:
            raise ValueError("StreamingCanvas does not encrypt")
        n = 1
        while n <= doc.objectcounter:  # grows while formatting: objects register what they refer to
            oid = doc.numberToId.get(n)
            if oid is not None:
                self._write(oid, forget=False)
            n += 1
        count = doc.objectcounter
        offsets = self._offsets
        if len(offsets) <= count or any(offsets[i] == 0 for i in range(1, count + 1)):
            raise RuntimeError("an object of the PDF was never written")
        xref = self._offset
        rows = [b"xref\n0 %d\n0000000000 65535 f " % (count + 1)]
        rows += [b"%010d 00000 n " % offsets[i] for i in range(1, count + 1)]
        self._emit(b"\n".join(rows) + b"\n")
        trailer = pdfdoc.PDFTrailer(startxref=xref, Size=count + 1, Root=catalog, Info=info, ID=doc.ID())
        self._emit(trailer.format(doc))
        version = tuple(doc._pdfVersion)
        if version != self._version:  # raised after the header was written (e.g. transparency)
            self._out.seek(0)
            self._out.write(pdfdoc.PDFFile(version).strings[0][: len(b"%PDF-1.3")])
            self._out.seek(0, 2)
