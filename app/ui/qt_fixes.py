"""Work-around for a reference-counting bug of the Qt binding, installed when app.ui is imported.

PySide6 6.12.0 on Python 3.11 returns None from every void method (setText, repaint,
processEvents...) and True from `Signal.emit()` without taking a reference to it, so each such call
drops one reference of None or True. After some tens of thousands of calls — a few minutes of
scrolling, or simply at exit — the count reaches zero and the interpreter aborts ("none_dealloc",
"bool_dealloc"). Python 3.12 made these singletons immortal, which is why the bug does not show
there. Here we do what 3.12 does: give None, True and False a reference count no program can use
up. It is applied only when a probe shows the bug, on an interpreter without immortal objects.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject

IMMORTAL = 1 << 40  # ~10^12 lost references before anything could go wrong
SINGLETONS = (None, True, False)


def binding_drops_references() -> bool:
    """Whether calling a void method of the binding loses a reference of None."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 8


def _add_references(obj: object, n: int) -> None:
    # ob_refcnt is the first field of every object (CPython, non-debug builds)
    ctypes.c_ssize_t.from_address(id(obj)).value += n


def install() -> bool:
    """True when the singletons were made immortal (once per process)."""
    if sys.version_info >= (3, 12) or getattr(sys, "_kace_immortal_singletons", False):
        return False
    if not binding_drops_references():
        return False
    for obj in SINGLETONS:
        _add_references(obj, IMMORTAL)
    sys._kace_immortal_singletons = True
    return True


FIXED = install()
