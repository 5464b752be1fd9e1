from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.printing.text import LEADING, fit, wrap

CJK = st.text(alphabet=st.sampled_from("王李张刘贫困户扶贫易地搬迁安置点，。、（）0123456789-·abcXY "), max_size=80)


@settings(max_examples=150, deadline=None)
@given(text=CJK, width=st.floats(min_value=20, max_value=200))
def test_wrap_keeps_every_character_within_the_width(font, text, width):
    lines = wrap(text, width, font.name, 8)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        assert stringWidth(line, font.name, 8) <= width or len(line) == 1


@settings(max_examples=150, deadline=None)
@given(text=CJK, width=st.floats(min_value=20, max_value=200), height=st.floats(min_value=8, max_value=40))
def test_fit_never_leaves_the_box(font, text, width, height):
    lines, size = fit(text, width, height, font.name, 8, 5.5)
    assert 5.5 <= size <= 8
    assert all(stringWidth(line, font.name, size) <= width + 0.01 or len(line) == 1 for line in lines)
    assert len(lines) == 1 or len(lines) * size * LEADING <= height


def test_closing_punctuation_does_not_start_a_line(font):
    lines = wrap("一二三四五，六七", stringWidth("一二三四五", font.name, 10), font.name, 10)
    assert not lines[1].startswith("，")


# Chinese text as it is written: runs of characters, an opening mark before a run, at most one
# closing mark after it (so the rules can always be kept)
SENTENCES = st.lists(st.tuples(st.sampled_from(["", "", "（", "《", "「"]),
                               st.text(alphabet="王李张刘贫困户扶贫易地搬迁安置点", min_size=1, max_size=5),
                               st.sampled_from(["", "，", "。", "、", "；", "：", "？", "！", "）", "》", "」"])),
                     min_size=1, max_size=25).map(lambda parts: "".join(a + b + c for a, b, c in parts))


@settings(max_examples=120, deadline=None)
@given(text=SENTENCES, chars=st.integers(min_value=5, max_value=30))
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(font, text, chars):
    from app.printing.text import NO_LINE_END, NO_LINE_START

    width = chars * stringWidth("王", font.name, 10)
    lines = wrap(text, width, font.name, 10, first_width=width - 20)
    assert "".join(lines) == text
    assert all(line for line in lines)
    assert not any(line[0] in NO_LINE_START for line in lines[1:]), lines
    assert not any(line[-1] in NO_LINE_END for line in lines[:-1]), lines
    assert stringWidth(lines[0], font.name, 10) <= width - 20 + 3 * stringWidth("王", font.name, 10)


def test_printed_paragraphs_keep_the_rules(font, tmp_path):
    """A notice's paragraph (reportlab's own CJK wrap started a line with "，")."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from app.printing.page_style import ChineseParagraph, styles
    from app.printing.text import NO_LINE_END, NO_LINE_START
    from tests.printing.pdf import page_texts

    text = ("经农户申请、村民小组评议、村两委审核、驻村工作队核实，拟识别以下户为建档立卡贫困户，"
            "现予以公示（公示期七天）。如有异议，请于公示期内向村委会或乡镇人民政府反映。") * 3
    out = tmp_path / "p.pdf"
    doc = SimpleDocTemplate(str(out), pagesize=A4, initialFontName=font.name)
    doc.build([ChineseParagraph(text, styles(font.name).body)])
    lines = [line for page in page_texts(out) for line in page.splitlines() if line.strip()]
    assert len(lines) > 3
    assert not any(line.strip()[0] in NO_LINE_START for line in lines), lines
    assert not any(line.strip()[-1] in NO_LINE_END for line in lines), lines


def test_a_run_of_closing_punctuation_wider_than_the_line_still_keeps_the_width(font):
    # found by the property above: moving "、、" down with the next "、" made a line wider than 21 pt
    lines = wrap("0、、、", 21.0, font.name, 8)
    assert "".join(lines) == "0、、、"
    assert all(stringWidth(line, font.name, 8) <= 21.0 for line in lines)
