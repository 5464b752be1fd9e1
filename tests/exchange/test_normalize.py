"""Cell readers: what is safe is normalised, what Excel destroyed is never guessed."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from app.domain import codes
from app.exchange import normalize as n
from tests.factories import id_number

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@given(st.dates(date(1920, 1, 1), date(2025, 12, 31)), st.sampled_from("男女"), st.integers(0, 400),
       st.booleans(), st.booleans(), st.sampled_from(["", " ", "\u3000", "\t"]))
def test_id_numbers_typed_any_safe_way_come_back_normalised(birth, sex, seq, full, lower, pad):
    number = id_number(birth, sex, seq)
    text = number.translate(FULL) if full else number
    text = text.lower() if lower else text
    text = f"{pad}{text[:6]} {text[6:]}{pad}"
    assert n.read_id(text) == n.Read(number)
    assert n.read_id(f"'{number}").value == number and n.read_id(f'="{number}"').value == number


def test_id_numbers_destroyed_by_excel_are_never_guessed():
    for cell in (4.50881199001011e17, 450881197003150000.0, "4.50881199001011E+17", "4.50881199001011e17"):
        read = n.read_id(cell)
        assert read.value is None and read.destroyed and "无法恢复" in read.note
    assert n.read_id(450881700315011.0) == n.Read("450881700315011")  # 15 digits: exact in a float
    assert n.read_id(12.5).destroyed


def test_codes_sets_booleans_dates_years():
    assert n.read_code("五保户", codes.CATEGORY, "贫困户属性").value == codes.CATEGORY.code("特困供养贫困户")
    assert n.read_code("因病致贫", codes.CAUSE, "致贫原因").value == codes.CAUSE.code("因病")
    kept = n.read_code("火星", codes.ETHNICITY, "民族")
    assert kept.value is None and kept.kept == "火星" and kept.note == "民族“火星”不在代码表中，已按原样保留"
    assert n.read_code("非在校生", codes.SCHOOLING, "在校生状况") == n.EMPTY  # not a pupil: nothing to keep
    odd = n.read_bool("已参保", "是否参加大病保险")  # not 是/否: kept as typed, never dropped
    assert odd.value is None and odd.kept == "已参保" and "已按原样保留" in odd.note
    assert codes.SCHOOLING.label(n.read_code("初中", codes.SCHOOLING, "在校生状况").value) == "初中（年级不详）"
    assert n.read_set("残疾、长期慢性病", codes.HEALTH, "健康状况").value == "01,03"
    assert n.read_bool(" 是 ", "x").value is True and n.read_bool("否", "x").value is False
    assert n.read_bool("也许", "x").note.startswith("x应为")
    for cell in ("2019-03-01", "2019/3/1", "20190301", "2019年3月1日", 43525.0, datetime(2019, 3, 1)):
        assert n.read_date(cell, "d").value == date(2019, 3, 1), cell
    assert n.read_year("2016年", "y").value == 2016 and n.read_year(date(2016, 5, 1), "y").value == 2016
    assert n.read_int("6.0", "m").value == 6 and n.read_int("六", "m").value is None
    assert n.read_phone(13800138000.0, "电话").value == "13800138000"
    assert n.read_phone("0775 1234567", "电话").value == "0775-1234567"
    assert n.read_account(6.23100000000000e18, "银行账号").destroyed
    assert n.read_sex("女性").value == "女" and n.read_name(" 阿依古丽•买买提 ").value == "阿依古丽·买买提"
