"""Screenshots of the set-up wizard's pages (offscreen, on a 1366×768 screen):

    python -m app.ui.first_run --out docs/screenshots

Every other screen (and these again): `kace gui --db demo.db --screenshot-all DIR`
(app/ui/screenshots.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from app.ui.capture import save_png
from app.ui.qapp import make_qapp


def main(argv=None) -> int:
    from app.ui.screenshots import SCREEN, setup_screens

    parser = argparse.ArgumentParser(description="设置向导的截图")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    make_qapp(offscreen=True, screen=SCREEN)
    with tempfile.TemporaryDirectory() as tmp:
        for shot in setup_screens(Path(tmp)):
            save_png(shot.widget, args.out / f"{shot.name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
