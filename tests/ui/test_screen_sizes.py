"""Every screen fits a 1366×768 laptop at 100% and 125% (the main window and the household card
also a 1024×600 netbook), and the guide's screenshots are the screens `kace gui --screenshot-all`
writes, as they open now."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from app.ui import screenshots
from app.ui.screenshots import SCREEN, SMALL_SCREEN, fits, smallest_size
from tests.ui.test_gui_command import kace

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TASKBAR_AND_TITLE = 70  # what the window manager takes from the screen's height
MIN_SCREENS = 25
# screens whose size follows their text (and so the fonts of the machine): not compared by size
SIZED_BY_TEXT = {"error-dialog", "database-refused", "restore-1-menu", "restore-2-confirm", "restore-3-done",
                 "login", "workflow-step", "workflow-batch"}


def usable(screen):
    return screen[0], screen[1] - TASKBAR_AND_TITLE


def test_every_screen_can_be_made_small_enough(demo, window, tmp_path):
    too_big, names = [], []
    shots = [screenshots.setup_screens(tmp_path), screenshots.main_screens(window, tmp_path)]
    for shot in (s for gen in shots for s in gen):
        for _ in range(3):
            QApplication.processEvents()
        names.append(shot.name)
        if shot.kind in ("menu", "message"):
            continue  # Qt sizes its own menus and message boxes to the screen
        size = smallest_size(shot.widget)
        if not fits(size, usable(SCREEN), 1.25):
            too_big.append(f"{shot.name}: {size.width()}×{size.height()} at 125%")
        if shot.kind in ("main", "editor") and not fits(size, usable(SMALL_SCREEN)):
            too_big.append(f"{shot.name}: {size.width()}×{size.height()} on 1024×600")
    assert not too_big
    assert len(names) >= MIN_SCREENS and len(set(names)) == len(names)
    assert {f"editor-{i}-{k}" for i, k in enumerate(screenshots_tab_keys(), 1)} <= set(names)


def screenshots_tab_keys():
    from app.ui.editor.household_editor import TAB_KEYS

    return TAB_KEYS


def images_of(doc: str) -> list[str]:
    text = (DOCS / doc).read_text(encoding="utf-8")
    return re.findall(r"\]\(screenshots/([^)]+)\.png\)", text)


def pngs(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in sorted(folder.glob("*.png")):
        image = QImage(str(path))
        out[path.stem] = (image.width(), image.height())
    return out


def test_screenshot_all_writes_every_screen_the_guide_shows_at_the_size_it_opens(ctx, db_path, demo, tmp_path):
    ctx.engine.dispose()
    out = tmp_path / "shots"
    done = kace("gui", "--db", str(db_path), "--screenshot-all", str(out), env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    written = pngs(out)
    assert len(written) >= MIN_SCREENS
    assert all(w <= SCREEN[0] and h <= SCREEN[1] for w, h in written.values()), written
    # the guide references every screen, and only screens the command writes
    referenced = images_of("guide.md")
    assert set(referenced) == set(written), (set(written) - set(referenced), set(referenced) - set(written))
    # docs/screenshots holds those, each as large as the screen now opens; besides them only the
    # ones docs/sync.md shows, which tests/ui/test_sync_ui.py writes (KACE_SCREENSHOTS=docs/screenshots),
    # and the county web console's pages docs/county.md shows (tests/console/test_browser.py)
    shipped = pngs(DOCS / "screenshots")
    assert set(written) <= set(shipped)
    others = set(images_of("sync.md")) | set(images_of("county.md"))
    assert set(shipped) - set(written) <= others, set(shipped) - set(written) - others
    stale = {name: (shipped[name], size) for name, size in written.items()
             if name not in SIZED_BY_TEXT and shipped[name] != size}
    assert not stale, "docs/screenshots is older than the screens: kace gui --screenshot-all docs/screenshots"


def test_at_125_percent_every_screenshot_still_fits_the_laptop(ctx, db_path, demo, tmp_path):
    ctx.engine.dispose()
    out = tmp_path / "shots"
    done = kace("gui", "--db", str(db_path), "--screenshot-all", str(out), env_dir=tmp_path,
                extra_env={"QT_SCALE_FACTOR": "1.25"})
    assert done.returncode == 0, done.stderr
    written = pngs(out)
    assert len(written) >= MIN_SCREENS
    too_big = {n: s for n, s in written.items() if s[0] > SCREEN[0] or s[1] > SCREEN[1]}
    assert not too_big
