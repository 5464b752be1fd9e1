"""One print run: options in, result out, and the all-or-nothing write of the PDF."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from reportlab import rl_config

from app import fileops
from app.printing.fonts import CJKFont, FontCheck, FontSpec, MissingChar, MissingCharsError, load_font

# Binary page streams: smaller files, and reportlab's pure-Python ASCII85 encoder (used when the optional
# rl_accel package is absent) costs ~10 % of a run.
rl_config.useA85 = 0

Output = str | os.PathLike | BinaryIO
Progress = Callable[[int, int], None]  # (done, total); raising from it cancels the run, nothing is written


@dataclass(frozen=True)
class PrintOptions:
    """How to print: the font (path, spec or loaded font; None searches the machine), the date in the
    footer (today if None), `strict` to refuse printing when the font lacks a character, and a progress
    callback called after each household/part."""

    font: str | os.PathLike | FontSpec | CJKFont | None = None
    print_date: date | None = None
    strict: bool = False
    progress: Progress | None = None


@dataclass(frozen=True)
class PrintResult:
    """What was written: the path (or the stream passed in), the page count, and every character the
    font lacked, with its record, which the caller must show to the user."""

    output: Path | BinaryIO
    pages: int
    missing: list[MissingChar] = field(default_factory=list)


class Job:
    """The state one document run shares: font, character check, print date, progress."""

    def __init__(self, opts: PrintOptions | None = None):
        opts = opts or PrintOptions()
        self.font = load_font(opts.font)
        self.check = FontCheck(self.font)
        self.text = self.check.text
        self.print_date = opts.print_date or date.today()
        self.strict = opts.strict
        self.progress = opts.progress
        self.cells: dict[tuple[str, float, float], str] = {}  # wrapped cell texts (tables.cell)

    def finish(self, output: Path | BinaryIO, pages: int) -> PrintResult:
        """The result; in strict mode raises MissingCharsError (inside `atomic_output`, so no file)."""
        if self.strict and self.check.missing:
            raise MissingCharsError(self.check.missing)
        return PrintResult(output, pages, list(self.check.missing))


@contextmanager
def atomic_output(out: Output) -> Iterator[BinaryIO]:
    """A stream to write the PDF into; it reaches `out` only if the block succeeds.

    A path gets a temporary file in the same folder that is renamed over it at the end (rename is atomic
    on one file system), so a crash or a cancel never leaves half a PDF. A stream gets the bytes in one
    write at the end.
    """
    if isinstance(out, (str, os.PathLike)):
        # app/fileops: the swap is retried while WPS (or an antivirus) holds the old PDF open
        with fileops.atomic_write(out) as f:
            yield f
    else:
        buf = io.BytesIO()
        yield buf
        out.write(buf.getvalue())


def output_of(out: Output) -> Path | BinaryIO:
    return Path(out) if isinstance(out, (str, os.PathLike)) else out
