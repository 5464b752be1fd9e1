"""帮助 › 使用手册: docs/guide.md in a window, with its screenshots, table of contents and 查找."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument

from app.ui.help_window import GUIDE, HelpWindow

ROOT = Path(__file__).resolve().parents[2]


def test_the_guide_window_shows_the_guide_with_its_screenshots(qtbot):
    window = HelpWindow(GUIDE)
    qtbot.addWidget(window)
    window.show()
    text = window.browser.toPlainText()
    assert "卡册使用手册" in text and "设置向导" in text and "恢复" in text
    headings = window.headings()
    for expected in ("安装", "第一次使用：设置向导", "登录", "日常录入", "走访", "打印", "数据核查",
                     "Excel 导入和导出", "同步日", "备份和恢复", "数据库加密", "出了问题怎么办"):
        assert expected in headings
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", GUIDE.read_text(encoding="utf-8"))
    assert len(images) >= 20
    document = window.browser.document()
    for name in images:
        assert (GUIDE.parent / name).is_file(), name
        assert document.resource(QTextDocument.ResourceType.ImageResource, QUrl(name)) is not None, name
    assert window.show_heading("备份和恢复")
    assert window.browser.verticalScrollBar().value() > 0
    window.find.setText("恢复备份")
    assert window.find_next()
    assert window.browser.textCursor().selectedText() == "恢复备份"


def test_help_menu_opens_the_guide(window):
    action = window.actions_["guide"]
    assert window.menu("帮助").actions()[0] is action
    action.trigger()
    guide = window.tool_windows.guide_window
    assert guide.isVisible() and "卡册使用手册" in guide.browser.toPlainText()
    action.trigger()
    assert window.tool_windows.guide_window is guide  # one window, raised again
    guide.close()


def test_a_missing_guide_says_where_it_was_looked_for(qtbot, tmp_path):
    window = HelpWindow(tmp_path / "guide.md")
    qtbot.addWidget(window)
    assert "找不到使用手册文件" in window.browser.toPlainText()


def test_the_packaged_program_carries_the_guide():
    spec = (ROOT / "packaging" / "kace.spec").read_text(encoding="utf-8")
    assert '"guide.md"' in spec and '"screenshots"' in spec
    assert GUIDE == ROOT / "docs" / "guide.md"


def test_the_guide_window_names_this_computers_folders(qtbot, tmp_path, monkeypatch):
    """Platform-appropriate paths: the folders as this system spells them, not the other's."""
    import os

    from app import paths
    from app.ui.help_window import HelpWindow

    monkeypatch.setenv("KACE_DATA_DIR", str(tmp_path))
    window = HelpWindow()
    qtbot.addWidget(window)
    assert window.this_computer.startswith("这台电脑上：")
    assert str(paths.log_path()) in window.this_computer
    assert str(tmp_path) in window.this_computer and os.sep in window.this_computer
