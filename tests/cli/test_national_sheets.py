"""A new Kace meets a messy national 花名册 (tests/fixtures/national_sheets.py), through the CLI:
places first, import keeping every value, checks at the sheet's own date, national export, round trip.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.cli import main
from app.db.migrate import open_sqlite
from app.db.models import Household, Member, Region
from app.domain import codes
from app.exchange.sheet_columns import BY_KEY, NATIONAL_47, NATIONAL_HOUSEHOLD
from app.ops.context import OpContext
from tests.fixtures.national_sheets import (
    VILLAGES,
    build_sheet,
    region_csv,
    write_xls,
    write_xlsx,
)

WRITERS = {"xlsx": write_xlsx, "xls": write_xls}


def rows_of(db, model):
    engine = open_sqlite(db)
    try:
        with engine.connect() as c:
            return [dict(r) for r in c.execute(select(model.__table__)).mappings()]
    finally:
        engine.dispose()


def run_json(capsys, *args):
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def sheet():
    return build_sheet(2020)


@pytest.fixture(params=sorted(WRITERS))
def sheet_file(request, tmp_path, sheet):
    return WRITERS[request.param](tmp_path / f"花名册.{request.param}", sheet)


@pytest.fixture
def imported(tmp_path, sheet_file, capsys):
    """A fresh database: the county's places from a 区划 list, then the sheet."""
    db = tmp_path / "kace.db"
    assert main(["region", "import", str(region_csv(tmp_path / "区划.csv")), "--db", str(db)]) == 0
    assert "新建区划 4 个" in capsys.readouterr().out
    assert main(["import", "xlsx", str(sheet_file), "--db", str(db)]) == 0  # every record row taken
    out = capsys.readouterr().out
    assert out.startswith("导入完成") and "跳过非数据行 8 行" in out
    return db


def test_unknown_villages_exit_2_naming_them_and_the_command(tmp_path, sheet_file, capsys):
    db = tmp_path / "kace.db"
    assert main(["import", "xlsx", str(sheet_file), "--db", str(db)]) == 2
    out = capsys.readouterr()
    assert "导入完成" not in out.out and out.out.startswith("未导入任何数据")
    assert "长安村、新华村" in out.err and "kace region import" in out.err and "--create-villages" in out.err
    assert rows_of(db, Household) == [] and rows_of(db, Region) == []


