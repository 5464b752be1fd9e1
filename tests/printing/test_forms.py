import io

from app.printing import PrintOptions, write_exit_form, write_exit_forms, write_visit_form, write_visit_forms
from app.printing.data import Indicator
from app.printing.exit_form import conclusion

from . import factories as F
from .pdf import footers, page_texts


def test_visit_form_blank_and_filled(font):
    blank, filled = F.visit_form(False), F.visit_form(True)
    texts = page_texts(write_visit_forms([blank, filled], io.BytesIO(), PrintOptions(font=font)).output)
    assert footers(texts) == [(1, 1), (1, 1)]
    for label in ("入户走访记录表", "走访方式", "家庭变化情况", "存在问题和诉求", "帮扶措施落实情况", "下一步打算", "走访人（签字）", "户主（签字）"):
        assert label in texts[0] and label in texts[1]
    assert "□入户走访" in texts[0] and "√入户走访" in texts[1] and "□电话走访" in texts[1]
    assert "希望扩大养鸡规模" in texts[1] and "希望扩大养鸡规模" not in texts[0]
    assert "2020年5月12日" in texts[1]


def test_visit_form_long_text_stays_in_its_box(font, tmp_path):
    from dataclasses import replace

    long = "；".join(f"第{i}条：群众反映村道路灯损坏、饮水管道老化需要维修" for i in range(40))
    result = write_visit_form(replace(F.visit_form(), problems=long), tmp_path / "v.pdf", PrintOptions(font=font))
    assert result.pages == 1  # shrunk and cut inside the box, never spilling onto another page


def test_exit_form_indicators_and_signatures(font):
    d = F.exit_form()
    texts = page_texts(write_exit_form(d, io.BytesIO(), PrintOptions(font=font)).output)
    text = texts[0]
    assert footers(texts) == [(1, 1)]
    for i in d.indicators:
        assert i.name in text and i.figure in text
    assert text.count("未达标") >= 2 and "达标" in text  # one failed indicator, and the conclusion names it
    assert "未达到退出标准：饮水安全有保障未达标" in text
    for who in ("户主（签字）", "帮扶责任人（签字）", "村两委（盖章）", "驻村工作队（签字）", "乡镇（盖章）"):
        assert who in text


def test_exit_form_unassessed_prints_boxes_to_tick(font):
    from dataclasses import replace

    d = replace(F.exit_form(), indicators=[("不愁吃", "", None), Indicator(name="不愁穿")])
    text = page_texts(write_exit_forms([d], io.BytesIO(), PrintOptions(font=font)).output)[0]
    assert "□达标" in text and "□未达标" in text


def test_conclusion():
    assert conclusion([Indicator(name="不愁吃", passed=True)]) == "各项指标均已达标，达到贫困户退出标准。"
    assert conclusion([Indicator(name="不愁吃", passed=None)]) == ""
