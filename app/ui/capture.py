"""Pictures of the running program: wait until a window has settled and save a PNG of it
(`kace gui --screenshot`, the guide's screenshots, the tests). Return values are exit codes:
0 saved, 1 not saved, 2 no such household."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def wait_until(predicate, timeout: float = 60.0) -> bool:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents()
        time.sleep(0.005)
    return True


def settle_window(window) -> None:
    from PySide6.QtWidgets import QApplication

    wait_until(lambda: window.list.is_loaded() and window.tree.model_.rowCount() > 0)
    window.settle()
    for _ in range(5):
        QApplication.processEvents()


def screenshot(window, out: Path, household_code: str | None = None, tab: int | None = None) -> int:
    """Show the window offscreen, wait for the list, save a PNG of it (or of an editor)."""
    from app.ops import reads

    window.resize(1280, 760)
    window.show()
    settle_window(window)
    target = window
    if household_code:
        household_id = reads.household_id_by_code(window.app.ops, household_code, live_only=True)
        if household_id is None:
            print(f"错误：户编号不存在：{household_code}", file=sys.stderr)
            return 2
        window.list.select_household(household_id)
        target = window.open_household(household_id, tab)
        target.resize(1100, 700)
        settle_window(window)
    return save_png(target, out)


def save_png(widget, out: Path) -> int:
    from PySide6.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pixmap = widget.grab()
    if not pixmap.save(str(out), "PNG"):
        print(f"错误：无法保存截图：{out}", file=sys.stderr)
        return 1
    print(f"截图已保存：{out}（{pixmap.width()}×{pixmap.height()}）", file=sys.stderr)
    return 0
