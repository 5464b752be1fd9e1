"""Reading back what a document printed."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader

FOOTER = re.compile(r"第 (\d+) 页 共 (\d+) 页")


def page_texts(src: Path | io.BytesIO | bytes) -> list[str]:
    if isinstance(src, bytes):
        src = io.BytesIO(src)
    elif isinstance(src, io.BytesIO):
        src = io.BytesIO(src.getvalue())
    return [page.extract_text() for page in PdfReader(src).pages]


def footers(texts: list[str]) -> list[tuple[int, int]]:
    """(x, y) of "第 x 页 共 y 页" on each page (exactly one per page)."""
    out = []
    for text in texts:
        found = FOOTER.findall(text)
        assert len(found) == 1, text[-200:]
        out.append((int(found[0][0]), int(found[0][1])))
    return out
