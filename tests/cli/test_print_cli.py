"""`kace print …`: the CLI contract over a real demo made by `kace demo` (one village, 40 households)."""

from __future__ import annotations

import re
import sqlite3

import pytest

from app.cli import main
from tests.printing.test_print_jobs import FULL_ID, MASKED_ID, needs_font  # noqa: F401 (autouse fixture)
from tests.printing.pdf import footers, page_texts


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("print-cli") / "demo.db"
    assert main(["demo", "--db", str(path), "--households", "40", "--seed", "22", "--as-of", "2026-11-27"]) == 0
    return path


def query(db, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def village(demo_db) -> str:
    return query(demo_db, "SELECT code FROM region WHERE level = 'village'")[0][0]


def kace_print(capsys, db, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["print", *args, "--db", str(db)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_register_of_a_village(demo_db, village, tmp_path, capsys):
    out = tmp_path / "村册.pdf"
    code, stdout, _ = kace_print(capsys, demo_db, "register", "--village", village, "--out", str(out))
    assert code == 0
    texts = page_texts(out)
    assert f"共 {len(texts)} 页" in stdout and str(out) in stdout
    assert footers(texts)[0] == (1, len(texts))
    whole = "\n".join(texts)
    assert "建档立卡贫困户花名册" in whole and "第 1 页 共" in whole
    heads = query(demo_db, "SELECT head_name FROM household WHERE status IN ('01','02','03','04','05')")
    assert all(name in whole for (name,) in heads)


def test_member_register_has_more_rows(demo_db, village, tmp_path, capsys):
    rows = {}
    for flag in ((), ("--members",)):
        out = tmp_path / f"r{len(flag)}.pdf"
        assert kace_print(capsys, demo_db, "register", "--village", village, *flag, "--out", str(out))[0] == 0
        rows[flag] = len(FULL_ID.findall("\n".join(page_texts(out))))
    assert rows[("--members",)] > rows[()] > 0


def test_card_of_one_household(demo_db, tmp_path, capsys):
    code_, head = query(demo_db, "SELECT code, head_name FROM household WHERE status = '02' ORDER BY code")[0]
    out = tmp_path / "card.pdf"
    code, stdout, _ = kace_print(capsys, demo_db, "card", "--household", code_, "--out", str(out))
    assert code == 0 and f"{code_} {head}" in stdout
    texts = page_texts(out)
    assert footers(texts) == [(i, len(texts)) for i in range(1, len(texts) + 1)]
    assert head in texts[0] and "贫困户帮扶手册" in texts[0]


@pytest.mark.parametrize("kind", ["identify", "exit", "monitor"])
def test_notices_never_print_a_full_id(demo_db, village, tmp_path, capsys, kind):
    out = tmp_path / f"{kind}.pdf"
    code, stdout, _ = kace_print(capsys, demo_db, "notice", "--kind", kind, "--village", village, "--out", str(out))
    assert code == 0 and "公示" in stdout
    whole = "\n".join(page_texts(out))
    assert MASKED_ID.search(whole) and not FULL_ID.search(whole)
    assert "第 1 页 共 1 页" in whole


@pytest.mark.parametrize("document,pages_per_household", [("mingbai", 1), ("visit-form", 1)])
def test_village_batches(demo_db, village, tmp_path, capsys, document, pages_per_household):
    out = tmp_path / f"{document}.pdf"
    code, stdout, _ = kace_print(capsys, demo_db, document, "--village", village, "--out", str(out))
    assert code == 0
    households = int(re.search(r"（(\d+)户）", stdout).group(1))
    assert len(page_texts(out)) == households * pages_per_household


def test_exit_form(demo_db, village, tmp_path, capsys):
    out = tmp_path / "exit.pdf"
    assert kace_print(capsys, demo_db, "exit-form", "--village", village, "--out", str(out))[0] == 0
    assert "贫困户退出验收表" in page_texts(out)[0]


def test_unknown_village_or_household_exits_2_and_writes_nothing(demo_db, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    code, _, err = kace_print(capsys, demo_db, "register", "--village", "450881999999", "--out", str(out))
    assert code == 2 and "村不存在：450881999999" in err
    code, _, err = kace_print(capsys, demo_db, "card", "--household", "450881101201-01-9999", "--out", str(out))
    assert code == 2 and "户编号不存在：450881101201-01-9999" in err
    code, _, err = kace_print(capsys, demo_db, "register", "--out", str(out))
    assert code == 2 and "--village" in err
    household = query(demo_db, "SELECT code FROM household ORDER BY code")[0][0]
    code, _, err = kace_print(capsys, demo_db, "card", "--household", household, "--font", str(tmp_path / "none.ttf"),
                              "--out", str(out))
    assert code == 2 and "找不到字体文件" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_missing_characters_are_listed_with_the_household(demo_db, village, tmp_path, capsys):
    db = tmp_path / "rare.db"
    src, dst = sqlite3.connect(demo_db), sqlite3.connect(db)
    src.backup(dst)
    src.close()
    household = dst.execute("SELECT id, code FROM household WHERE status = '04' ORDER BY code").fetchone()
    dst.execute("UPDATE member SET name = '李㛃' WHERE household_id = ? AND relation = '01'", (household[0],))
    dst.execute("UPDATE household SET head_name = '李㛃' WHERE id = ?", (household[0],))
    dst.commit()
    dst.close()
    out = tmp_path / "r.pdf"
    code, _, err = kace_print(capsys, db, "register", "--village", village, "--out", str(out))
    assert code == 0 and out.exists()
    line = next(x for x in err.splitlines() if "㛃" in x)
    assert household[1] in line and "缺字“㛃”" in line and "李㛃" in line
    strict = tmp_path / "strict.pdf"
    code, _, err = kace_print(capsys, db, "card", "--household", household[1], "--strict", "--out", str(strict))
    assert code == 1 and household[1] in err and not strict.exists()
