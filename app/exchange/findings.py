"""The findings of a data check as an Excel list (ID numbers and codes written as text cells)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.domain import fields
from app.domain.quality import RULES, Finding
from app.exchange.xlsx import text_cell, write_sheet

TABLE_NAMES = {"household": "户", "member": "成员", "income": "收入", "conditions": "生产生活条件",
               "visit": "走访记录", "measure": "帮扶措施", "loan": "小额信贷", "helper": "帮扶责任人",
               "region": "村", "plan": "帮扶计划", "assignment": "结对帮扶", "workflow_step": "流程记录",
               "exit_assessment": "退出评估", "monitoring_record": "监测记录", "poverty_line": "贫困线"}
HEADER = ["序号", "规则", "级别", "规则说明", "户编号", "记录", "字段", "值", "问题说明",
          "国家系统户编号", "姓名", "人编号", "花名册列"]
WIDTHS = [7, 7, 6, 30, 22, 10, 16, 22, 70, 22, 10, 22, 16]


def finding_row(n: int, f: Finding) -> list:
    rule = RULES.get(f.rule)
    return [n, f.rule, f.severity, rule.title if rule else "", text_cell(f.household_code),
            TABLE_NAMES.get(f.table, f.table), fields.label(f.table, f.field), text_cell(f.value), f.message,
            text_cell(f.national_code), f.name, text_cell(f.person_code), f.column]


def write_findings(findings: Iterable[Finding], path: Path | str) -> Path:
    rows = (finding_row(n, f) for n, f in enumerate(findings, 1))
    return write_sheet(path, "数据核查问题清单", HEADER, rows, widths=WIDTHS, title="数据质量核查问题清单")
