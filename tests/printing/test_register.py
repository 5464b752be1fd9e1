import io
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from app.printing import PrintOptions, write_register, write_registers
from app.printing.register import ROWS_PER_PAGE, SIGN_ROWS, page_sizes

from . import factories as F
from .pdf import footers, page_texts


def test_household_register_totals_header_and_numbering(font):
    d = F.register(60)
    result = write_register(d, io.BytesIO(), PrintOptions(font=font))
    texts = page_texts(result.output)
    assert footers(texts) == [(i, len(texts)) for i in range(1, len(texts) + 1)]
    for t in texts:  # header, title and column header on every page
        assert d.header.line() in t and "兴上村建档立卡贫困户花名册" in t and "户主姓名" in t and "身份证号" in t
    text = "\n".join(texts)
    for row in d.rows:
        assert row.head_name in text and row.head_id in text and row.code in text
    people = sum(r.size for r in d.rows)
    assert f"合计：60户 {people}人" in text
    group1 = [r for r in d.rows if r.group == "01组"]
    assert f"01组小计：{len(group1)}户 {sum(r.size for r in group1)}人" in text
    assert "制表人：覃丽华" in texts[-1] and "审核人：韦志强" in texts[-1] and "2020年6月30日" in texts[-1]
    assert "制表人" not in texts[0]


def test_groups_in_natural_order():
    rows = [replace(F.register_row(i), group=g) for i, g in enumerate(["10组", "2组", "新建组", "01组", "2组"])]
    d = replace(F.register(0), rows=rows)
    text = "\n".join(page_texts(write_register(d, io.BytesIO()).output))
    order = [text.index(f"{g}小计") for g in ("01组", "2组", "10组", "新建组")]
    assert order == sorted(order) and "2组小计：2户" in text


def test_member_register_counts_households_and_people(font):
    d = F.register(30, per_member=True)
    texts = page_texts(write_register(d, io.BytesIO(), PrintOptions(font=font)).output)
    text = "\n".join(texts)
    assert all("与户主" in t and "养老保险" in t for t in texts)
    for r in d.member_rows[:50]:
        assert r.member.name in text and r.member.id_number in text
    assert f"合计：30户 {len(d.member_rows)}人" in text and "按人" in texts[0]


def test_page_count_grows_linearly_with_rows():
    """Counted in the PDF itself. A page holds 25 table lines (households, the 8 group subtotals and
    the total); the last page keeps 2 of them for the sign-off: 109, 209 and 409 lines make 4, 8 and
    16 full pages and one page of 9 lines; 124 lines leave 24 after 4 full pages, too many to share
    a page with the sign-off, so 22 go on page 5 and the last 2 on page 6 with it."""
    expected = {100: 5, 115: 6, 200: 9, 400: 17}
    for n, pages in expected.items():
        d = F.register(n)
        result = write_register(d, io.BytesIO())
        texts = page_texts(result.output)
        assert len(texts) == result.pages == pages
        per_page = [sum(row.code in t for row in d.rows) for t in texts]  # codes are fixed-width
        assert sum(per_page) == n and max(per_page) <= ROWS_PER_PAGE
        assert "制表人" in texts[-1] and not any("制表人" in t for t in texts[:-1])


@given(st.integers(min_value=1, max_value=2000))
def test_page_sizes_leave_room_for_the_sign_off(lines):
    sizes = page_sizes(lines)
    assert sum(sizes) == lines and all(0 < s <= ROWS_PER_PAGE for s in sizes)
    assert sizes[-1] <= ROWS_PER_PAGE - SIGN_ROWS


def test_long_text_shrinks_or_wraps_inside_its_cell(font):
    long_note = "易地扶贫搬迁安置点：北流市民安镇兴上村第三村民小组新建集中安置区二号楼三单元五零二室"
    rows = [replace(F.register_row(0), note=long_note, head_name="阿卜杜热合曼·买买提")]
    d = replace(F.register(0), rows=rows)
    text = page_texts(write_register(d, io.BytesIO(), PrintOptions(font=font)).output)[0]
    assert "阿卜杜热合曼" in text.replace("\n", "") and "…" in text  # the note was cut, visibly


def test_missing_character_names_the_household(font):
    rare = next(c for c in "㛃䶮𠅤" if ord(c) not in font.cmap)
    rows = [F.register_row(0), replace(F.register_row(1), head_name=f"韦{rare}")]
    result = write_registers([replace(F.register(0), rows=rows)], io.BytesIO(), PrintOptions(font=font))
    assert [(m.record, m.field, m.char) for m in result.missing] == [(f"户编号 {rows[1].code}", "户主姓名", rare)]
