import io
import re
from dataclasses import replace

import pytest

from app.printing import PrintOptions, write_notice, write_notices
from app.printing.notice import scrub

from . import factories as F
from .pdf import footers, page_texts

FULL_ID = re.compile(r"\d{17}[\dX]|\d{15}")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def notice_text(notices, font):
    texts = page_texts(write_notices(notices, io.BytesIO(), PrintOptions(font=font)).output)
    return texts, "\n".join(texts)


@pytest.mark.parametrize("kind", ["identify", "exit", "monitor"])
def test_no_unmasked_id_or_phone_on_the_wall(kind, font):
    d = F.notice(30, kind)
    leaky = replace(d.rows[0], note="身份证450981198807020013，账号6228480402564890018，电话13912345678")
    d = replace(d, rows=[leaky, *d.rows[1:]])
    texts, text = notice_text([d], font)
    assert not FULL_ID.findall(text) and not MOBILE.findall(text)
    assert "6228480402564890018" not in text
    for r in d.rows:
        assert r.head_name in text and f"{r.id_number[:6]}********{r.id_number[-4:]}" in text
    assert "0775-6812317" in text  # the supervision phone is printed whole: it must be callable
    assert footers(texts) == [(i, len(texts)) for i in range(1, len(texts) + 1)]
    assert all(d.header.line() in t for t in texts)


def test_identification_notice_wording(font):
    d = F.notice(5, "identify")
    _, text = notice_text([d], font)
    people = sum(r.size for r in d.rows)
    assert "兴上村2020年拟识别贫困户公示" in text and f"共5户{people}人" in text
    assert "2020年3月1日至2020年3月7日（7天）" in text.replace("\n", "") and "兴上村村民委员会办公室" in text.replace("\n", "")
    assert "兴上村村民委员会（盖章）" in text and f"合计：5户 {people}人" in text
    assert d.rows[0].main_cause in text


def test_exit_and_monitor_columns(font):
    exit_, monitor = F.notice(3, "exit"), F.notice(3, "monitor", announcement=True)
    _, text = notice_text([exit_, monitor], font)
    assert str(exit_.rows[0].per_capita) in text and "人均纯收入" in text
    assert "防止返贫监测对象公告" in text and "边缘易致贫户" in text and "138****0000" in text


def test_scrub_masks_numbers_in_free_text():
    assert scrub("户主450981198807020013") == "户主450981********0013"
    assert scrub("旧证450981880702001") == "旧证450981*****2001"
    assert scrub("电话13912345678转") == "电话139****5678转"
    assert scrub("2020年人均4000元") == "2020年人均4000元"


def test_single_notice_to_path(tmp_path, font):
    result = write_notice(F.notice(3), tmp_path / "n.pdf", PrintOptions(font=font))
    assert result.pages == 1 and result.output == tmp_path / "n.pdf"
