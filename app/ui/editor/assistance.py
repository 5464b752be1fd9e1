"""帮扶计划与措施: the 一户一策 plan of each year, the measures and the 扶贫小额信贷 loans."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.domain import codes
from app.ops.assistance import (
    add_loan,
    add_measure,
    remove_measure,
    set_plan,
    update_measure,
)
from app.ops.loans import remove_loan, update_loan
from app.ui.editor.base import EditorTab, form_errors
from app.ui.editor.records import RecordEditor
from app.ui.editor.rule_hints import add_rule_hints
from app.ui.editor.yearly import YearlyRecords, year_row
from app.ui.field_choice import add_fields
from app.ui.field_widgets import IntField
from app.ui.record_form import Form, FormGrid
from app.ui.table_model import Column, coded

MEASURE_COLUMNS = [
    Column("year", "年度", width=56), Column("type", "措施类型", coded(codes.MEASURE_TYPE), width=190),
    Column("content", "措施内容", width=260), Column("amount", "金额（元）", align_right=True, width=90),
    Column("source", "资金来源", coded(codes.FUND_SOURCE), width=90),
    Column("status", "落实状态", coded(codes.MEASURE_STATUS), width=80),
]
LOAN_COLUMNS = [
    Column("amount", "贷款金额（元）", align_right=True, width=110), Column("bank", "贷款银行", width=220),
    Column("start_date", "放款日期", width=100), Column("term_months", "期限（月）", align_right=True, width=80),
    Column("repaid_amount", "已还金额（元）", align_right=True, width=110), Column("repaid_on", "还清日期", width=100),
    Column("purpose", "用途"),
]


def measure_checks(v: dict) -> dict[str, str]:
    errors = {}
    if not v.get("type"):
        errors["type"] = "措施类型不能为空"
    if not v.get("year"):
        errors["year"] = "年度不能为空"
    return errors


def loan_checks(v: dict) -> dict[str, str]:
    errors = {}
    if not v.get("amount"):
        errors["amount"] = "贷款金额不能为空"
    if v.get("repaid_amount") and v.get("amount") and v["repaid_amount"] > v["amount"]:
        errors["repaid_amount"] = "已还金额不能大于贷款金额"
    return errors


class AssistanceTab(EditorTab):
    key = "assistance"
    title = "帮扶计划与措施"
    sections = frozenset({"plans", "measures", "loans"})

    def __init__(self, editor):
        super().__init__(editor)
        today = lambda: self.app.today
        self.plan_form = Form("plan", today, self)
        add_fields(self.plan_form, "goal", "main_measures", "expected_increase")
        self.plan_form.edited.connect(self.changed)
        self.plans = YearlyRecords(self.plan_form, today, parent=self)
        plan_grid = FormGrid(self.plan_form, columns=1)
        plan_grid.add("goal", "main_measures", "expected_increase")

        self.measures = RecordEditor(
            self.app, "measure", MEASURE_COLUMNS, self._measure_form, self.tr("措施"),
            defaults=lambda: {"year": self.app.today.year, "status": codes.MEASURE_STATUS.code("计划")},
            checks=[measure_checks],
            describe=lambda v: self.tr("措施“{0}”").format(
                codes.MEASURE_TYPE.label(v["type"]) if v.get("type") else self.tr("新措施")))
        self.loans = RecordEditor(
            self.app, "loan", LOAN_COLUMNS, self._loan_form, self.tr("贷款"),
            checks=[loan_checks],
            describe=lambda v: self.tr("贷款 {0} 元").format(v.get("amount") or ""))
        add_rule_hints(self.loans.form, ("MS03",), lambda v: {"today": self.app.today, "loans": [v]})
        for records in (self.measures, self.loans):
            records.changed.connect(self.changed)
            records.splitter.setSizes([220, 380])

        plan_page = QWidget()
        plan_layout = QVBoxLayout(plan_page)
        plan_layout.addLayout(year_row(self.plans, self.tr("计划年度(&Y)：")))
        plan_layout.addWidget(plan_grid)
        plan_layout.addStretch(1)
        self.inner = QTabWidget()
        self.inner.addTab(plan_page, self.tr("一户一策帮扶计划"))
        self.inner.addTab(self.measures, self.tr("帮扶措施"))
        self.inner.addTab(self.loans, self.tr("扶贫小额信贷"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.inner)

    def _measure_form(self):
        form = self.make_form("measure")
        form.add("year", IntField(low=0, high=2100))
        add_fields(form, "type", "content", "amount", "source", "status", "benefit")
        grid = FormGrid(form, columns=2)
        grid.add("year", "type", "amount", "source", "status")
        grid.add_wide("content", "benefit")
        grid.finish()
        return form, grid

    def _loan_form(self):
        form = self.make_form("loan")
        add_fields(form, "amount", "bank", "start_date", "term_months", "repaid_amount", "repaid_on",
                   "purpose")
        grid = FormGrid(form, columns=2)
        grid.add("amount", "bank", "start_date", "term_months", "repaid_amount", "repaid_on")
        grid.add_wide("purpose")
        grid.finish()
        return form, grid

    def load(self, detail):
        self.plans.load(detail["plans"])
        self.measures.load(detail["measures"])
        self.loans.load(detail["loans"])

    def forms(self):
        return [self.plan_form, self.measures.form, self.loans.form]

    def dirty(self):
        return self.plans.dirty() or self.measures.dirty() or self.loans.dirty()

    def errors(self):
        return (form_errors(self.plan_form, self.tr("帮扶计划：")) + self.measures.errors()
                + self.loans.errors())

    def steps(self):
        hid = self.household_id
        return (self.plans.steps(set_plan, hid)
                + self.measures.steps(add=lambda c, v: add_measure(c, hid, v), update=update_measure,
                                      remove=remove_measure)
                + self.loans.steps(add=lambda c, v: add_loan(c, hid, v), update=update_loan,
                                   remove=remove_loan))
