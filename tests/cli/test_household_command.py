"""`kace household exit-year`: 脱贫年度 corrected with a reason, refused without one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.cli import main
from app.db.migrate import open_sqlite
from app.db.models import Change, Household
from app.demo import make_demo
from app.domain import workflow
from app.ops.context import OpContext

H = Household.__table__
TODAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("household") / "demo.db"
    ctx = OpContext(open_sqlite(path), today_fn=lambda: TODAY)
    make_demo(ctx, 40, seed=3, as_of=TODAY, parallel=False)
    ctx.engine.dispose()
    return path


def household(path, status):
    ctx = OpContext(open_sqlite(path), today_fn=lambda: TODAY)
    with ctx.read() as s:
        row = s.execute(select(H.c.id, H.c.code, H.c.exit_year, H.c.identified_year, H.c.note)
                        .where(H.c.status == status).order_by(H.c.code).limit(1)).first()
    ctx.engine.dispose()
    return row


def test_exit_year_is_corrected_with_the_reason_in_note_and_history(demo_db, capsys):
    h = household(demo_db, workflow.EXITED)
    new = 2021 if h.exit_year != 2021 else 2020
    code = main(["household", "exit-year", "--db", str(demo_db), "--household", h.code, "--year", str(new),
                 "--reason", "县里复核：验收批次为该年度"])
    assert code == 0, capsys.readouterr().err
    assert f"脱贫年度为 {new} 年" in capsys.readouterr().out
    after = household(demo_db, workflow.EXITED)
    assert after.id == h.id and after.exit_year == new
    assert f"脱贫年度由{h.exit_year}改为{new}" in after.note and "县里复核：验收批次为该年度" in after.note
    ctx = OpContext(open_sqlite(demo_db), today_fn=lambda: TODAY)
    with ctx.read() as s:
        logged = s.execute(select(Change.__table__.c.row_id).where(Change.__table__.c.table_name == "household")
                           .order_by(Change.__table__.c.seq.desc()).limit(1)).scalar()
    ctx.engine.dispose()
    assert logged == h.id


@pytest.mark.parametrize("args, message", [
    (["--year", "2021", "--reason", "  "], "修改脱贫年度须填写原因"),
    (["--year", "2009", "--reason", "错录"], "脱贫年度不正确：2009"),
])
def test_exit_year_refused_changes_nothing(demo_db, capsys, args, message):
    h = household(demo_db, workflow.EXITED)
    code = main(["household", "exit-year", "--db", str(demo_db), "--household", h.code, *args])
    assert code == 2 and message in capsys.readouterr().err
    assert household(demo_db, workflow.EXITED) == h


def test_exit_year_of_a_household_not_exited_or_unknown(demo_db, capsys):
    poor = household(demo_db, workflow.POOR)
    assert main(["household", "exit-year", "--db", str(demo_db), "--household", poor.code, "--year", "2021",
                 "--reason", "错录"]) == 2
    assert "只有已脱贫户才有脱贫年度" in capsys.readouterr().err
    assert main(["household", "exit-year", "--db", str(demo_db), "--household", "450000000000-01-9999",
                 "--year", "2021", "--reason", "错录"]) == 2
    assert "户编号不存在：450000000000-01-9999" in capsys.readouterr().err
