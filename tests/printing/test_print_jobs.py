"""From the database to paper: app/printing/print_jobs over a real small demo county (one village, 40 households)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, insert, select

from app.db.migrate import open_sqlite
from app.db.models import (
    ExitAssessment,
    Household,
    Member,
    Region,
    Setting,
    Visit,
    WorkflowStep,
)
from app.demo import make_demo
from app.domain import codes
from app.domain.income import IncomeItems, net_income, per_capita
from app.ops.context import OpContext
from app.ops.households import update_member
from app.ops.regions import create_region
from app.printing import FontError, find_font
from app.printing.print_jobs import (
    NotFound,
    NothingToPrint,
    PrintRefused,
    PrintRequest,
    prepare,
    print_document,
)
from tests.conftest import TODAY
from tests.printing.pdf import footers, page_texts

H, M, V = Household.__table__, Member.__table__, Visit.__table__
SEED = 22  # 40 households with 新识别, 预脱贫, 注销 and monitored ones
FULL_ID = re.compile(r"(?<![\d*])\d{17}[\dX](?![\d*])")
MASKED_ID = re.compile(r"\d{6}\*{8}[\dX]{4}")


@pytest.fixture(scope="module", autouse=True)
def needs_font():
    """Skip the module on a machine without a CJK TrueType font (imported by the CLI and UI print tests)."""
    try:
        find_font()
    except FontError as exc:  # pragma: no cover
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("print") / "demo.db"
    ctx = OpContext(open_sqlite(path), user="测试员", today_fn=lambda: TODAY)
    make_demo(ctx, 40, SEED, TODAY, parallel=False)
    ctx.engine.dispose()
    return path


@pytest.fixture(scope="module")
def demo(demo_path):
    ctx = OpContext(open_sqlite(demo_path), user="测试员", today_fn=lambda: TODAY)
    yield ctx
    ctx.engine.dispose()


@pytest.fixture
def copy(demo_path, tmp_path):
    """A private copy of the demo for tests that change it."""
    path = tmp_path / "copy.db"
    src, dst = sqlite3.connect(demo_path), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    ctx = OpContext(open_sqlite(path), user="测试员", today_fn=lambda: TODAY)
    yield ctx
    ctx.engine.dispose()


def village_code(ctx) -> str:
    with ctx.read() as s:
        return s.execute(select(Region.code).where(Region.level == "village")).scalar_one()


def households(ctx, *where) -> list:
    with ctx.read() as s:
        return s.execute(select(H).where(H.c.deleted.is_(False), *where).order_by(H.c.code)).all()


def registered(ctx) -> list:
    return households(ctx, H.c.status.in_(["01", "02", "03", "04", "05"]))


def text_of(path) -> str:
    return "\n".join(page_texts(path))


def test_register_lists_the_registered_households_with_labels_and_figures(demo):
    prepared = prepare(demo, PrintRequest("register", village=village_code(demo)))
    data = prepared.items[0]
    rows = {r.code: r for r in data.rows}
    expected = registered(demo)
    assert set(rows) == {h.code for h in expected}  # 注销 and non-registered monitored households are left out
    assert data.header.province == "广西壮族自治区" and data.header.county == "桂平市"
    assert data.header.village and data.header.township and data.header.village_code == village_code(demo)
    assert data.year == TODAY.year and prepared.households == len(expected)
    for h in expected:
        r = rows[h.code]
        assert r.head_name == h.head_name and r.head_id == (h.head_id_number or "") and r.size == h.size
        assert r.group.startswith("第") and r.group.endswith("组")
        assert r.category in {"一般贫困户", "低保贫困户", "特困供养贫困户", "一般脱贫户", "低保脱贫户", "特困供养脱贫户"}
        assert (r.category.endswith("脱贫户")) == (h.status == codes.HOUSEHOLD_STATUS.code("已脱贫"))
        assert r.main_cause == codes.CAUSE.label(h.main_cause)
        assert r.status == codes.HOUSEHOLD_STATUS.label(h.status)
        assert (r.per_capita is not None and r.per_capita > 0) if h.size else r.per_capita is None


def test_register_pdf_has_names_totals_and_page_numbers(demo, tmp_path):
    out = tmp_path / "register.pdf"
    printed = print_document(demo, PrintRequest("register", village=village_code(demo)), out)
    texts = page_texts(out)
    assert printed.pages == len(texts) >= 2
    assert footers(texts) == [(i, len(texts)) for i in range(1, len(texts) + 1)]
    whole = "\n".join(texts)
    hs = registered(demo)
    for h in hs:
        assert h.head_name in whole and h.code in whole
    assert f"合计：{len(hs)}户 {sum(h.size for h in hs)}人" in whole
    assert "建档立卡贫困户花名册" in whole and "第 1 页 共" in whole
    assert printed.missing == [] and printed.title.endswith("村有册（贫困户花名册）")


def test_member_register_has_a_row_per_living_member(demo, tmp_path):
    code = village_code(demo)
    by_household = prepare(demo, PrintRequest("register", village=code)).items[0]
    by_member = prepare(demo, PrintRequest("register", village=code, members=True)).items[0]
    with demo.read() as s:
        living = s.execute(select(M.c.id).where(
            M.c.household_id.in_([h.id for h in registered(demo)]), M.c.deleted.is_(False),
            M.c.status == codes.MEMBER_STATUS.code("正常"))).all()
    assert len(by_member.member_rows) == len(living) > len(by_household.rows)
    m = by_member.member_rows[0].member
    assert m.relation in codes.RELATION.labels() and m.ethnicity in codes.ETHNICITY.labels()
    out_h, out_m = tmp_path / "h.pdf", tmp_path / "m.pdf"
    pages_h = print_document(demo, PrintRequest("register", village=code), out_h).pages
    pages_m = print_document(demo, PrintRequest("register", village=code, members=True), out_m).pages
    assert pages_m > pages_h
    assert len(FULL_ID.findall(text_of(out_m))) > len(FULL_ID.findall(text_of(out_h)))


def test_card_of_one_household_reads_the_whole_file(demo, tmp_path):
    h = households(demo, H.c.status == codes.HOUSEHOLD_STATUS.code("未脱贫"))[0]
    card = prepare(demo, PrintRequest("card", households=(h.code,))).items[0]
    assert card.code == h.code and card.head_name == h.head_name and card.size == h.size
    assert card.members[0].relation == "户主" and card.members[0].name == h.head_name
    assert card.status == "未脱贫" and card.category.endswith("贫困户")
    # 人均纯收入 from app/domain/income, against the year's line
    inc = card.income
    assert inc.year == TODAY.year
    amounts = {line.label.removeprefix("其中："): line.amount for line in inc.lines}
    items = IncomeItems(**{k: amounts.get(label, Decimal(0)) for k, label in {
        "wages": "工资性收入", "business": "生产经营性收入", "property": "财产性收入", "transfers": "转移性收入",
        "business_costs": "生产经营性支出"}.items()})
    assert inc.net_income == net_income(items) and inc.per_capita == per_capita(inc.net_income, inc.size)
    assert "扶贫标准" in inc.line_text and inc.result == ("达标" if inc.per_capita > Decimal(4000) else "未达标")
    assert dict(card.conditions)["住房安全等级"] in codes.HOUSE_SAFETY.labels()
    assert card.plan is not None and card.plan.year == TODAY.year
    assert card.measures and all(m.kind in codes.MEASURE_TYPE.labels() for m in card.measures)
    assert card.helper is not None and card.helper.name and card.helper.end is None
    assert all(v.date.year == TODAY.year for v in card.visits) and card.visits
    assert card.supervision_phone == "12317" and card.policies
    out = tmp_path / "card.pdf"
    printed = print_document(demo, PrintRequest("card", households=(h.code,)), out)
    texts = page_texts(out)
    assert footers(texts)[0] == (1, printed.pages) and printed.pages >= 3
    whole = "\n".join(texts)
    assert h.head_name in whole and "贫困户帮扶手册" in whole and card.helper.name in whole
    assert printed.title == f"{h.code} {h.head_name} 户有卡（贫困户帮扶手册）"


def test_a_village_batch_reads_set_based_and_reports_progress(demo, tmp_path):
    def statements(request: PrintRequest) -> tuple[int, int]:
        seen = []
        listener = lambda *_args: seen.append(1)
        event.listen(demo.engine, "before_cursor_execute", listener)
        try:
            prepared = prepare(demo, request)
        finally:
            event.remove(demo.engine, "before_cursor_execute", listener)
        return prepared.households, len(seen)

    village, village_queries = statements(PrintRequest("card", village=village_code(demo)))
    one, one_queries = statements(PrintRequest("card", households=(registered(demo)[0].code,)))
    assert village >= 35 and one == 1
    assert village_queries == one_queries < 30  # one query per table, not one per household
    prepared = prepare(demo, PrintRequest("mingbai", village=village_code(demo)))
    seen = []
    printed = print_document(demo, PrintRequest("mingbai", village=village_code(demo)), tmp_path / "mb.pdf",
                             progress=lambda done, total: seen.append((done, total)))
    assert printed.pages == prepared.households and seen[-1] == (prepared.households, prepared.households)


@pytest.mark.parametrize("kind,status", [("identify", "新识别贫困户"), ("exit", "预脱贫")])
def test_notices_mask_ids_and_phones(demo, tmp_path, kind, status):
    out = tmp_path / f"{kind}.pdf"
    printed = print_document(demo, PrintRequest("notice", village=village_code(demo), kind=kind), out)
    whole = text_of(out)
    listed = households(demo, H.c.status == codes.HOUSEHOLD_STATUS.code(status))
    assert listed and printed.households == len(listed)
    for h in listed:
        assert h.head_name in whole
        assert f"{h.head_id_number[:6]}********{h.head_id_number[-4:]}" in whole
        assert h.head_id_number not in whole
    assert not FULL_ID.search(whole) and MASKED_ID.search(whole)
    start, end = TODAY, TODAY + timedelta(days=6)
    assert f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日" in whole
    assert "（7天）" in whole and "监督电话：12317" in whole and "村民委员会（盖章）" in whole


def test_monitor_notice_masks_phones_and_leaves_out_cleared_risks(demo, tmp_path):
    notice = prepare(demo, PrintRequest("notice", village=village_code(demo), kind="monitor")).items[0]
    monitored = households(demo, H.c.monitoring_type.is_not(None))
    open_risk = [h for h in monitored if h.risk_status != codes.RISK_STATUS.code("风险已消除")]
    assert {r.head_name for r in notice.rows} == {h.head_name for h in open_risk}
    out = tmp_path / "monitor.pdf"
    print_document(demo, PrintRequest("notice", village=village_code(demo), kind="monitor"), out)
    whole = text_of(out)
    for h in open_risk:
        if h.phone:
            assert h.phone not in whole and f"{h.phone[:3]}****{h.phone[-4:]}" in whole
    assert not FULL_ID.search(whole)


def test_settings_give_the_supervision_phone_and_objection_place(copy, tmp_path):
    with copy.sessions.begin() as s:
        s.execute(insert(Setting.__table__), [{"key": "supervision_phone", "value": "0775-3312317"},
                                              {"key": "objection_place", "value": "村委会办公室"}])
    out = tmp_path / "n.pdf"
    print_document(copy, PrintRequest("notice", village=village_code(copy), kind="exit"), out)
    whole = text_of(out).replace("\n", "")
    assert "0775-3312317" in whole and "向村委会办公室反映" in whole
    card = prepare(copy, PrintRequest("mingbai", households=(registered(copy)[0].code,))).items[0]
    assert card.supervision_phone == "0775-3312317"


def test_visit_form_is_filled_from_the_latest_visit_or_blank(demo):
    h = registered(demo)[0]
    filled = prepare(demo, PrintRequest("visit-form", households=(h.code,))).items[0]
    blank = prepare(demo, PrintRequest("visit-form", households=(h.code,), blank=True)).items[0]
    with demo.read() as s:
        latest = s.execute(select(func.max(V.c.visit_date)).where(V.c.household_id == h.id)).scalar()
    assert filled.date == latest and filled.visitors and filled.kind in codes.VISIT_KIND.labels()
    assert blank.date is None and blank.visitors == "" and blank.household_code == h.code == filled.household_code
    assert blank.head_name == h.head_name and blank.helper == filled.helper != ""


def test_exit_form_from_the_record_then_from_a_stored_assessment(copy, tmp_path):
    h = households(copy, H.c.status == codes.HOUSEHOLD_STATUS.code("预脱贫"))[0]
    form = prepare(copy, PrintRequest("exit-form", households=(h.code,))).items[0]
    assert [i.name for i in form.indicators][:2] == ["人均纯收入稳定超过当年扶贫标准", "不愁吃"]
    assert all(i.passed is not None and i.figure for i in form.indicators)
    assert form.profile.startswith("国家标准") and "扶贫标准" in form.line_text and form.date is None
    stored = [{"key": "income", "name": "人均纯收入稳定超过当年扶贫标准", "passed": True,
               "evidence": "人均纯收入 8888.00元（入户核实）"}]
    with copy.write() as w:
        w.insert(ExitAssessment.__table__, {
            "household_id": h.id, "year": TODAY.year, "profile": "guangxi_8you1chao", "passed": True,
            "indicators": json.dumps(stored, ensure_ascii=False), "assessed_by": "驻村工作队",
            "assessed_on": TODAY})
        for step, result in ((1, "达标"), (2, "通过")):
            w.insert(WorkflowStep.__table__, {"household_id": h.id, "process": "exit", "step": step,
                                              "step_date": TODAY, "actor": "驻村工作队", "result": result})
    form = prepare(copy, PrintRequest("exit-form", households=(h.code,))).items[0]
    assert [(i.name, i.figure, i.passed) for i in form.indicators] == [
        ("人均纯收入稳定超过当年扶贫标准", "人均纯收入 8888.00元（入户核实）", True)]
    assert form.profile == "广西“八有一超”" and form.date == TODAY
    card = prepare(copy, PrintRequest("card", households=(h.code,))).items[0]
    assert [(s.step[:6], s.result) for s in card.exit_steps] == [("入户核查测算", "达标"), ("村民代表大会", "通过")]
    out = tmp_path / "exit.pdf"
    print_document(copy, PrintRequest("exit-form", village=village_code(copy)), out)
    assert "8888.00" in text_of(out)


def test_unknown_household_or_village_and_nothing_to_print(copy):
    with pytest.raises(NotFound, match="户编号不存在"):
        prepare(copy, PrintRequest("card", households=("450881101201-01-9999",)))
    with pytest.raises(NotFound, match="村不存在"):
        prepare(copy, PrintRequest("register", village="450881999999"))
    with copy.read() as s:
        town = s.execute(select(Region.id).where(Region.level == "township")).scalar()
    create_region(copy, "450881101299", "空村", "village", town)
    with pytest.raises(NothingToPrint, match="空村没有"):
        prepare(copy, PrintRequest("register", village="450881101299"))


def test_a_name_the_font_cannot_draw_is_reported_with_its_household(copy, tmp_path):
    h = registered(copy)[0]
    with copy.read() as s:
        head = s.execute(select(M.c.id).where(M.c.household_id == h.id, M.c.relation == "01")).scalar()
    update_member(copy, head, {"name": "王䶮"})
    printed = print_document(copy, PrintRequest("register", village=village_code(copy)), tmp_path / "r.pdf")
    assert [(m.char, h.code in m.record, m.text) for m in printed.missing] == [("䶮", True, "王䶮")]
    printed = print_document(copy, PrintRequest("card", households=(h.code,)), tmp_path / "c.pdf")
    assert printed.missing and all(m.char == "䶮" and h.code in m.record for m in printed.missing)
    with pytest.raises(PrintRefused, match="䶮"):
        print_document(copy, PrintRequest("card", households=(h.code,)), tmp_path / "s.pdf", strict=True)
    assert not (tmp_path / "s.pdf").exists()


def test_exit_form_reprints_an_assessment_made_by_the_exit_op(copy):
    exit_assessment = pytest.importorskip("app.ops.exit_assessment")
    h = households(copy, H.c.status == codes.HOUSEHOLD_STATUS.code("预脱贫"))[0]
    stored = exit_assessment.assess_exit(copy, h.id, TODAY.year).value
    form = prepare(copy, PrintRequest("exit-form", households=(h.code,))).items[0]
    assert [(i.name, i.figure, i.passed) for i in form.indicators] == [
        (i.name, i.evidence, i.passed) for i in stored.indicators]
    assert form.per_capita == stored.per_capita and form.line_text == stored.line_text
    assert form.date == TODAY and form.profile == stored.profile_title
