"""The first two pages of the set-up wizard: where the database lives (or open one that exists),
and whether this is the county's real work or a demo county."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app import paths
from app.db import location
from app.db.migrate import DatabaseRefused, inspect_file
from app.ui.first_run.page_parts import ADMIN, REGIONS, hint, message_label

DEMO_DEFAULT = 1000


# --- 1. where the data lives ---------------------------------------------------------------------


class LocationPage(QWizardPage):
    def __init__(self, wizard: QWizard, default_path: Path):
        super().__init__(wizard)
        self.setTitle(self.tr("欢迎使用卡册"))
        self.setSubTitle(self.tr("第一次使用，请先完成几项设置。第 1 步：数据保存在哪里。"))
        intro = QLabel(self.tr(
            "卡册把本机的全部数据（户、成员、走访、帮扶措施、用户账号）保存在一个数据库文件中。"
            "一般使用默认位置即可；如果想放在其他磁盘（例如 D 盘），请点“更改”。"))
        intro.setWordWrap(True)
        self.path = QLineEdit(str(default_path))
        self.path.setObjectName("dbPath")
        change = QPushButton(self.tr("更改(&C)…"))
        change.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(change)
        label = QLabel(self.tr("数据库文件(&F)："))
        label.setBuddy(self.path)
        form = QFormLayout()
        form.addRow(label, row)
        self.note = hint("")
        self.message = message_label()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(hint(self.tr(
            "提示：程序每天自动在数据库所在文件夹的 backups 中保留最近 7 天的备份；"
            "也可以随时用“文件 › 备份数据库”另存一份到 U 盘。")))
        self.path.textChanged.connect(self._changed)
        self._changed()

    def db_path(self) -> Path:
        path = Path(self.path.text().strip()).expanduser()
        if path.is_dir():
            path = path / paths.default_db_path().name
        elif not path.suffix:
            path = path.with_suffix(".db")
        return path

    def _changed(self) -> None:
        self.message.clear()
        if not self.path.text().strip():
            self.note.setText("")
        elif self.db_path() == paths.default_db_path():
            self.note.setText(self.tr("这是默认位置（本机用户的数据文件夹）。"))
        else:
            self.note.setText(self.tr("以后启动卡册时会自动打开这个文件。"))
        self.completeChanged.emit()

    def _browse(self) -> None:
        chosen = self.wizard().interaction.ask_save_path(
            self.tr("数据库文件保存在哪里"), self.tr("卡册数据库 (*.db)"), str(self.db_path()))
        if chosen is not None:
            self.path.setText(str(chosen))

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        path = self.db_path()
        risk = location.classify(path)
        if risk is not None:  # a network share or a cloud-synced folder corrupts SQLite
            self.message.setText(risk.message(path))
            return False
        if path.exists():
            try:
                state = inspect_file(path)
            except DatabaseRefused as e:
                self.message.setText(e.message)
                return False
            if not state.has_tables:
                self.message.setText(self.tr("文件已存在，但不是卡册数据库：{0}。请另选一个文件名。").format(path))
                return False
            wizard = self.wizard()
            if wizard.interaction.confirm(
                    self.tr("已有数据库"),
                    self.tr("这个位置已经有一个卡册数据库：\n{0}\n\n直接打开它吗？").format(path),
                    self.tr("打开")):
                wizard.use_existing(path)
            return False
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            self.message.setText(self.tr("文件夹不存在：{0}").format(path.parent))
            return False
        return True


# --- 2. real county or demo ----------------------------------------------------------------------


class ModePage(QWizardPage):
    def __init__(self, wizard: QWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("使用方式"))
        self.setSubTitle(self.tr("第 2 步：正式使用，还是先用演示数据熟悉操作。"))
        self.real = QRadioButton(self.tr("建立本县的工作数据库(&W)"))
        self.real.setObjectName("modeReal")
        self.demo = QRadioButton(self.tr("试用：生成演示数据(&D)"))
        self.demo.setObjectName("modeDemo")
        self.real.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.real)
        group.addButton(self.demo)
        self.households = QSpinBox()
        self.households.setObjectName("demoHouseholds")
        self.households.setRange(10, 50000)
        self.households.setSingleStep(500)
        self.households.setValue(DEMO_DEFAULT)
        self.households.setSuffix(self.tr(" 户"))
        households_label = QLabel(self.tr("演示户数(&H)："))
        households_label.setBuddy(self.households)
        demo_row = QHBoxLayout()
        demo_row.addSpacing(24)
        demo_row.addWidget(households_label)
        demo_row.addWidget(self.households)
        demo_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.real)
        layout.addWidget(self._indent(hint(self.tr(
            "下一步选择本县和本机负责的村，再建立管理员账号。完成后可以立即导入国家系统导出的花名册（Excel），"
            "或在“户籍 › 新建户”中逐户录入。"))))
        layout.addSpacing(12)
        layout.addWidget(self.demo)
        layout.addWidget(self._indent(hint(self.tr(
            "生成一个虚构的演示县：村、户、成员、收入、帮扶措施和走访记录都是编造的，人名和身份证号也是编造的。"
            "用于培训和熟悉操作；不要在演示数据库中录入真实数据。户数越多生成越慢（1000 户约需半分钟）。"))))
        layout.addLayout(demo_row)
        layout.addStretch(1)
        self.real.toggled.connect(self._toggled)
        self._toggled()

    @staticmethod
    def _indent(widget: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(24, 0, 0, 0)
        row.addWidget(widget)
        return box

    def _toggled(self) -> None:
        self.households.setEnabled(self.demo.isChecked())

    def is_demo(self) -> bool:
        return self.demo.isChecked()

    def nextId(self) -> int:
        return ADMIN if self.is_demo() else REGIONS
