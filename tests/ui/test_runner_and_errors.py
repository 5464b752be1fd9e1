"""The op runner, the change bus, errors in Chinese, the excepthook, settings, undo of a save."""

from __future__ import annotations

import json
import sqlite3
import sys
import threading

import pytest
from PySide6.QtCore import QByteArray
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app import paths
from app.db.models import Change, Household, Member
from app.domain.errors import DomainError
from app.ops.batch import run_steps
from app.ops.households import add_member, create_household, update_household
from app.ops.undo import replica_seq, undo_changes
from app.ui import errors
from app.ui.runner import Cancelled
from app.ui.settings import Settings
from tests import factories


def test_run_sync_broadcasts_changes_and_offers_undo(app_ctx, village, qtbot):
    seen, undo = [], []
    app_ctx.bus.changed.connect(seen.append)
    app_ctx.runner.undoable.connect(undo.append)
    threads = []

    def op(ctx, values):
        threads.append(threading.current_thread().name)
        return create_household(ctx, values, [factories.head()])

    result = app_ctx.runner.run_sync(op, {"village_id": village["id"]}, label="新建户")
    assert result.value["code"].endswith("-0001")
    assert threads[0].startswith("kace-db")  # the one database thread
    assert seen == [frozenset({"household", "member"})]
    assert undo[0].label == "新建户" and undo[0].through_seq > undo[0].after_seq


def test_async_run_calls_back_on_the_ui_thread(app_ctx, village, qtbot):
    got = []
    app_ctx.runner.run(create_household, {"village_id": village["id"]}, [factories.head()],
                       on_success=lambda r: got.append((r.value, threading.current_thread().name)))
    assert app_ctx.runner.busy
    app_ctx.runner.wait()
    assert got and got[0][1] == threading.main_thread().name
    assert not app_ctx.runner.busy


def test_a_domain_error_is_shown_in_chinese(app_ctx, village, interaction):
    assert app_ctx.runner.run_sync(update_household, "no-such-id", {"phone": "13800138000"},
                                   label="保存户") is None
    kind, title, text = interaction.calls[-1]
    assert (kind, title) == ("error", "保存户失败")
    assert text.startswith("户不存在或已删除")


def test_on_failure_gets_the_exception_instead_of_a_dialog(app_ctx, interaction):
    failures = []

    def boom(ctx):
        raise DomainError("字段", "不行")

    app_ctx.runner.run_sync(boom, on_failure=failures.append)
    assert isinstance(failures[0], DomainError) and not interaction.calls


def test_a_cancelled_op_writes_nothing(app_ctx, village, ctx, interaction):
    messages = []
    app_ctx.runner.message.connect(messages.append)

    def slow(ops, progress):
        with ops.write() as w:
            w.insert("household", {"code": "450881104201-01-0999", "village_id": village["id"]})
            progress(1, 10)
            raise Cancelled()  # what progress() raises once 取消 was pressed

    before = replica_seq(ctx)
    app_ctx.runner.run_sync(slow, label="导入", progress=True)
    assert replica_seq(ctx) == before
    assert messages == ["已取消：导入"] and not interaction.calls


def test_unexpected_errors_go_to_the_log_and_a_dialog(interaction):
    shown = []
    errors.install_excepthook(lambda title, text, detail=None: shown.append((title, text, detail)))
    try:
        try:
            raise ZeroDivisionError("boom")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = sys.__excepthook__
    title, text, detail = shown[0]
    assert title == "程序错误" and str(paths.log_path()) in text
    assert "ZeroDivisionError" in detail


def test_database_problems_are_explained():
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert "已锁定" in errors.describe(locked) and errors.expected(locked)
    full = OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
    assert "磁盘已满" in errors.describe(full)


def test_typed_settings_round_trip(tmp_path):
    s = Settings(tmp_path / "a.ini")
    assert s.sort_column == "code" and s.sort_descending is False and s.geometry.isEmpty()
    s.sort_descending = True
    s.font_size = 12
    s.geometry = QByteArray(b"\x01\x02")
    s.sync()
    again = Settings(tmp_path / "a.ini")
    assert again.sort_descending is True and again.font_size == 12
    assert bytes(again.geometry) == b"\x01\x02"
    assert "sort_column" in Settings.options()


def test_steps_run_in_one_transaction_and_roll_back_together(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"]}, [factories.head()]).value["id"]
    before = replica_seq(ctx)
    with pytest.raises(DomainError):
        run_steps(ctx, [lambda c: update_household(c, hid, {"phone": "13800138000"}),
                        lambda c: add_member(c, hid, factories.head("二户主", seq=90))])
    assert replica_seq(ctx) == before
    with ctx.read() as s:
        assert s.execute(select(Household.phone).where(Household.id == hid)).scalar() is None
    result = run_steps(ctx, [lambda c: update_household(c, hid, {"phone": "13800138000"}),
                             lambda c: add_member(c, hid, factories.spouse())])
    assert result.changes >= {"household", "member"}
    with ctx.read() as s:
        tx = set(s.execute(select(Change.tx_id).where(Change.seq > before)).scalars())
        assert len(tx) == 1


def test_undo_writes_the_reverse_change_and_refuses_over_a_later_edit(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"]}, [factories.head()]).value["id"]
    s0 = replica_seq(ctx)
    run_steps(ctx, [lambda c: update_household(c, hid, {"phone": "13800138000", "main_cause": "因病"}),
                    lambda c: add_member(c, hid, factories.spouse())])
    s1 = replica_seq(ctx)
    undo_changes(ctx, s0, s1)
    with ctx.read() as s:
        h = s.execute(select(Household).where(Household.id == hid)).scalar_one()
        assert (h.phone, h.main_cause, h.size) == (None, None, 1)
        spouse = s.execute(select(Member).where(Member.name == "李秀英")).scalar_one()
        assert spouse.deleted
        last = s.execute(select(Change).order_by(Change.seq.desc())).scalars().first()
        assert json.loads(last.payload)["phone"]["new"] is None
    s2 = replica_seq(ctx)
    update_household(ctx, hid, {"phone": "13900139000"})
    s3 = replica_seq(ctx)
    update_household(ctx, hid, {"phone": "13700137000"})
    with pytest.raises(DomainError, match="又被修改过"):
        undo_changes(ctx, s2, s3)
