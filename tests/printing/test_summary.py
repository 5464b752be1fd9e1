"""汇总表 (乡有簿, 县有档): column widths that fit the page, a long table one block per page with
exactly one header row on each, every row printed once, the sign-off and its date together."""

from __future__ import annotations

import io
from datetime import date

from reportlab.pdfbase.pdfmetrics import stringWidth

from app.printing import PrintOptions, SummaryBook, SummaryTable, write_summary
from app.printing.summary import WIDTH, column_widths
from tests.printing.pdf import footers, page_texts

COLUMNS = ["村", "户编号", "户主", "户主身份证号", "人数", "贫困户属性", "户状态"]


def rows(n: int) -> list[list[str]]:
    return [["新口村", f"450881101201-01-{i:04d}", "张三", "450881********123X", str(i % 7 + 1), "一般贫困户",
             "已脱贫"] for i in range(1, n + 1)]


def test_widths_fit_the_page_and_short_tables_keep_their_text_on_one_line(font):
    narrow = column_widths(font.name, COLUMNS, rows(3))
    assert sum(narrow) < WIDTH
    assert narrow[1] >= stringWidth("450881101201-01-0001", font.name, 8)  # the code never wraps
    wide = column_widths(font.name, [f"很长很长的第{i}列标题" for i in range(30)], [["一二三四五六七八九十"] * 30])
    assert abs(sum(wide) - WIDTH) < 1  # capped to the page


def test_a_long_table_is_one_block_a_page_with_one_header_each(font):
    out = io.BytesIO()
    book = SummaryBook(title="木乐镇扶贫工作汇总簿（乡有簿）", header="广西壮族自治区 贵港市 桂平市 木乐镇", tag="乡镇代码",
                       tables=[SummaryTable("各村", ["村", "户数"], [["新口村", "232"]], frozenset({1})),
                               SummaryTable("户名册", COLUMNS, rows(500), frozenset({4}))],
                       date=date(2026, 11, 27), sign_as="木乐镇人民政府（盖章）")
    result = write_summary(book, out, PrintOptions(font=font, print_date=date(2026, 11, 27)))
    texts = page_texts(out.getvalue())
    assert len(texts) == result.pages and footers(texts) == [(i, result.pages) for i in range(1, result.pages + 1)]
    assert "各村" in texts[0] and "户名册" not in texts[0]  # the long table starts on a page of its own
    register = texts[1:]
    assert all(t.count("户主身份证号") == 1 for t in register), [t.count("户主身份证号") for t in register]
    printed = [c for t in register for c in t.split() if c.startswith("450881101201-01-")]
    assert printed == [r[1] for r in rows(500)]  # each row once, in order
    per_page = [sum(c.startswith("450881101201-01-") for c in t.split()) for t in register]
    assert min(per_page[:-1]) >= 30  # full pages are full
    assert "木乐镇人民政府（盖章）" in texts[-1] and "2026年11月27日" in texts[-1]
    assert not result.missing
