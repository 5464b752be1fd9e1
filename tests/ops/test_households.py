"""Household and member operations: validation in Chinese, nothing written when refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.db.models import Change, Household, Member
from app.domain.errors import DomainError
from app.ops.households import add_member, create_household, update_household, update_member
from tests import factories


def count(ctx, model) -> int:
    with ctx.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def snapshot(ctx):
    return count(ctx, Household), count(ctx, Member), count(ctx, Change)


def test_new_household_gets_a_device_code_and_derived_figures(ctx, village):
    res = create_household(ctx, {"village_id": village["id"], "category": "五保户",
                                 "main_cause": "因病致贫", "other_causes": "缺技术、缺资金"},
                           [factories.head(), factories.spouse(), factories.child()])
    assert res.value["code"] == "450881104201-01-0001"
    assert {"household", "member"} <= res.changes
    second = create_household(ctx, {"village_id": village["id"]}, [factories.head("王五", seq=77)])
    assert second.value["code"] == "450881104201-01-0002"
    with ctx.read() as s:
        h = s.execute(select(Household).where(Household.id == res.value["id"])).scalar_one()
        assert (h.size, h.head_name, h.category, h.main_cause) == (3, "张三丰", "03", "01")
        assert h.other_causes == "07,09"
        m = s.execute(select(Member).where(Member.name == "张三丰")).scalar_one()
        assert (m.sex, m.birth_date, m.name_initials) == ("男", date(1970, 3, 15), "zsf")


def test_wrong_check_character_is_refused_in_chinese_and_nothing_written(ctx, village):
    bad = factories.head()
    bad["id_number"] = bad["id_number"][:-1] + ("0" if bad["id_number"][-1] != "0" else "1")
    before = snapshot(ctx)
    with pytest.raises(DomainError) as e:
        create_household(ctx, {"village_id": village["id"]}, [bad])
    assert f"身份证号校验位错误：{bad['id_number']}" in str(e.value)
    assert snapshot(ctx) == before


def test_several_bad_fields_are_reported_together(ctx, village):
    with pytest.raises(DomainError) as e:
        create_household(ctx, {"village_id": village["id"], "phone": "12345",
                               "category": "富裕户", "identified_year": "abc"})
    text = str(e.value)
    assert "联系电话" in text and "贫困户属性" in text and "识别年度" in text


def test_one_head_per_household_and_an_id_registered_once(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"]}, [factories.head()]).value["id"]
    with pytest.raises(DomainError, match="该户已有户主：张三丰"):
        add_member(ctx, hid, factories.head("李四", seq=30))
    other = create_household(ctx, {"village_id": village["id"]}).value["id"]
    with pytest.raises(DomainError, match="身份证号已登记"):
        add_member(ctx, other, {**factories.head("张三丰"), "relation": "之父"})


def test_sex_and_birth_date_must_agree_with_the_id(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"]}).value["id"]
    with pytest.raises(DomainError, match="性别与身份证号不符"):
        add_member(ctx, hid, {**factories.spouse(), "sex": "男"})
    mid = add_member(ctx, hid, factories.spouse()).value["id"]
    with pytest.raises(DomainError, match="性别与身份证号不符"):
        update_member(ctx, mid, {"sex": "男"})
    new_id = factories.id_number(date(1975, 1, 2), "女", 55)
    update_member(ctx, mid, {"id_number": new_id})
    with ctx.read() as s:
        assert s.execute(select(Member.birth_date).where(Member.id == mid)).scalar() == date(1975, 1, 2)


def test_main_cause_cannot_repeat_in_other_causes(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"], "main_cause": "因病"}).value["id"]
    with pytest.raises(DomainError, match="其他致贫原因不能重复主要致贫原因：因病"):
        update_household(ctx, hid, {"other_causes": "因病,缺资金"})


def test_unknown_village_and_foreign_group_are_refused(ctx, village):
    with pytest.raises(DomainError, match="所属村不存在"):
        create_household(ctx, {"village_id": "nope"})
    with pytest.raises(DomainError, match="所属组不属于该村"):
        create_household(ctx, {"village_id": village["id"], "group_id": village["id"]})


def test_names_are_checked(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"]}).value["id"]
    with pytest.raises(DomainError, match="姓名"):
        add_member(ctx, hid, {"name": "Zhang 3", "relation": "户主"})
    add_member(ctx, hid, {"name": "阿依古丽·买买提", "relation": "户主"})


def test_a_surname_read_as_a_surname_in_the_search_key(ctx, village):
    """单 is shàn as a surname (dān in words), 覃 qín (tán): "sxx" must find 单雄信."""
    from app.domain.pinyin_keys import initials

    create_household(ctx, {"village_id": village["id"]},
                     [factories.head("单雄信", seq=81), factories.spouse("覃秀兰", seq=82)])
    with ctx.read() as s:
        keys = dict(s.execute(select(Member.name, Member.name_initials)).all())
    assert keys == {"单雄信": "sxx", "覃秀兰": "qxl"}
    assert initials("单亲家庭") == "dqjt"  # in words the common reading stays


def test_migration_0003_recomputes_old_surname_keys(ctx, village, db_path):
    import sqlite3

    from alembic import command

    from app.db.engine import make_engine, sqlite_url
    from app.db.migrate import alembic_config, open_sqlite

    create_household(ctx, {"village_id": village["id"]}, [factories.head("曾国藩", seq=83)])
    ctx.engine.dispose()
    # The file at the revision before this fix (later revisions undone), and the key an older
    # version stored.
    engine = make_engine(sqlite_url(db_path))
    cfg = alembic_config()
    with engine.begin() as c:
        cfg.attributes["connection"] = c
        command.downgrade(cfg, "0002")
    engine.dispose()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE member SET name_initials = 'cgf'")
    conn.commit()
    conn.close()
    engine = open_sqlite(db_path)
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT name_initials FROM member").scalar() == "zgf"
    engine.dispose()


def test_a_save_converts_each_value_once(ctx, village, monkeypatch):
    """What a person typed is brought to its column's type by validation alone; the change writer
    takes it as it is (issue #17: every value was coerced twice, by clean and by the writer)."""
    from app.db import changelog, codec
    from app.ops import validation

    hid = create_household(ctx, {"village_id": village["id"]}, [factories.head()]).value["id"]
    converted = []

    def counting(col, value):
        converted.append(col.name)
        return codec.coerce(col, value)

    monkeypatch.setattr(validation, "coerce", counting)
    monkeypatch.setattr(changelog, "coerce", counting)
    update_household(ctx, hid, {"identified_year": "2016", "planned_exit_year": 2019, "note": "危房改造"})
    assert sorted(converted) == ["identified_year", "note", "planned_exit_year"]
    with ctx.read() as s:
        h = s.execute(select(Household).where(Household.id == hid)).scalar_one()
    assert (h.identified_year, h.planned_exit_year, h.note) == (2016, 2019, "危房改造")
