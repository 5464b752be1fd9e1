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
