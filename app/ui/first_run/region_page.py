"""首次设置 (the first-run wizard): where the database lives, real county or demo data, the county and
the villages this laptop serves, the first administrator, then the database is built.

Every question to the user goes through the interaction layer; every write goes through app/ops
(setup.populate) on the database worker thread, on a freshly migrated database built under a
temporary name and renamed only when complete: 取消 at any point leaves no database behind.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app import paths
from app.db import location
from app.db.migrate import DatabaseRefused, inspect_file, open_sqlite
from app.domain import roles
from app.domain.errors import DomainError
from app.ui import errors
from app.ui.first_run import setup
from app.ui.first_run.region_list import Place, RegionList, bundled, normalize_code, parent_code, place, read_file
from app.ui.first_run.setup import SetupPlan, SetupReport
from app.ui.layouts import fit_to_screen

log = logging.getLogger("kace.ui")
DEMO_DEFAULT = 1000
CODE_ROLE = Qt.ItemDataRole.UserRole


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def _message() -> QLabel:
    label = QLabel()
    label.setObjectName("saveReason")  # the red of inline messages (resources/kace.qss)
    label.setWordWrap(True)
    return label


# --- 1. where the data lives ---------------------------------------------------------------------


class LocationPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard, default_path: Path):
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
        self.note = _hint("")
        self.message = _message()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(_hint(self.tr(
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
    def __init__(self, wizard: FirstRunWizard):
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
        layout.addWidget(self._indent(_hint(self.tr(
            "下一步选择本县和本机负责的村，再建立管理员账号。完成后可以立即导入国家系统导出的花名册（Excel），"
            "或在“户籍 › 新建户”中逐户录入。"))))
        layout.addSpacing(12)
        layout.addWidget(self.demo)
        layout.addWidget(self._indent(_hint(self.tr(
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
        return FirstRunWizard.ADMIN if self.is_demo() else FirstRunWizard.REGIONS


# --- 3. the county and the villages --------------------------------------------------------------


class RegionPage(QWizardPage):
    """The county (from resources/regions or typed) and the villages this laptop serves: ticked
    in the tree, typed (12-digit code and name) or imported from a region list file."""

    OTHER = ""

    def __init__(self, wizard: FirstRunWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("县和村"))
        self.setSubTitle(self.tr("第 3 步：选择本县，勾选本机负责的村（可以多个）。列表中没有的村请在下方添加。"))
        self.regions: RegionList = wizard.regions
        self.checked: set[str] = set()
        self._national: dict[str, bool] = {}  # county code -> found in the built-in national list

        self.county = QComboBox()
        self.county.setObjectName("county")
        for c in self.regions.counties():
            self._add_county_item(c)
        self.county.addItem(self.tr("其他县（输入县级代码，自动列出全国区划中的乡镇和村）"), self.OTHER)
        self.county_code = QLineEdit()
        self.county_code.setObjectName("countyCode")
        self.county_code.setPlaceholderText(self.tr("6 位或 12 位，例如 450881"))
        self.county_name = QLineEdit()
        self.county_name.setObjectName("countyName")
        self.county_name.setPlaceholderText(self.tr("例如 桂平市"))
        self.other_box = QWidget()
        other = QHBoxLayout(self.other_box)
        other.setContentsMargins(0, 0, 0, 0)
        code_label = QLabel(self.tr("县级区划代码(&Y)："))
        code_label.setBuddy(self.county_code)
        name_label = QLabel(self.tr("县名(&M)："))
        name_label.setBuddy(self.county_name)
        for w in (code_label, self.county_code, name_label, self.county_name):
            other.addWidget(w)

        self.filter = QLineEdit()
        self.filter.setObjectName("villageFilter")
        self.filter.setPlaceholderText(self.tr("输入乡镇或村名的一部分"))
        self.filter.setClearButtonEnabled(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("villageTree")
        self.tree.setHeaderLabels([self.tr("乡镇 / 村"), self.tr("区划代码")])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)

        self.code = QLineEdit()
        self.code.setObjectName("newCode")
        self.code.setPlaceholderText(self.tr("村 12 位 / 乡镇 9 位"))
        self.name = QLineEdit()
        self.name.setObjectName("newName")
        self.name.setPlaceholderText(self.tr("例如 长河村"))
        self.add_button = QPushButton(self.tr("添加(&A)"))
        self.add_button.setObjectName("addPlace")
        self.import_button = QPushButton(self.tr("从区划文件导入(&I)…"))
        self.import_button.setObjectName("importRegions")
        self.count = QLabel()
        self.count.setObjectName("villageCount")
        self.message = _message()

        top = QFormLayout()
        top.addRow(self.tr("县（市、区）(&X)："), self.county)
        top.addRow("", self.other_box)
        top.addRow(self.tr("查找(&S)："), self.filter)
        add = QGridLayout()
        code_label2 = QLabel(self.tr("区划代码(&D)："))
        code_label2.setBuddy(self.code)
        name_label2 = QLabel(self.tr("名称(&N)："))
        name_label2.setBuddy(self.name)
        add.addWidget(code_label2, 0, 0)
        add.addWidget(self.code, 0, 1)
        add.addWidget(name_label2, 0, 2)
        add.addWidget(self.name, 0, 3)
        add.addWidget(self.add_button, 0, 4)
        add.setColumnStretch(1, 2)
        add.setColumnStretch(3, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addLayout(bottom)
        layout.addLayout(add)
        layout.addWidget(_hint(self.tr(
            "村的区划代码是 12 位：所属乡镇的 9 位代码加 3 位（例如 450881101201）；选中一个乡镇时，代码框会先填好它的 9 位。"
            "也可以用县里发的区划文件（每行“区划代码,名称”的 CSV）一次导入。")))
        layout.addWidget(self.message)

        self.county.currentIndexChanged.connect(self._county_changed)
        self.county_code.editingFinished.connect(self._county_changed)
        self.county_name.editingFinished.connect(self._county_changed)
        self.county_code.textChanged.connect(self.completeChanged)
        self.county_name.textChanged.connect(self.completeChanged)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.add_button.clicked.connect(self.add_place)
        self.name.returnPressed.connect(self.add_place)
        self.import_button.clicked.connect(self.import_file)
        self._county_changed()

    # --- the county ---------------------------------------------------------------------------

    def _add_county_item(self, county: Place) -> None:
        above = " ".join(p.name for p in self.regions.lineage(county.code))
        label = f"{county.name}（{above + '，' if above else ''}{county.code[:6]}）"
        self.county.insertItem(max(0, self.county.count() - (1 if self._has_other() else 0)), label, county.code)

    def _has_other(self) -> bool:
        return self.county.count() > 0 and self.county.itemData(self.county.count() - 1) == self.OTHER

    def county_place(self) -> Place | None:
        code = self.county.currentData()
        if code:
            return self.regions.get(code)
        try:
            code = normalize_code(self.county_code.text())
        except DomainError:
            return None
        name = self.county_name.text().strip()
        if not name or parent_code(code) is None or len(code.rstrip("0")) > 6 or code[4:6] == "00":
            return None
        county = Place(code, name, "county")
        if self.regions.get(code) != county:
            self.regions.merge([county])
        return county

    def _load_national(self) -> None:
        """A typed county code found in the built-in 统计用区划代码 (NBS 2023): its name and every
        乡镇 and 村, without typing (app/exchange/divisions.py)."""
        from app.exchange import divisions

        try:
            code = normalize_code(self.county_code.text())
        except DomainError:
            return
        if code in self._national or code[6:] != "000000" or code[4:6] == "00" or not divisions.available():
            return
        try:
            places = divisions.places_under(code)
        except DomainError:
            self._national[code] = False
            return
        self._national[code] = True
        self.regions.merge(places)
        county = self.regions.get(code)
        if county is not None and not self.county_name.text().strip():
            self.county_name.setText(county.name)

    def _county_changed(self) -> None:
        self.other_box.setVisible(self.county.currentData() == self.OTHER)
        if self.county.currentData() == self.OTHER:
            self._load_national()
        self.message.clear()
        self.fill_tree()
        self.completeChanged.emit()

    # --- the tree -----------------------------------------------------------------------------

    def fill_tree(self) -> None:
        county = self.county_place()
        self.tree.blockSignals(True)
        self.tree.clear()
        if county is not None:
            for township in self.regions.children(county.code):
                t_item = QTreeWidgetItem(self.tree, [township.name, township.code])
                t_item.setData(0, CODE_ROLE, township.code)
                villages = self.regions.children(township.code)
                for village in villages:
                    v_item = QTreeWidgetItem(t_item, [village.name, village.code])
                    v_item.setData(0, CODE_ROLE, village.code)
                    v_item.setFlags(v_item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    v_item.setCheckState(0, Qt.CheckState.Checked if village.code in self.checked
                                         else Qt.CheckState.Unchecked)
                if villages:
                    t_item.setFlags(t_item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate)
                    t_item.setExpanded(any(v.code in self.checked for v in villages) or len(villages) <= 8)
        self.tree.blockSignals(False)
        self._apply_filter()
        self._update_count()

    def _apply_filter(self) -> None:
        needle = self.filter.text().strip()
        for i in range(self.tree.topLevelItemCount()):
            t_item = self.tree.topLevelItem(i)
            town_hit = not needle or needle in t_item.text(0) or t_item.text(1).startswith(needle)
            any_child = False
            for j in range(t_item.childCount()):
                v_item = t_item.child(j)
                hit = town_hit or needle in v_item.text(0) or v_item.text(1).startswith(needle)
                v_item.setHidden(not hit)
                any_child |= hit
            t_item.setHidden(not (town_hit or any_child))
            if needle and any_child:
                t_item.setExpanded(True)

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        code = item.data(0, CODE_ROLE)
        place_ = self.regions.get(code)
        if column != 0 or place_ is None or place_.level != "village":
            return
        if item.checkState(0) == Qt.CheckState.Checked:
            self.checked.add(code)
        else:
            self.checked.discard(code)
        self._update_count()
        self.completeChanged.emit()

    def _current_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is None:
            return
        code = current.data(0, CODE_ROLE)
        if self.regions.get(code) and self.regions.get(code).level == "township" and not self.name.text():
            self.code.setText(code[:9])

    def item_for(self, code: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            t_item = self.tree.topLevelItem(i)
            if t_item.data(0, CODE_ROLE) == code:
                return t_item
            for j in range(t_item.childCount()):
                if t_item.child(j).data(0, CODE_ROLE) == code:
                    return t_item.child(j)
        return None

    def set_checked(self, code: str, checked: bool = True) -> None:
        item = self.item_for(code)
        if item is not None:
            item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def villages(self) -> list[Place]:
        county = self.county_place()
        if county is None:
            return []
        return [self.regions.get(c) for c in sorted(self.checked) if c.startswith(county.code[:6])]

    def _update_count(self) -> None:
        n = len(self.villages())
        self.count.setText(self.tr("已选择 {0} 个村").format(n) if n else self.tr("尚未选择村"))

    # --- adding and importing -----------------------------------------------------------------

    def add_place(self) -> bool:
        """添加: a township (9 digits) or a village (12 digits) of the chosen county."""
        self.message.clear()
        county = self.county_place()
        if county is None:
            self.message.setText(self.tr("请先选择或填写县。"))
            return False
        try:
            new = place(self.code.text(), self.name.text())
        except DomainError as e:
            self.message.setText(e.message)
            return False
        if new.code[:6] != county.code[:6]:
            self.message.setText(self.tr("区划代码 {0} 不属于{1}（{2}）。").format(new.code, county.name, county.code[:6]))
            return False
        if new.level == "village":
            township = parent_code(new.code)
            if self.regions.get(township) is None:
                self.message.setText(self.tr("请先添加所属乡镇：区划代码 {0}，再添加这个村。").format(township[:9]))
                self.code.setText(township[:9])
                return False
            self.checked.add(new.code)
        elif new.level != "township":
            self.message.setText(self.tr("这里只能添加乡镇（9 位代码）或村（12 位代码）。"))
            return False
        self.regions.merge([new])
        self.fill_tree()
        item = self.item_for(new.code)
        if item is not None:
            self.tree.setCurrentItem(item)
        self.code.setText(new.code[:9])
        self.name.clear()
        self.name.setFocus()
        self.completeChanged.emit()
        return True

    def import_file(self, path: Path | None = None) -> bool:
        wizard = self.wizard()
        if path is None or isinstance(path, bool):
            path = wizard.interaction.ask_open_path(self.tr("导入区划文件"),
                                                    self.tr("区划文件 (*.csv *.txt *.xlsx *.xls);;所有文件 (*)"))
            if path is None:
                return False
        try:
            places, problems = read_file(path)
        except OSError as e:
            self.message.setText(self.tr("无法读取文件：{0}（{1}）").format(path, e.strerror))
            return False
        if not places:
            self.message.setText("\n".join(problems[:5]) or self.tr("文件中没有区划代码。"))
            return False
        known = {c.code for c in self.regions.counties()}
        self.regions.merge(places)
        for township in {parent_code(p.code) for p in places if p.level == "village"}:
            if self.regions.get(township) is None:
                self.regions.merge([Place(township, self.tr("乡镇 {0}").format(township[6:9]), "township")])
                problems.append(self.tr("文件中没有乡镇 {0} 的名称，暂用“乡镇 {1}”。").format(township[:9], township[6:9]))
        for county in self.regions.counties():
            if county.code not in known:
                self._add_county_item(county)
        counties = {p.code[:6] for p in places}
        current = self.county_place()
        if current is None or current.code[:6] not in counties:
            target = min(counties).ljust(12, "0")
            index = self.county.findData(target)
            if index >= 0:
                self.county.setCurrentIndex(index)
        self.fill_tree()
        villages = sum(1 for p in places if p.level == "village")
        lines = [self.tr("已导入 {0} 条区划（其中村 {1} 个），请勾选本机负责的村。").format(len(places), villages)]
        self.message.setText("\n".join(lines + problems[:5]))
        self.completeChanged.emit()
        return True

    def isComplete(self) -> bool:
        return self.county_place() is not None and bool(self.villages())

    def places(self) -> list[Place]:
        return self.regions.selection(p.code for p in self.villages())


# --- 4. the first administrator ------------------------------------------------------------------


class AdminPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("管理员账号"))
        self.setSubTitle(self.tr("第 4 步：建立第一个管理员。以后每次打开卡册都要用它登录；"
                                 "管理员可以再为其他人建立“录入员”或“查看”账号。"))
        self.username = QLineEdit()
        self.username.setObjectName("adminUsername")
        self.username.setPlaceholderText(self.tr("例如 admin 或姓名拼音，不含空格"))
        self.display_name = QLineEdit()
        self.display_name.setObjectName("adminDisplayName")
        self.display_name.setPlaceholderText(self.tr("例如 第一书记的姓名"))
        self.password = QLineEdit()
        self.password.setObjectName("adminPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("至少 {0} 个字符").format(roles.MIN_PASSWORD_LENGTH))
        self.repeat = QLineEdit()
        self.repeat.setObjectName("adminRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = _message()
        form = QFormLayout()
        form.addRow(self.tr("用户名(&U)："), self.username)
        form.addRow(self.tr("姓名(&M)："), self.display_name)
        form.addRow(self.tr("密码(&P)："), self.password)
        form.addRow(self.tr("再次输入密码(&R)："), self.repeat)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(_hint(self.tr(
            "密码只以加密形式保存在本机数据库中，任何人（包括管理员）都看不到原文，忘记后无法找回，只能由另一位管理员重设。请把密码记在安全的地方。")))
        for w in (self.username, self.password, self.repeat):
            w.textChanged.connect(self.completeChanged)
            w.textChanged.connect(self.message.clear)

    def isComplete(self) -> bool:
        return bool(self.username.text().strip() and self.password.text() and self.repeat.text())

    def validatePage(self) -> bool:
        try:
            roles.check_username(self.username.text())
            roles.check_password(self.password.text())
        except DomainError as e:
            self.message.setText(e.message)
            return False
        if self.password.text() != self.repeat.text():
            self.repeat.clear()
            self.repeat.setFocus()
            self.message.setText(self.tr("两次输入的密码不一致，请再输入一次。"))
            return False
        return True


# --- 5. summary, then build ----------------------------------------------------------------------


class SummaryPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("确认"))
        self.setSubTitle(self.tr("最后一步：检查以下设置，点“完成”建立数据库。"))
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_after = QCheckBox(self.tr("完成后立即导入花名册（Excel）(&I)"))
        self.import_after.setObjectName("importAfter")
        self.message = _message()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addSpacing(8)
        layout.addWidget(self.import_after)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def initializePage(self) -> None:
        wizard = self.wizard()
        plan = wizard.plan()
        rows = [(self.tr("数据库文件"), str(plan.db_path))]
        if plan.demo_households:
            rows.append((self.tr("使用方式"), self.tr("演示数据：一个虚构的演示县，{0} 户").format(plan.demo_households)))
        else:
            county = wizard.region_page.county_place()
            villages = plan.villages
            rows.append((self.tr("使用方式"), self.tr("本县的工作数据库")))
            rows.append((self.tr("县"), f"{county.name}（{county.code[:6]}）" if county else ""))
            names = "、".join(f"{plan_township(plan, v)}{v.name}" for v in villages[:12])
            more = self.tr(" 等") if len(villages) > 12 else ""
            rows.append((self.tr("村"), self.tr("{0}{1}（共 {2} 个）").format(names, more, len(villages))))
        admin = wizard.admin_page
        display = admin.display_name.text().strip()
        rows.append((self.tr("管理员"), admin.username.text().strip() + (f"（{display}）" if display else "")))
        html = "".join(f"<tr><td style='padding:3px 12px 3px 0'><b>{k}</b></td><td style='padding:3px 0'>{_escape(v)}</td></tr>"
                       for k, v in rows)
        self.summary.setText(f"<table>{html}</table>")
        self.import_after.setVisible(not plan.demo_households)
        self.message.clear()

    def validatePage(self) -> bool:
        return self.wizard().create()


def plan_township(plan: SetupPlan, village: Place) -> str:
    township = next((p for p in plan.places if p.code == parent_code(village.code)), None)
    return f"{township.name} " if township else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the wizard ----------------------------------------------------------------------------------


class FirstRunWizard(QWizard):
    """After exec(): `db_path` is the database to open (new, or an existing one the user chose),
    `created` the SetupReport of a new one, `import_after` whether to open the Excel import."""

    LOCATION, MODE, REGIONS, ADMIN, SUMMARY = range(5)

    def __init__(self, interaction=None, default_path: Path | None = None, settings=None,
                 regions: RegionList | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        from app.ui.first_run import StartSettings
        from app.ui.interaction import Interaction

        self.interaction = interaction or Interaction()
        self.settings = settings or StartSettings()
        self.regions = regions if regions is not None else bundled()
        self.db_path: Path | None = None
        self.created: SetupReport | None = None
        self.import_after = False
        self.setObjectName("firstRunWizard")
        self.setWindowTitle(self.tr("卡册 — 首次设置"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.location_page = LocationPage(self, Path(default_path or paths.default_db_path()))
        self.mode_page = ModePage(self)
        self.region_page = RegionPage(self)
        self.admin_page = AdminPage(self)
        self.summary_page = SummaryPage(self)
        for page_id, page in ((self.LOCATION, self.location_page), (self.MODE, self.mode_page),
                              (self.REGIONS, self.region_page), (self.ADMIN, self.admin_page),
                              (self.SUMMARY, self.summary_page)):
            self.setPage(page_id, page)
        self.setStartId(self.LOCATION)
        fit_to_screen(self, 780, 580)

    def plan(self) -> SetupPlan:
        demo = self.mode_page.is_demo()
        admin = self.admin_page
        return SetupPlan(
            db_path=self.location_page.db_path(),
            places=[] if demo else self.region_page.places(),
            admin_username=admin.username.text().strip(),
            admin_password=admin.password.text(),
            admin_display_name=admin.display_name.text().strip(),
            demo_households=self.mode_page.households.value() if demo else 0,
        )

    def use_existing(self, path: Path) -> None:
        """The user chose a database that already exists: open it, create nothing."""
        self.db_path = path
        self._remember(path)
        # QWizard.done() would validate the current page again (which is what called us)
        QDialog.done(self, QDialog.DialogCode.Accepted)

    def _remember(self, path: Path) -> None:
        self.settings.database = "" if path == paths.default_db_path() else str(path)
        self.settings.sync()

    def create(self) -> bool:
        """Build the database: migrate a temporary file, fill it through the ops on the database
        thread (a progress dialog for the demo county), then rename it into place. Any failure or
        取消 removes the temporary file: no half database is ever left."""
        from app.ops.context import OpContext
        from app.ui.context import AppContext

        plan = self.plan()
        message = self.summary_page.message
        message.clear()
        db = plan.db_path
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.interaction.error(self.tr("无法建立数据库"),
                                   self.tr("无法建立文件夹：{0}（{1}）").format(db.parent, e.strerror))
            return False
        if db.exists():
            self.interaction.error(self.tr("无法建立数据库"), self.tr("文件已经存在：{0}").format(db))
            return False
        setup.remove_stale_staging(db.parent)
        staged = setup.staging_path(db)
        try:
            engine = open_sqlite(staged)
        except DatabaseRefused as e:
            setup.remove_database_files(staged)
            self.interaction.error(self.tr("无法建立数据库"), e.message)
            return False
        ctx = AppContext(OpContext(engine, user=plan.admin_username), staged, self.settings, self.interaction)
        outcome: dict = {}

        def failed(exc: BaseException) -> None:
            outcome["error"] = exc
            errors.report(exc, self.interaction.error, self.tr("无法建立数据库"))

        label = (self.tr("正在建立数据库并生成 {0} 户演示数据…").format(plan.demo_households)
                 if plan.demo_households else self.tr("正在建立数据库…"))
        ctx.runner.run(setup.populate, plan, label=label, progress=bool(plan.demo_households), undoable=False,
                       on_success=lambda report: outcome.setdefault("report", report), on_failure=failed)
        ctx.runner.wait(timeout=24 * 3600)
        ctx.close()
        report = outcome.get("report")
        if report is not None:
            try:
                setup.finish(staged, db)
            except (OSError, sqlite3.Error) as e:
                log.error("first run: could not move %s to %s: %s", staged, db, e)
                self.interaction.error(self.tr("无法建立数据库"), self.tr("无法保存数据库文件：{0}（{1}）").format(db, e))
                report = None
        if report is None:
            setup.remove_database_files(staged)
            if "error" not in outcome:
                message.setText(self.tr("已取消，没有建立数据库。可以修改设置后再点“完成”，或点“取消”退出。"))
            return False
        self._remember(db)
        self.db_path = db
        self.created = report
        self.import_after = not plan.demo_households and self.summary_page.import_after.isChecked()
        return True
