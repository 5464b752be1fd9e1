"""关于卡册 (version, database, schema version, log file) and the list of keyboard shortcuts."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app import paths
from app.db.migrate import head_revision
from app.ops import reads
from app.ui.layouts import fit_to_screen


class AboutDialog(QDialog):
    def __init__(self, app_ctx, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("关于卡册"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        revision = reads.schema_revision(app_ctx.ops)
        title = QLabel(self.tr("卡册 Kace {0}").format(paths.version()))
        title.setObjectName("editorHeader")
        intro = QLabel(self.tr("建档立卡贫困户户卡与村册管理（离线桌面版）"))
        form = QFormLayout()
        rows = (
            (self.tr("版本："), paths.version()),
            (self.tr("数据库："), str(app_ctx.db_path)),
            (self.tr("数据库结构版本："), self.tr("{0}（程序支持 {1}）").format(revision, head_revision())),
            (self.tr("日志文件："), str(paths.log_path())),
            (self.tr("设置文件："), str(app_ctx.settings.path)),
            (self.tr("当前用户："), app_ctx.user or self.tr("未登录")),
            (self.tr("界面字体："), QApplication.font().family()),
            (self.tr("Qt 版本："), f"Qt {qVersion()} / PySide6 {pyside_version}"),
        )
        for label, value in rows:
            field = QLabel(value)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setWordWrap(True)
            form.addRow(label, field)
        self.values = {label.rstrip("："): value for label, value in rows}
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        fit_to_screen(self, 620, 320)


EXTRA_KEYS = (
    ("Enter / 双击", "打开选中户的户卡"),
    ("↓（在搜索框中）", "转到户列表"),
    ("Esc（在搜索框中）", "清空搜索"),
    ("Ctrl+S（户卡中）", "保存户卡"),
    ("Esc（户卡中）", "关闭户卡（有未保存的修改时会询问）"),
    ("Alt+1 … Alt+9（户卡中）", "切换到第 1 … 9 个标签页"),
    ("Insert / Delete（成员、措施表中）", "添加 / 删除一条记录"),
)


class ShortcutsDialog(QDialog):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("快捷键"))
        rows = []
        for action in window.actions_.values():
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
            if keys:
                rows.append((" / ".join(keys), action.text().replace("&", "").split("(")[0].rstrip("…")))
        rows.extend((self.tr(k), self.tr(v)) for k, v in EXTRA_KEYS)
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels([self.tr("按键"), self.tr("功能")])
        for i, (key, what) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(key))
            table.setItem(i, 1, QTableWidgetItem(what))
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        table.setColumnWidth(0, 240)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        fit_to_screen(self, 560, 520)
