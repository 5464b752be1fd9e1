import shutil
from pathlib import Path

import pytest

from app.printing import fonts
from app.printing.fonts import (
    FontCheck,
    FontError,
    FontSpec,
    find_font,
    load_font,
    missing_chars,
    outline_kind,
    parse_spec,
)


def fake_cff(path: Path, collection: bool = False) -> Path:
    """A file that looks like Noto Sans CJK: OpenType with PostScript (CFF) outlines."""
    head = b"ttcf" + b"\x00\x01\x00\x00" + (1).to_bytes(4, "big") + (16).to_bytes(4, "big") if collection else b""
    path.write_bytes(head + b"OTTO" + bytes(64))
    return path


def test_machine_font_is_truetype(font):
    assert outline_kind(font.spec) == "truetype"
    assert font.name.startswith("KaceCJK")


def test_explicit_and_env_font_come_first(font, tmp_path):
    assert find_font(font.spec.path, env={}) == FontSpec(font.spec.path)
    assert find_font(env={fonts.ENV_VAR: f"{font.spec.path}#0"}) == FontSpec(font.spec.path, 0)
    assert parse_spec(r"C:\Windows\Fonts\msyh.ttc#1") == FontSpec(Path(r"C:\Windows\Fonts\msyh.ttc"), 1)
    with pytest.raises(FontError, match="找不到字体文件"):
        find_font(tmp_path / "none.ttf", env={})


def test_windows_order_simsun_before_simhei(font, tmp_path):
    folder = tmp_path / "Fonts"
    folder.mkdir()
    for name in ("msyh.ttc", "simhei.ttf", "simsun.ttc"):
        shutil.copyfile(font.spec.path, folder / name)
    spec = find_font(env={"WINDIR": str(tmp_path)}, linux_dirs=(), use_fc_list=False)
    assert spec == FontSpec(folder / "simsun.ttc", 0)


def test_linux_names_searched_in_documented_order(font, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copyfile(font.spec.path, tmp_path / "a" / "uming.ttc")
    shutil.copyfile(font.spec.path, tmp_path / "b" / "wqy-zenhei.ttc")
    spec = find_font(env={}, linux_dirs=(str(tmp_path),), use_fc_list=False)
    assert spec.path.name == "wqy-zenhei.ttc"


def test_only_cff_fonts_gives_chinese_error(tmp_path, monkeypatch):
    noto = fake_cff(tmp_path / "NotoSansCJK-Regular.ttc", collection=True)
    monkeypatch.setattr(fonts, "_fc_list", lambda: [FontSpec(noto)])
    with pytest.raises(FontError) as err:
        find_font(env={}, linux_dirs=(str(tmp_path),))
    message = str(err.value)
    assert "NotoSansCJK-Regular.ttc" in message and "CFF" in message
    assert "reportlab 无法把它嵌入" in message and "fonts-wqy-microhei" in message


def test_explicit_otf_refused_before_reportlab_sees_it(tmp_path):
    otf = fake_cff(tmp_path / "SourceHanSans.otf")
    with pytest.raises(FontError, match="CFF/OpenType"):
        find_font(otf, env={})
    with pytest.raises(FontError, match="CFF/OpenType"):
        load_font(FontSpec(otf))


def test_no_font_at_all(tmp_path):
    with pytest.raises(FontError, match="未找到可嵌入 PDF 的中文 TrueType 字体"):
        find_font(env={}, linux_dirs=(str(tmp_path),), use_fc_list=False)


def test_missing_chars_from_the_character_map(font):
    lacking = {c for c in "㛃䶮𠅤" if ord(c) not in font.cmap}
    assert lacking, "this font has every rare character we know"
    assert missing_chars(font, "王" + "".join(lacking) + "\n") == lacking
    assert missing_chars(font.ttfont, "王建国·阿不都") == set()


def test_check_marks_and_records_once_per_record_and_field(font):
    rare = next(c for c in "㛃䶮𠅤" if ord(c) not in font.cmap)
    check = FontCheck(font)
    with check.record("户编号 450981104201-01-0001"):
        assert check.text(f"王{rare}", "姓名") == f"王{check.mark}"
        check.text(f"王{rare}", "姓名")
        check.text(f"李{rare}", "户主姓名")
    assert check.text(None) == "" and check.text(2020) == "2020"
    assert [(m.record, m.field, m.char) for m in check.missing] == [
        ("户编号 450981104201-01-0001", "姓名", rare),
        ("户编号 450981104201-01-0001", "户主姓名", rare),
    ]
    assert f"U+{ord(rare):04X}" in str(check.missing[0])
