import io
from dataclasses import replace

import pytest

from app.printing import (
    MissingCharsError,
    PrintOptions,
    write_card,
    write_cards,
    write_mingbai_card,
    write_mingbai_cards,
)
from app.printing.data import MeasureRow, MemberRow
from app.printing.fonts import FontCheck

from . import factories as F
from .pdf import footers, page_texts


@pytest.fixture
def opts(font):
    return PrintOptions(font=font)


def rare_char(font):
    return next(c for c in "㛃䶮𠅤" if ord(c) not in font.cmap)


def test_handbook_prints_every_section(tmp_path, opts):
    d = F.card(0)
    result = write_card(d, tmp_path / "card.pdf", opts)
    texts = page_texts(result.output)
    assert result.pages == len(texts) >= 3 and not result.missing
    assert footers(texts) == [(i, len(texts)) for i in range(1, len(texts) + 1)]
    text = "\n".join(texts)
    for member in d.members:
        assert member.name in text and member.id_number in text  # the handbook is not posted: full ID
    for section in ("家庭基本情况", "家庭成员", "生产生活条件", "致贫原因", "收入测算", "一户一策", "帮扶责任人", "走访记录", "脱贫退出"):
        assert section in text
    assert str(d.income.per_capita) in text and "2020年国家扶贫标准 4000元" in text and "8000.00" in text
    assert "户主（签字）" in text and "村委会（盖章）" in text
    assert all(d.header.line() in t for t in texts)


def test_batch_numbers_each_household_on_its_own(opts):
    cards = [F.card(0), F.card(1, visits=14)]
    texts = page_texts(write_cards(cards, io.BytesIO(), opts).output)
    numbers = footers(texts)
    starts = [i for i, (x, _) in enumerate(numbers) if x == 1]
    assert len(starts) == 2
    assert cards[0].code in texts[0] and cards[1].code in texts[starts[1]]
    first, second = numbers[: starts[1]], numbers[starts[1] :]
    assert {y for _, y in first} == {len(first)} and {y for _, y in second} == {len(second)}
    assert all(cards[1].code in t for t in texts[starts[1] :])  # the header follows the household


def test_missing_character_reported_with_its_household(opts, font):
    rare = rare_char(font)
    d = F.card(2)
    d = replace(d, members=[*d.members, MemberRow(name=f"王{rare}", sex="女", relation="之女")])
    result = write_card(d, io.BytesIO(), opts)
    assert [(m.char, m.field) for m in result.missing] == [(rare, "姓名")]
    assert d.code in result.missing[0].record
    assert f"王{FontCheck(font).mark}" in "".join(page_texts(result.output))  # marked, not an empty box


def test_strict_refuses_and_writes_nothing(tmp_path, font):
    d = replace(F.card(3), head_name=f"李{rare_char(font)}")
    out = tmp_path / "card.pdf"
    with pytest.raises(MissingCharsError) as err:
        write_card(d, out, PrintOptions(font=font, strict=True))
    assert "户主" in str(err.value) and "未生成文件" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_failure_midway_leaves_no_half_pdf(tmp_path, opts):
    out = tmp_path / "village.pdf"
    out.write_bytes(b"old")

    def cancel(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_cards([F.card(i) for i in range(4)], out, replace(opts, progress=cancel))
    assert out.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["village.pdf"]


def test_empty_batch_is_an_error(opts, tmp_path):
    with pytest.raises(ValueError, match="没有可打印的内容"):
        write_cards([], tmp_path / "x.pdf", opts)
    assert not (tmp_path / "x.pdf").exists()


def test_mingbai_is_one_page_whatever_the_data(opts):
    d = F.card(4)
    many = [MeasureRow(kind="产业扶持", content=f"第{i}批种苗发放，含技术指导和跟踪服务", year=2020) for i in range(40)]
    texts = page_texts(write_mingbai_cards([d, replace(d, measures=many)], io.BytesIO(), opts).output)
    assert footers(texts) == [(1, 1), (1, 1)]
    assert d.head_name in texts[0] and d.helper.phone in texts[0] and "监督电话：0775-12317" in texts[0]
    assert "低保金每月230元" in texts[0]


def test_single_mingbai(opts, tmp_path):
    result = write_mingbai_card(F.card(5), tmp_path / "m.pdf", opts)
    assert result.pages == 1 and result.output.stat().st_size > 1000


def test_every_font_in_the_pdf_is_embedded(tmp_path, opts):
    """`pdffonts` lists no font that is not embedded (reportlab's start font was Helvetica)."""
    import shutil
    import subprocess

    from app.printing import write_register

    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    outputs = [write_card(F.card(0), tmp_path / "card.pdf", opts).output,
               write_mingbai_card(F.card(1), tmp_path / "mingbai.pdf", opts).output]
    outputs.append(write_register(F.register(30), tmp_path / "register.pdf", opts).output)  # streamed
    for pdf in outputs:
        table = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        rows = table.splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), table  # the emb column
        assert "Helvetica" not in table
