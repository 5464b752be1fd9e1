"""The QApplication of the program: Chinese translations, font and style, and for scripts and
screenshots an offscreen screen of a given size."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app import paths


def make_qapp(offscreen: bool = False, screen: tuple[int, int] | None = None):
    """The QApplication; `offscreen` with `screen` (width, height): an offscreen screen of that
    size (the plugin's own is 800×600), so windows open as on such a laptop."""
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen" if screen is None else \
            f"offscreen:configfile={_offscreen_config(*screen)}"
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from app.ui import i18n

    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName("kace")
        QCoreApplication.setApplicationName("卡册")
        QCoreApplication.setApplicationVersion(paths.version())
        app = QApplication(sys.argv[:1])
        app.setStyle("Fusion")
        app._kace_translators = i18n.install_translations(app)
        i18n.apply_font(app)
        i18n.apply_style(app)
    return app


def _offscreen_config(width: int, height: int) -> str:
    import json
    import tempfile

    config = {"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
              "screens": [{"name": "kace", "x": 0, "y": 0, "width": width, "height": height,
                           "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
    path = Path(tempfile.gettempdir()) / f"kace-offscreen-{width}x{height}.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return str(path)
