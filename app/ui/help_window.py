"""帮助 › 使用手册: docs/guide.md in a window, with its screenshots, a table of contents and 查找.

The guide and docs/screenshots ship with the program (packaging/kace.spec puts docs/ beside app/
in the bundle, which is where GUIDE points in a frozen build too).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QImage,
    QKeySequence,
    QShortcut,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.ui.layouts import fit_to_screen

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"
MAX_IMAGE_WIDTH = 860  # screenshots are 1280 px wide; shrink them to the reading column


class HelpWindow(QDialog):
    """Non-modal; 帮助 › 使用手册 (app/ui/tool_windows.py) keeps one and raises it."""

    def __init__(self, guide: Path = GUIDE, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowTitle(self.tr("卡册使用手册"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.guide = Path(guide)
        self.browser = QTextBrowser()
        self.browser.setObjectName("guide")
        self.browser.setOpenExternalLinks(True)
        self.toc = QListWidget()
        self.toc.setObjectName("toc")
        self.find = QLineEdit()
        self.find.setObjectName("find")
        self.find.setPlaceholderText(self.tr("查找（回车查找下一处）"))
        self.find.setClearButtonEnabled(True)
        self.status = QLabel()
        self.status.setObjectName("hint")
        find_label = QLabel(self.tr("查找(&F)："))
        find_label.setBuddy(self.find)
        top = QHBoxLayout()
        top.addWidget(find_label)
        top.addWidget(self.find, 1)
        top.addWidget(self.status)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.toc)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.toc.itemActivated.connect(self._go)
        self.toc.itemClicked.connect(self._go)
        self.find.returnPressed.connect(self.find_next)
        self.find.textChanged.connect(lambda _t: self.status.clear())
        QShortcut(QKeySequence.StandardKey.Find, self, activated=lambda: (self.find.setFocus(), self.find.selectAll()))
        QShortcut(QKeySequence.StandardKey.FindNext, self, activated=self.find_next)
        self.browser.sourceChanged.connect(self._loaded)
        self.load()
        fit_to_screen(self, 1160, 780)

    def load(self) -> None:
        if not self.guide.is_file():
            self.browser.setPlainText(self.tr("找不到使用手册文件：{0}").format(self.guide))
            return
        self.browser.setSearchPaths([str(self.guide.parent)])
        self.browser.setSource(QUrl.fromLocalFile(str(self.guide)), QTextDocument.ResourceType.MarkdownResource)

    def _loaded(self, _url=None) -> None:
        self._fit_images()
        self._this_computer()
        self._fill_toc()

    WHERE_HEADING = "数据保存在哪里"

    def _this_computer(self) -> None:
        """Under 数据保存在哪里: the folders of this computer (the guide's table lists Windows
        and Linux; the reader needs only the one they sit at, spelled as their system does)."""
        from app import paths

        block = self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() and block.text().strip() == self.WHERE_HEADING:
                cursor = QTextCursor(block)
                cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
                cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
                bold = QTextCharFormat()
                bold.setFontWeight(QFont.Weight.Bold)
                cursor.insertText(self.tr("这台电脑上："), bold)
                cursor.insertText(self.tr("数据文件夹 {0}；默认数据库 {1}；日志 {2}；设置文件 {3}").format(
                    paths.data_dir(), paths.default_db_path(), paths.log_path(), paths.config_dir() / "kace.ini"),
                    QTextCharFormat())
                self.this_computer = cursor.block().text()
                return
            block = block.next()

    this_computer = ""

    def _fit_images(self) -> None:
        """Shrink wide screenshots to the reading column (keeping their proportions)."""
        document = self.browser.document()
        base = Path(self.browser.source().toLocalFile() or self.guide).parent
        block = document.begin()
        cursor = QTextCursor(document)
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                fmt = fragment.charFormat()
                if fmt.isImageFormat():
                    image_fmt = fmt.toImageFormat()
                    image = QImage(str(base / image_fmt.name()))
                    if not image.isNull() and image.width() > MAX_IMAGE_WIDTH:
                        image_fmt.setWidth(MAX_IMAGE_WIDTH)
                        image_fmt.setHeight(image.height() * MAX_IMAGE_WIDTH / image.width())
                        cursor.setPosition(fragment.position())
                        cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                        cursor.setCharFormat(image_fmt)
                it += 1
            block = block.next()

    def _fill_toc(self) -> None:
        self.toc.clear()
        block = self.browser.document().begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if level in (1, 2, 3) and block.text().strip():
                item = QListWidgetItem(("    " * max(0, level - 2)) + block.text().strip())
                item.setData(Qt.ItemDataRole.UserRole, block.position())
                self.toc.addItem(item)
            block = block.next()

    def headings(self) -> list[str]:
        return [self.toc.item(i).text().strip() for i in range(self.toc.count())]

    def _go(self, item: QListWidgetItem) -> None:
        self.show_heading(item.text().strip())

    def show_heading(self, text: str) -> bool:
        """Scroll so the heading `text` is at the top."""
        document = self.browser.document()
        block = document.begin()
        while block.isValid():
            if block.blockFormat().headingLevel() and block.text().strip() == text:
                self.browser.setTextCursor(QTextCursor(block))
                top = document.documentLayout().blockBoundingRect(block).top()
                self.browser.verticalScrollBar().setValue(int(top))
                return True
            block = block.next()
        return False

    def find_next(self) -> bool:
        text = self.find.text().strip()
        if not text:
            return False
        if self.browser.find(text):
            self.status.clear()
            return True
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)  # from the top again
        found = self.browser.find(text)
        self.status.setText(self.tr("已从头查找") if found else self.tr("没有找到"))
        return found

