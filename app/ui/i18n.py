"""Chinese everywhere: Qt's own translation (buttons of standard dialogs, context menus), the
Chinese locale (calendar, number formats) and a font that has the characters."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger("kace.ui")

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
# Windows first (what the laptops have), then what Linux desktops ship.
CJK_FAMILIES = ("Microsoft YaHei UI", "Microsoft YaHei", "微软雅黑", "SimHei", "SimSun", "DengXian",
                "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                "WenQuanYi Zen Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN")


def install_translations(app: QApplication) -> list[QTranslator]:
    """Load qtbase_zh_CN (and our own kace_zh_CN.qm when there is one); keep them alive."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    loaded = []
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, where in (("qtbase_zh_CN", folder), ("kace_zh_CN", str(RESOURCES / "translations"))):
        translator = QTranslator(app)
        if translator.load(name, where):
            app.installTranslator(translator)
            loaded.append(translator)
        elif name.startswith("qt"):
            log.warning("Qt translation %s not found in %s", name, folder)
    return loaded


def cjk_family() -> str | None:
    families = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in families:
            return family
    for family in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        return family
    return None


def apply_font(app: QApplication, point_size: int = 10) -> str | None:
    family = cjk_family()
    font = QFont(family) if family else app.font()
    font.setPointSize(point_size)
    app.setFont(font)
    return family


def apply_style(app: QApplication) -> None:
    qss = RESOURCES / "kace.qss"
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