def test_create_villages_shows_and_creates_the_places(tmp_path, sheet_file, sheet, capsys):
    db = tmp_path / "kace.db"
    assert main(["import", "xlsx", str(sheet_file), "--db", str(db), "--create-villages", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "将新建区划：450881104201 长安村" in out and "将新建区划：450881104000 石龙镇" in out
    assert rows_of(db, Region) == []  # a dry run writes nothing
    assert main(["import", "xlsx", str(sheet_file), "--db", str(db), "--create-villages"]) == 0
    out = capsys.readouterr().out
    assert out.index("已新建区划：450881000000 桂平市") < out.index("数据行")
    regions = {r["code"]: r for r in rows_of(db, Region)}
    assert {code: regions[code]["name"] for code in VILLAGES} == VILLAGES
    by_id = {r["id"]: r for r in regions.values()}
    assert by_id[regions["450881104201"]["parent_id"]]["code"] == "450881104000"
    assert len(rows_of(db, Member)) == len(sheet.people)
    # the same file again: nothing changes, and it says so
    assert main(["import", "xlsx", str(sheet_file), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("数据库没有变化") and "导入完成" not in out


def test_region_add_checks_the_level(tmp_path, capsys):
    db = tmp_path / "kace.db"
    assert main(["region", "add", "450881", "桂平市", "--level", "county", "--db", str(db)]) == 0
    assert main(["region", "add", "450881104201", "长安村", "--level", "township", "--db", str(db)]) == 2
    assert "代码表示村" in capsys.readouterr().err
    assert main(["region", "add", "450881104201", "长安村", "--level", "村", "--db", str(db)]) == 0
    regions = {r["code"]: r for r in rows_of(db, Region)}
    assert regions["450881104201"]["parent_id"] == regions["450881000000"]["id"]  # nearest place above


def test_every_member_row_and_every_reported_value_is_kept(imported, sheet):
    households = {h["national_code"]: h for h in rows_of(imported, Household)}
    members = {m["person_code"]: m for m in rows_of(imported, Member)}
    assert len(members) == len(sheet.people) and len(households) == len(sheet.families)
    for f in sheet.families:
        h = households[f.code]
        assert h["reported_size"] == f.size and h["reported_per_capita"] == Decimal(f.per_capita)
        assert h["data_year"] == 2020 and h["reported_income_year"] == 2020
        assert h["identified_year"] == f.identified and h["exit_year"] == f.exit_year
        for n, p in enumerate(f.people, 1):
            m = members[f"{f.code}{n:02d}"]
            assert m["name"] == p.name and m["id_number"] == f.id_of(p)
    label = codes.SCHOOLING.label
    assert label(members["45088110420100000103"]["schooling"]) == "初中（年级不详）"  # 初中 without a grade
    assert members["45088110420100000502"]["schooling"] is None  # 非在校生
    assert codes.EDUCATION.label(members["45088110420100000502"]["education"]) == "初中"
    assert label(members["45088110420200000103"]["schooling"]) == "学龄前儿童"  # 文化程度 学龄前儿童
    assert members["45088110420200000103"]["education"] is None
    assert members["45088110420200000102"]["home_schooled"] is True  # 送教上门
    assert label(members["45088110420200000202"]["schooling"]) == "普通高中（年级不详）"
    assert json.loads(members["45088110420200000301"]["unmapped"]) == {"劳动技能": "半劳力"}  # kept as typed


def test_check_at_the_sheets_year_finds_each_planted_inconsistency(imported, sheet, capsys):
    code, data = run_json(capsys, "check", "--db", str(imported), "--as-of", "2020-12-31", "--json")
    assert code == 0 and data["as_of"] == "2020-12-31"
    found: dict[str, set[str]] = {}
    for f in data["findings"]:
        found.setdefault(f["rule"], set()).add(f["national_code"])
        assert {"national_code", "name", "person_code", "column"} <= set(f)
        assert not f["column"].isascii(), f  # a header or label the user knows, never a field name
    for rule, households in sheet.expected.items():
        assert households <= found.get(rule, set()), rule
    errors = {f["national_code"] for f in data["findings"] if f["severity"] == "错误"}
    assert not errors & sheet.clean  # missing housing grades and answers are 资料不全, not 错误
    mb01 = next(f for f in data["findings"] if f["rule"] == "MB01")
    assert mb01["name"] == "蒙小龙" and mb01["person_code"] == "45088110420100000502"
    assert mb01["column"] == "在校生状况"
    hh04 = next(f for f in data["findings"] if f["rule"] == "HH04")
    assert hh04["column"] == "家庭人口" and hh04["value"] == "3"
    # without --as-of the sheet's 年度 is the reference date, never the wall clock
    _, default = run_json(capsys, "check", "--db", str(imported), "--json")
    assert default["as_of"] == "2020-12-31" and default["findings"] == data["findings"]
    # the same register counted six years later: the 13-year-old is 19 and no longer out of school
    _, later = run_json(capsys, "check", "--db", str(imported), "--year", "2026", "--rule", "MB01", "--json")
    assert "蒙小龙" not in {f["name"] for f in later["findings"]}
    assert main(["check", "--db", str(imported), "--as-of", "2020-13-01"]) == 2
    out = imported.parent / "findings.xlsx"
    assert main(["check", "--db", str(imported), "--rule", "MB01", "--xlsx", str(out)]) == 0
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    header = list(rows[1])
    assert header[-4:] == ["国家系统户编号", "姓名", "人编号", "花名册列"]
    assert list(rows[2][-4:]) == ["450881104201000005", "蒙小龙", "45088110420100000502", "在校生状况"]


def test_exit_assessment_says_what_is_missing(imported):
    from app.ops.exit_assessment import preview_exit

    ctx = OpContext(open_sqlite(imported), user="测试员")
    try:
        with ctx.read() as s:
            hid = s.execute(select(Household.id).where(Household.national_code == "450881104202000002")).scalar()
        a = preview_exit(ctx, hid)
        by_key = {i.key: i for i in a.indicators}
        assert a.year == 2020 and not a.passed
        assert by_key["housing"].verdict == "资料不全" and by_key["food"].verdict == "资料不全"
        assert by_key["education"].verdict == "达标" and by_key["water"].verdict == "达标"
        assert by_key["income"].verdict == "达标"  # the reported 人均纯收入 of 2020
    finally:
        ctx.engine.dispose()


def test_national_export_gives_back_the_national_columns(imported, tmp_path, capsys):
    out = tmp_path / "national.xlsx"
    assert main(["export", "xlsx", "--db", str(imported), "--village", "450881104201", "--out", str(out),
                 "--members", "--layout", "national"]) == 0
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == [BY_KEY[k].header for k in NATIONAL_47]  # the header is the first row
    col = {k: i for i, k in enumerate(NATIONAL_47)}
    data = rows[1:]
    assert len(data) == 11 and {r[col["year"]] for r in data} == {2020}
    assert [r[col["person_code"]] for r in data][:2] == ["45088110420100000101", "45088110420100000102"]
    yes_no = [k for k in NATIONAL_47 if BY_KEY[k].kind in ("bool", "abroad") or k.startswith(("commercial",
                                                                                                "medical_aid",
                                                                                                "other_health"))]
    assert all(r[col[k]] in ("是", "否") for r in data for k in yes_no)
    assert all(isinstance(r[col["id_number"]], str) for r in data)
    households = tmp_path / "households.xlsx"
    assert main(["export", "xlsx", "--db", str(imported), "--village", "450881104201", "--out", str(households),
                 "--layout", "national"]) == 0
    rows = list(load_workbook(households, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == [BY_KEY[k].header for k in NATIONAL_HOUSEHOLD]
    size = NATIONAL_HOUSEHOLD.index("size")
    assert [r[size] for r in rows[1:]] == [4, 2, 3, 1, 2]  # the reported 家庭人口 (household 3 says 3)


FIELDS_H = ("national_code", "reported_size", "reported_per_capita", "reported_income_year", "data_year",
            "identified_year", "exit_year", "status", "category", "main_cause", "phone", "note", "unmapped")
FIELDS_M = ("person_code", "name", "sex", "id_number", "birth_date", "relation", "ethnicity", "education",
            "schooling", "dropout_reason", "home_schooled", "health", "disability_kind", "labour",
            "medical_insured", "critical_insured", "unmapped")


@pytest.mark.parametrize("layout", ["full", "national"])
def test_import_export_import_is_identical_field_by_field(imported, tmp_path, layout, capsys):
    from app.ops.rows import update_row

    ctx = OpContext(open_sqlite(imported), user="测试员")
    with ctx.read() as s:
        hid = s.execute(select(Household.id).where(Household.national_code == "450881104201000003")).scalar()
    update_row(ctx, Household.__table__, hid, {"note": "户主长期住院，家庭人口待核"})
    ctx.engine.dispose()
    again = tmp_path / "again.db"
    for code in VILLAGES:
        out = tmp_path / f"{code}.xlsx"
        assert main(["export", "xlsx", "--db", str(imported), "--village", code, "--out", str(out), "--members",
                     "--layout", layout]) == 0
        assert main(["import", "xlsx", str(out), "--db", str(again), "--create-villages"]) == 0
    capsys.readouterr()
    first = {h["national_code"]: h for h in rows_of(imported, Household)}
    second = {h["national_code"]: h for h in rows_of(again, Household)}
    # The 47 columns carry no household fields but 年度 and the 户主; the full layout carries them all.
    fields_h = FIELDS_H if layout == "full" else ("national_code", "data_year")
    assert {k: {f: h[f] for f in fields_h} for k, h in first.items()} == \
           {k: {f: h[f] for f in fields_h} for k, h in second.items()}
    if layout == "full":
        assert second["450881104201000003"]["note"] == "户主长期住院，家庭人口待核"
    m1 = {m["person_code"]: m for m in rows_of(imported, Member)}
    m2 = {m["person_code"]: m for m in rows_of(again, Member)}
    assert set(m1) == set(m2)
    for key, m in m1.items():
        for f in FIELDS_M:
            if f == "home_schooled" and layout == "national":
                continue  # not a column of the 47
            # the national layout fills every yes/no column: an unrecorded one comes back as 否
            expected = False if layout == "national" and m[f] is None and isinstance(m2[key][f], bool) else m[f]
            assert m2[key][f] == expected, (key, f)
    engine = open_sqlite(again)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(Member.__table__)).scalar() == len(m1)
    engine.dispose()


def test_the_printed_exit_form_says_what_is_missing(imported, tmp_path, capsys):
    from pypdf import PdfReader

    out = tmp_path / "exit.pdf"
    assert main(["print", "exit-form", "--db", str(imported), "--household", "450881104202000002",
                 "--out", str(out)]) == 0
    text = "".join(page.extract_text() for page in PdfReader(out).pages).replace(" ", "")
    assert "（2020年度）" in text and "5200.00元" in text  # the sheet's year and its reported figure
    assert text.count("资料不全") >= 3 and "住房安全有保障资料不全" in text.replace("、", "")


def test_a_corrected_cell_replaces_the_value_kept_as_typed(imported, sheet, tmp_path, capsys):
    from dataclasses import replace

    fixed = replace(sheet, families=[replace(f, people=[replace(p, labour="弱劳动力或半劳动力")
                                                         if p.labour == "半劳力" else p for p in f.people])
                                     for f in sheet.families])
    path = write_xlsx(tmp_path / "改正.xlsx", fixed)
    assert main(["import", "xlsx", str(path), "--db", str(imported)]) == 0
    capsys.readouterr()
    m = next(m for m in rows_of(imported, Member) if m["person_code"] == "45088110420200000301")
    assert m["unmapped"] is None and codes.LABOUR.label(m["labour"]) == "弱劳动力或半劳动力"
    _, data = run_json(capsys, "check", "--db", str(imported), "--rule", "CD01", "--json")
    assert data["findings"] == []
