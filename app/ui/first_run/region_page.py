"""The set-up wizard's third page: the county, and the townships and villages this laptop serves,
picked from the bundled list of divisions, typed in, or read from a file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.domain.errors import DomainError
from app.ui.first_run.page_parts import hint, message_label
from app.ui.first_run.region_list import Place, RegionList, normalize_code, parent_code, place, read_file

CODE_ROLE = Qt.ItemDataRole.UserRole


# --- 3. the county and the villages --------------------------------------------------------------


class RegionPage(QWizardPage):
    """The county (from resources/regions or typed) and the villages this laptop serves: ticked
    in the tree, typed (12-digit code and name) or imported from a region list file."""

    OTHER = ""

    def __init__(self, wizard: QWizard):
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
        self.message = message_label()

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
        layout.addWidget(hint(self.tr(
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
