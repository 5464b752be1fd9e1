"""省有库 (docs/county.md, "A province over many county servers"): two county servers' databases
gathered into one province database by PostgreSQL logical replication (a publication in each county,
one subscription per county in the province), and the province's figures read from it.

Runs on clusters of its own (tests/console/pg_cluster.py: initdb on free ports, wal_level=logical);
skipped only where PostgreSQL's server programs are not installed."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from app.console import figures
from app.db.engine import make_session_factory
from app.db.migrate import upgrade_engine
from app.domain import codes
from app.ops.context import OpContext
from app.ops.households import create_household, delete_household, update_household
from app.ops.regions import create_region
from tests.console.pg_cluster import Cluster, server_binaries

BIN = server_binaries()
pytestmark = pytest.mark.skipif(BIN is None, reason="PostgreSQL server programs (initdb, pg_ctl under "
                                                    "/usr/lib/postgresql/*/bin) are not installed")
TODAY = date(2026, 11, 27)
# The record tables a county publishes (docs/county.md): not the server's own tables (change log,
# devices, accounts, counters), whose keys are per server and would collide in the province.
PUBLISHED = ("household", "member", "conditions", "income", "helper", "assignment", "plan", "measure", "loan",
             "visit", "workflow_step", "exit_assessment", "monitoring_record")
# Two counties of 贵港市, 广西 (their own 6-digit codes); each server also holds the province and
# the prefecture as rows of its own, with ids of its own: those stay home (the publication's filter).
COUNTIES = {"桂平市": ("450881", [("101", "木乐镇", [("201", "木乐村", 5), ("202", "南乡村", 3)])]),
            "平南县": ("450821", [("103", "大安镇", [("211", "大安村", 4)]), ("104", "丹竹镇", [("212", "丹竹村", 2)])])}
ID_BASE = {"450881": "450881195001010", "450821": "450821196002020"}


def fill_county(url: str, county_code: str, county_name: str, towns) -> None:
    """Kace's schema and a county written through the ops, as laptops' changes land on a server."""
    engine = create_engine(url)
    upgrade_engine(engine)
    ctx = OpContext(engine, user="县扶贫办", today_fn=lambda: TODAY)
    province = create_region(ctx, "450000000000", "广西壮族自治区", "province").value["id"]
    city = create_region(ctx, "450800000000", "贵港市", "prefecture", province).value["id"]
    county = create_region(ctx, county_code + "000000", county_name, "county", city).value["id"]
    serial = 0
    for town_code, town_name, villages in towns:
        town = create_region(ctx, f"{county_code}{town_code}000", town_name, "township", county).value["id"]
        for village_code, village_name, households in villages:
            village = create_region(ctx, f"{county_code}{town_code}{village_code}", village_name, "village", town,
                                    agri_population=400).value["id"]
            for n in range(households):
                serial += 1
                number = id_number(county_code, serial)
                create_household(ctx, {"village_id": village, "head_name": person(serial),
                                       "status": codes.HOUSEHOLD_STATUS.code("未脱贫")},
                                 [{"name": person(serial), "relation": codes.RELATION.code("户主"), "id_number": number},
                                  {"name": person(serial + 50), "relation": codes.RELATION.code("配偶")}][: 1 + n % 2])
    engine.dispose()


def person(serial: int, given: str = "伟芳娜敏静丽强磊军洋") -> str:
    return "张王李赵陈"[serial % 5] + given[serial % 10] + given[serial // 10 % 10]


def id_number(county: str, serial: int) -> str:
    body = f"{county}1960{serial % 12 + 1:02d}15{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def publish(cluster: Cluster, database: str) -> None:
    with cluster.connect(database) as conn:
        # A row filter on `level` needs the column in the replica identity (updates are filtered too).
        conn.execute("ALTER TABLE region REPLICA IDENTITY FULL")
        conn.execute("CREATE PUBLICATION kace_county FOR TABLE region WHERE (level <> 'province' AND level <> 'prefecture'), "
                     + ", ".join(PUBLISHED))


def by_county(url: str) -> dict[str, tuple[int, int, int]]:
    """Per county code (the first 6 digits of a village's code): villages, households, members,
    as the console's county page counts them (app/console/figures.village_figures)."""
    engine = create_engine(url)
    with make_session_factory(engine).begin() as s:
        rows = figures.village_figures(s, None, TODAY)
    engine.dispose()
    out: dict[str, Counter] = {}
    for f in rows:
        out.setdefault(f.code[:6], Counter()).update({"villages": 1, "households": f.households, "members": f.members})
    return {code: (c["villages"], c["households"], c["members"]) for code, c in out.items()}


def wait_for(predicate, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the province database did not catch up in time")
        time.sleep(0.5)


@pytest.fixture
def clusters():
    made = []
    try:
        for name in ("county-a", "county-b", "province"):
            made.append(Cluster(BIN, name))
        yield made
    finally:
        for c in made:
            c.stop()


def test_two_county_servers_replicate_into_one_province_database(clusters):
    county_a, county_b, province = clusters
    (name_a, (code_a, towns_a)), (name_b, (code_b, towns_b)) = COUNTIES.items()
    for cluster, code, name, towns in ((county_a, code_a, name_a, towns_a), (county_b, code_b, name_b, towns_b)):
        cluster.create_database("kace")
        fill_county(cluster.url("kace"), code, name, towns)
        publish(cluster, "kace")
    province.create_database("province")
    engine = create_engine(province.url("province"))
    upgrade_engine(engine)  # the same schema; the province keeps its own province/prefecture rows
    ctx = OpContext(engine, user="省扶贫办", today_fn=lambda: TODAY)
    create_region(ctx, "450000000000", "广西壮族自治区", "province")
    engine.dispose()
    with province.connect("province") as conn:
        for sub, cluster in (("county_450881", county_a), ("county_450821", county_b)):
            conn.execute(f"CREATE SUBSCRIPTION {sub} CONNECTION '{cluster.conninfo('kace')}' "
                         "PUBLICATION kace_county WITH (copy_data = true)")

    expected = {**by_county(county_a.url("kace")), **by_county(county_b.url("kace"))}
    assert expected == {code_a: (2, 8, 11), code_b: (2, 6, 9)}
    wait_for(lambda: by_county(province.url("province")) == expected)

    # Later changes stream in: one county edits and deletes, the other adds a household.
    engine_a = create_engine(county_a.url("kace"))
    ctx_a = OpContext(engine_a, user="县扶贫办", today_fn=lambda: TODAY)
    with engine_a.connect() as conn:
        first, second = conn.execute(text("SELECT id FROM household ORDER BY code LIMIT 2")).scalars()
    update_household(ctx_a, first, {"note": "省里抽查"})
    delete_household(ctx_a, second)
    engine_a.dispose()
    engine_b = create_engine(county_b.url("kace"))
    with engine_b.connect() as conn:
        village = conn.execute(text("SELECT id FROM region WHERE code = '450821104212'")).scalar_one()
    create_household(OpContext(engine_b, user="县扶贫办", today_fn=lambda: TODAY),
                     {"village_id": village, "head_name": "黄新"}, [{"name": "黄新", "relation": codes.RELATION.code("户主")}])
    engine_b.dispose()
    expected = {**by_county(county_a.url("kace")), **by_county(county_b.url("kace"))}
    assert expected[code_a][1] == 7 and expected[code_b][1] == 7
    wait_for(lambda: by_county(province.url("province")) == expected)
    with province.connect("province") as conn:
        assert conn.execute("SELECT note FROM household WHERE id = %s", (first,)).fetchone()[0] == "省里抽查"
        # the province's own ancestor row is the only one of its code: the counties' copies stayed home
        assert conn.execute("SELECT count(*) FROM region WHERE level IN ('province', 'prefecture')").fetchone()[0] == 1
        # the province's total is the sum of the counties
        total = conn.execute("SELECT count(*) FROM household WHERE NOT deleted").fetchone()[0]
    assert total == expected[code_a][1] + expected[code_b][1] == 14
