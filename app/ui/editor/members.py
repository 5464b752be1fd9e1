"""家庭成员: the members of a household, master-detail; the ID number fills birth date and sex."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.domain import codes
from app.domain.errors import DomainError
from app.domain.idcard import parse_id
from app.ops.households import add_member, remove_member, update_member
from app.ui.editor.base import EditorTab
from app.ui.editor.records import RecordEditor
from app.ui.editor.rule_hints import add_rule_hints
from app.ui.field_choice import add_fields
from app.ui.record_form import Form, FormGrid
from app.ui.table_model import Column, coded, coded_set

HEAD = codes.RELATION.code("户主")
NORMAL = codes.MEMBER_STATUS.code("正常")
DISABLED = codes.HEALTH.code("残疾")
# The data-quality rules (domain.md §8) judged on one member's own fields, shown as hints.
HINT_RULES = ("MB01", "MB03", "MB07", "MB11", "MB12", "MB13")

COLUMNS = [
    Column("name", "姓名", width=72), Column("relation", "与户主关系", coded(codes.RELATION), width=84),
    Column("sex", "性别", width=44), Column("id_number", "身份证号", width=160),
    Column("birth_date", "出生日期", width=92), Column("ethnicity", "民族", coded(codes.ETHNICITY), width=60),
    Column("education", "文化程度", coded(codes.EDUCATION), width=80),
    Column("schooling", "在校生状况", coded(codes.SCHOOLING), width=90),
    Column("health", "健康状况", coded_set(codes.HEALTH), width=110),
    Column("labour", "劳动技能", coded(codes.LABOUR), width=120),
    Column("status", "人口状态", coded(codes.MEMBER_STATUS), width=64),
]
SECTIONS = (
    ("基本情况", ("name", "relation", "sex", "id_number", "birth_date", "ethnicity", "political",
                  "phone", "status", "status_date"), ("status_reason",)),
    ("文化与健康", ("education", "schooling", "dropout_reason", "home_schooled", "mandarin"), ("health",)),
    ("", ("disability_kind", "disability_grade", "disability_year"), ()),
    ("劳动与务工", ("labour", "work", "work_months", "work_place", "employer", "work_channel",
                    "public_post", "public_post_months", "soldier"), ()),
    ("保险与保障", ("medical_insured", "employee_medical", "critical_insured", "pension_insured",
                    "employee_pension", "dibao", "tekun"), ()),
)


def member_checks(today):
    """Rules across a member's fields that block saving (the op refuses the same)."""

    def check(v: dict) -> dict[str, str]:
        errors = {}
        if not v.get("name"):
            errors["name"] = "姓名不能为空"
        if not v.get("relation"):
            errors["relation"] = "请选择与户主关系"
        if v.get("id_number"):
            try:
                info = parse_id(v["id_number"], today())
            except DomainError:
                info = None  # the field itself says what is wrong
            if info is not None:
                if v.get("sex") and v["sex"] != info.sex:
                    errors["sex"] = f"性别与身份证号不符：身份证号为{info.sex}性"
                if v.get("birth_date") and v["birth_date"] != info.birth_date:
                    errors["birth_date"] = f"出生日期与身份证号不符：身份证号为{info.birth_date.isoformat()}"
        health = (v.get("health") or "").split(",")
        if DISABLED in health and not v.get("disability_grade"):
            errors["disability_grade"] = "健康状况为残疾时须填写残疾等级"
        return errors

    return check


def fill_from_id(form: Form, today) -> None:
    """A valid ID number fills 出生日期 and 性别 (they must agree with it)."""
    if form.loading:
        return
    try:
        info = parse_id(form.value("id_number"), today)
    except DomainError:
        return
    if form.value("birth_date") != info.birth_date:
        form.set("birth_date", info.birth_date)
    if form.value("sex") != info.sex:
        form.set("sex", info.sex)


def household_member_errors(members: list[dict]) -> list[str]:
    """HH01/HH02 and the ID registered twice, over the members as staged."""
    if not members:
        return ["家庭成员不能为空：请至少登记户主"]
    out = []
    heads = [m for m in members if m.get("relation") == HEAD]
    if not heads:
        out.append("缺少户主：请把一名成员的“与户主关系”设为“户主”")
    elif len(heads) > 1:
        out.append("户主只能有一个：" + "、".join(m.get("name") or "？" for m in heads))
    counts = Counter(m["id_number"] for m in members if m.get("id_number"))
    for number, n in counts.items():
        if n > 1:
            out.append(f"身份证号重复：{number}")
    return out


class MembersTab(EditorTab):
    key = "members"
    title = "家庭成员"
    sections = frozenset({"members"})

    def __init__(self, editor):
        super().__init__(editor)
        self.records = RecordEditor(
            self.app, "member", COLUMNS, self._make_form, self.tr("成员"),
            defaults=lambda: {"status": NORMAL, "ethnicity": codes.ETHNICITY.code("汉族")},
            checks=[member_checks(lambda: self.app.today)],
            describe=lambda v: v.get("name") or self.tr("新成员"))
        add_rule_hints(self.records.form, HINT_RULES, lambda v: {"today": self.app.today, "members": [v]})
        self.records.changed.connect(self._changed)
        self.household_label = QLabel()
        self.household_label.setObjectName("banner")
        self.household_label.setWordWrap(True)
        self.household_label.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.household_label)
        layout.addWidget(self.records)
        self.records.splitter.setSizes([230, 400])

    def _make_form(self):
        form = self.make_form("member")
        grid = FormGrid(form, columns=3)
        for title, names, wide in SECTIONS:
            add_fields(form, *names, *wide)
            if title:
                grid.section(self.tr(title))
            grid.add(*names)
            grid.add_wide(*wide)
        grid.finish()
        form.widgets["id_number"].edited.connect(lambda: fill_from_id(form, self.app.today))
        return form, grid

    def load(self, detail: dict) -> None:
        self.records.load(detail["members"])
        self._changed()

    def _changed(self) -> None:
        problems = household_member_errors([e.values for e in self.records.visible()])
        self.household_label.setText("；".join(problems))
        self.household_label.setVisible(bool(problems))
        self.changed.emit()

    def live_members(self) -> list[dict]:
        return [e.values for e in self.records.visible()]

    def normal_count(self) -> int:
        return sum(1 for v in self.live_members() if v.get("status") == NORMAL)

    def add_member(self) -> None:
        self.records.add()
        self.records.form.widgets["name"].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def dirty(self) -> bool:
        return self.records.dirty()

    def errors(self) -> list[str]:
        return household_member_errors(self.live_members()) + self.records.errors()

    def forms(self):
        return [self.records.form]

    def steps(self):
        hid = self.household_id
        # A new 户主 comes after the old one stepped down, so the one-head rule holds throughout.
        return self.records.steps(
            add=lambda c, v: add_member(c, hid, v), update=update_member, remove=remove_member,
            order=lambda e: e.values.get("relation") == HEAD)
