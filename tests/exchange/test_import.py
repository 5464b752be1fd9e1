"""Importing messy national-style files: normalisation, bad rows reported, all or nothing, idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.cli import main
from app.db.models import Change, Household, Member, Region
from app.domain import codes
from app.exchange.importer import import_xlsx
from app.exchange.reader import ImportFileError, find_table
from app.exchange.sheet_columns import BY_KEY, NATIONAL_47
from app.ops import import_writes
from app.ops.quality import run_check
from tests.exchange.messy import (
    BAD_CHECK,
    HEAD_ID,
    SON_ID,
    WIFE_ID,
    WUBAO_ID,
    write_messy,
    write_rows,
)
from tests.factories import id_number


def counts(ctx) -> tuple[int, int, int, int]:
    with ctx.read() as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar()
                     for t in (Change.__table__, Household.__table__, Member.__table__, Region.__table__))


def members(ctx) -> dict[str, dict]:
    with ctx.read() as s:
        rows = s.execute(select(Member.__table__, Household.code, Household.national_code, Household.category,
                                Household.main_cause, Household.status, Household.note, Household.group_id)
                         .join(Household, Household.id == Member.household_id)).mappings().all()
    return {r["name"]: dict(r) for r in rows}


@pytest.fixture
def messy(tmp_path) -> Path:
    return write_messy(tmp_path / "花名册.xlsx")


def test_header_detection_over_title_rows_and_merged_two_level_headers(messy):
    table = find_table(messy)
    assert table.header_rows == (2, 3) and table.data_start == 4
    assert table.columns[3] == "name" and table.columns[5] == "id_number"
    assert table.columns[11] == "helper_name" and table.columns[12] == "helper_phone"
    assert table.columns[1] == "household_code" and table.columns[16] == "village"


def test_messy_file_imports_with_bad_rows_reported(ctx, village, messy, tmp_path):
    errors = tmp_path / "errors.xlsx"
    report = import_xlsx(ctx, messy, errors_path=errors)
    assert report.rows == 11 and report.blank_rows == 1 and report.subtotal_rows == 1
    assert report.left_out_rows == 3 and report.imported_rows == 6
    assert report.households == {"new": 3, "updated": 0, "unchanged": 0}
    left = {p.row: p.reason for p in report.problems if p.left_out}
    assert left[13].startswith("未导入：姓名为空")
    assert left[14].startswith("未导入：村不存在：不存在村")
    assert "证件号码无法恢复" in left[15] and "科学计数法（4.50881199001011E+17）" in left[15]
    noted = {p.row: p.reason for p in report.problems if not p.left_out}
    assert "被Excel转成了数字（4.50881199001011E+17），后几位已丢失，无法恢复" in noted[11]
    assert "民族“火星族”不在代码表中" in noted[12]
    assert "同时含有“健康”" in noted[10]

    people = members(ctx)
    assert set(people) == {"韦大山", "黄秀英", "韦小山", "莫老五", "覃小红", "覃大红"}
    assert people["韦大山"]["id_number"] == HEAD_ID  # lower-case x folded
    assert people["黄秀英"]["id_number"] == WIFE_ID and people["黄秀英"]["relation"] == codes.RELATION.code("配偶")
    assert people["韦小山"]["id_number"] == SON_ID  # full-width digits
    assert people["覃小红"]["id_number"] is None  # never guessed
    assert people["覃大红"]["id_number"] == BAD_CHECK and people["覃大红"]["ethnicity"] is None  # kept as typed
    assert people["韦大山"]["ethnicity"] == codes.ETHNICITY.code("壮族")
    assert people["韦大山"]["national_code"] == "HA-001" and people["韦大山"]["main_cause"] == codes.CAUSE.code("因病")
    assert people["黄秀英"]["code"] == people["韦大山"]["code"]  # merged cells: one household
    wubao = people["莫老五"]
    assert wubao["category"] == codes.CATEGORY.code("特困供养贫困户") and "原贫困户属性：五保户" in wubao["note"]
    assert wubao["main_cause"] == codes.CAUSE.code("缺劳力") and wubao["relation"] == codes.RELATION.code("户主")
    assert wubao["health"] == codes.HEALTH.code("残疾") and wubao["sex"] == "男"
    assert wubao["birth_date"].isoformat() == "1950-12-01"
    groups = {people[n]["group_id"] for n in ("韦大山", "覃小红")}
    assert len(groups) == 1 and people["莫老五"]["group_id"] not in groups  # 第1组 = 第一组 ≠ 2组

    # the wrong values are there for `kace check` to report
    rules = {f.rule for f in run_check(ctx, village["id"]).findings}
    assert {"ID03", "MB01", "MB06"} <= rules

    # the error file: the input as it was, with a 错误原因 column
    ws = load_workbook(errors).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].startswith("广西壮族自治区") and rows[3][-1] == "错误原因"
    assert rows[12][3] is None and rows[12][-1].startswith("未导入：姓名为空")
    assert rows[14][-1].startswith("未导入：证件号码无法恢复") and rows[4][-1] is None
    assert len(rows) == 15


def test_reimporting_the_same_file_changes_nothing(ctx, village, messy):
    import_xlsx(ctx, messy)
    before = counts(ctx)
    report = import_xlsx(ctx, messy)
    assert counts(ctx) == before
    assert report.changes == [] and report.households == {"new": 0, "updated": 0, "unchanged": 3}
    assert report.members == {"new": 0, "updated": 0, "unchanged": 6}


def test_a_changed_file_updates_the_changed_fields_and_reports_them(ctx, village, messy, tmp_path):
    import_xlsx(ctx, messy)
    wb = load_workbook(messy)
    ws = wb.active
    ws["E10"] = "女"  # 莫老五's 性别 typed differently
    ws["O10"] = "因残"
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    before = counts(ctx)
    report = import_xlsx(ctx, changed)
    fields = {(c["name"], c["field"], c["old"], c["new"]) for c in report.changes}
    assert fields == {("莫老五", "性别", "男", "女"), (None, "主要致贫原因", "缺劳力", "因残")}
    assert report.households["updated"] == 1 and report.members["updated"] == 1
    assert counts(ctx)[0] == before[0] + 2  # one change record per changed row


def test_dry_run_writes_nothing(ctx, village, messy):
    before = counts(ctx)
    report = import_xlsx(ctx, messy, dry_run=True)
    assert report.dry_run and report.households["new"] == 3
    assert counts(ctx) == before


def test_one_transaction_a_crash_leaves_nothing(ctx, village, messy, monkeypatch):
    before = counts(ctx)
    original = import_writes.write_plan

    def crash(w, plan, today):
        original(w, plan, today)
        raise RuntimeError("断电")

    monkeypatch.setattr(import_writes, "write_plan", crash)
    with pytest.raises(RuntimeError):
        import_xlsx(ctx, messy)
    assert counts(ctx) == before


def test_the_import_is_in_the_change_log(ctx, village, messy):
    import_xlsx(ctx, messy)
    with ctx.read() as s:
        txs = s.execute(select(Change.tx_id).where(Change.table_name.in_(["household", "member"])).distinct()).all()
        created = s.execute(select(func.count()).select_from(Change).where(Change.table_name == "member",
                                                                         Change.op == "create")).scalar()
    assert len(txs) == 1 and created == 6


@pytest.mark.parametrize("kind", ["text", "password", "truncated", "no_header", "folder", "missing"])
def test_bad_files_are_refused_with_a_chinese_message(ctx, village, tmp_path, kind, messy, capsys, db_path):
    path = tmp_path / "bad.xlsx"
    if kind == "text":
        path.write_text("姓名,身份证号\n张三,450881\n", encoding="utf-8")
        expected = "不是 Excel 文件"
    elif kind == "password":  # an encrypted workbook is an OLE container with these streams
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le"))
        expected = "文件有密码保护"
    elif kind == "truncated":
        data = messy.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        expected = "文件已损坏或不完整"
    elif kind == "no_header":
        write_rows(path, ["甲", "乙", "丙"], [[1, 2, 3]])
        expected = "找不到表头"
    elif kind == "folder":
        path = tmp_path
        expected = "文件夹"
    else:
        path = tmp_path / "nope.xlsx"
        expected = "文件不存在"
    before = counts(ctx)
    with pytest.raises(ImportFileError, match=expected):
        import_xlsx(ctx, path)
    assert main(["import", "xlsx", str(path), "--db", str(db_path)]) == 2
    assert expected in capsys.readouterr().err
    assert counts(ctx) == before


def test_unknown_village_exits_2_and_changes_nothing(ctx, village, messy, db_path, capsys):
    before = counts(ctx)
    assert main(["import", "xlsx", str(messy), "--db", str(db_path), "--village", "999999999999"]) == 2
    assert "村不存在：999999999999" in capsys.readouterr().err
    assert counts(ctx) == before


def test_cli_import_with_village_dry_run_and_errors(ctx, village, messy, db_path, tmp_path, capsys):
    errors = tmp_path / "e.xlsx"
    assert main(["import", "xlsx", str(messy), "--db", str(db_path), "--village", village["code"], "--dry-run",
                 "--errors", str(errors)]) == 1  # some rows are left out
    out = capsys.readouterr()
    assert "试导入（未写入数据库）" in out.out and "第13行：未导入：姓名为空" in out.err
    assert "第14行：未导入：该行属于“不存在村”，不是所选的“长河村”" in out.err
    assert errors.exists() and counts(ctx)[1] == 0
    assert main(["import", "xlsx", str(messy), "--db", str(db_path), "--json"]) == 2  # 不存在村 is unknown
    import json

    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["households"]["new"] == 3 and data["rows"]["left_out"] == 3
    assert data["unknown_villages"] == ["不存在村"] and "--create-villages" in out.err


def test_the_47_column_national_layout_is_recognised(ctx, village, tmp_path):
    header = [BY_KEY[k].header for k in NATIONAL_47]
    row = {k: None for k in NATIONAL_47}
    row.update({"province": "广西壮族自治区", "village": "长河村", "household_code": "4508811042010001",
                "name": "蓝天", "sex": "男", "birth_date": "1975-06-01", "id_type": "居民身份证",
                "id_number": HEAD_ID, "relation": "户主", "ethnicity": "瑶族", "education": "初中",
                "labour": "普通劳动力", "health": "健康", "medical_insured": "是", "critical_insured": "是",
                "work_months": 6.0, "work_place": "广东省", "abroad": "否", "standard": "国家标准",
                "head_name": "蓝天", "head_id": HEAD_ID})
    path = write_rows(tmp_path / "47.xlsx", header, [[row[k] for k in NATIONAL_47]])
    table = find_table(path)
    assert len(table.columns) == 47 and table.unknown == []
    report = import_xlsx(ctx, path)
    assert report.members["new"] == 1 and not report.problems
    m = members(ctx)["蓝天"]
    assert m["work_months"] == 6 and m["medical_insured"] is True and m["birth_date"].isoformat() == "1975-06-01"


def test_one_row_per_household_files(ctx, village, tmp_path):
    path = write_rows(tmp_path / "hh.xlsx", ["户编号", "村", "户主姓名", "户主证件号码", "家庭人口", "贫困户属性"],
                      [["H1", "长河村", "张三", HEAD_ID, 3, "低保户"], ["H2", "长河", "李四", WUBAO_ID, 1, "一般户"]])
    report = import_xlsx(ctx, path)
    assert report.households["new"] == 2 and report.members["new"] == 2
    people = members(ctx)
    assert people["张三"]["relation"] == codes.RELATION.code("户主")
    assert people["张三"]["category"] == codes.CATEGORY.code("低保贫困户")
    assert import_xlsx(ctx, path).changes == []


def test_a_corrected_id_number_updates_the_member_instead_of_adding_one(ctx, village, messy, tmp_path):
    import_xlsx(ctx, messy)
    wb = load_workbook(messy)
    ws = wb.active
    fixed = id_number(date(1968, 4, 2), "女", 40)  # 覃大红's number, now right (same birth date)
    ws["F12"] = fixed
    changed = tmp_path / "fixed.xlsx"
    wb.save(changed)
    report = import_xlsx(ctx, changed)
    assert report.members["new"] == 0 and report.members["updated"] == 1
    assert ("覃大红", "身份证号", BAD_CHECK, fixed) in {(c["name"], c["field"], c["old"], c["new"]) for c in report.changes}
