"""文件 › 同步… and 数据 › 冲突处理 on a laptop of a real fleet (a county server database and two
enrolled laptops in-process, tests/sync/fleet.py): the sync runs on the database thread with its
progress in the dialog, the conflict it brings is listed with both values side by side, resolved
by choosing one, and marked in the household editor until then.

Set KACE_SCREENSHOTS=docs/screenshots to write the screenshots of the docs."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db.migrate import open_sqlite
from app.db.models import Household
from app.ops.households import create_household, update_household
from app.sync.client import ServerRefused, TransportError
from app.server.direct import DirectTransport
from tests.sync.fleet import VILLAGE, Laptop, Server, seed_regions
from tests.ui.conftest import type_text

H = Household.__table__
A_PHONE, B_PHONE = "13911111111", "13922222222"


def shot(widget, name: str, tmp_path: Path) -> Path:
    from app.ui.capture import save_png

    out = Path(os.environ.get("KACE_SCREENSHOTS") or tmp_path) / name
    assert save_png(widget, out) == 0
    return out


class Recording:
    """The in-process transport, remembering on which thread each call ran."""

    def __init__(self, server: Server):
        self.server = server
        self.threads: list[str] = []

    def __call__(self, url: str, key: str | None):
        outer = self

        class Transport(DirectTransport):
            def call(self, endpoint, body):
                outer.threads.append(threading.current_thread().name)
                return super().call(endpoint, body)

        return Transport(self.server.sessions, key)


@pytest.fixture
def fleet(tmp_path, db_path):
    """Laptop 甲 (the window's database) and 乙 both changed 张三丰's phone; 乙 has synced."""
    server = Server(open_sqlite(tmp_path / "county.db"))
    a = Laptop(db_path, server, "甲")
    b = Laptop(tmp_path / "b.db", server, "乙")
    village = seed_regions(a.ctx)[VILLAGE]
    a.sync(), b.sync()
    members = [{"name": "张三丰", "relation": "户主", "id_number": "450881199001011235"},
               {"name": "李秀英", "relation": "配偶", "id_number": "450881199203041221"}]
    hid = create_household(a.ctx, {"village_id": village}, members).value["id"]
    a.sync(), b.sync()
    update_household(a.ctx, hid, {"phone": A_PHONE})
    update_household(b.ctx, hid, {"phone": B_PHONE})
    b.sync()
    yield server, a, b, hid
    b.close()
    server.engine.dispose()


@pytest.fixture
def ctx(fleet):
    """The window opens laptop 甲's database."""
    _server, a, _b, _hid = fleet
    yield a.ctx
    a.ctx.engine.dispose()


def phone(ctx, hid):
    with ctx.read() as s:
        return s.execute(select(H.c.phone).where(H.c.id == hid)).scalar()


def open_sync(window, factory, **options):
    window.tool_windows.sync_transport_factory = factory
    window.actions_["sync"].trigger()
    dialog = window.tool_windows.sync_dialog
    dialog.client_options = {"sleep": lambda _s: None, **options}
    window.app.runner.wait()
    return dialog


def test_sync_conflict_resolve_and_editor_marker(fleet, window, qtbot, tmp_path):
    server, a, b, hid = fleet
    window.settle()
    assert window.unsynced_label.text() == "未同步变更 1 条"
    assert window.actions_["sync"] in window.menu("文件").actions()
    assert window.actions_["conflicts"] in window.menu("数据").actions()

    transport = Recording(server)
    dialog = open_sync(window, transport)
    assert dialog.server_label.text() == "direct:" and dialog.device_label.text() == "甲"
    assert dialog.unsynced_label.text() == "1 条"
    assert dialog.info_box.isVisibleTo(dialog) and not dialog.enrol_box.isVisibleTo(dialog)
    assert not dialog.conflicts_button.isVisibleTo(dialog)
    reports = []
    dialog._progressed.connect(lambda *a: reports.append(a))
    qtbot.mouseClick(dialog.start_button, qtbot_left())
    assert dialog.running and not dialog.start_button.isEnabled()
    window.app.runner.wait()
    window.settle()

    # ran on the database thread, reported progress, and summed up in Chinese
    assert transport.threads and all(t.startswith("kace-db") for t in transport.threads)
    assert ("上传", 1, 1) in reports and any(stage == "下载" for stage, _d, _t in reports)
    text = dialog.summary.toPlainText()
    assert "上传 1 条变更" in text and "新发现冲突 1 处" in text and "共有 1 项冲突待处理" in text
    assert dialog.stage_label.text() == "同步完成" and not dialog.error_label.isVisibleTo(dialog)
    assert dialog.conflicts_button.isVisibleTo(dialog) and dialog.conflicts_button.text() == "查看冲突（1 项）"
    assert dialog.unsynced_label.text() == "0 条"
    assert window.unsynced_label.text() == "未同步变更 0 条"  # the status bar followed
    shot(dialog, "sync-dialog.png", tmp_path)

    # 查看冲突 opens 冲突处理 with the item and both values side by side
    qtbot.mouseClick(dialog.conflicts_button, qtbot_left())
    window.app.runner.wait()
    view = window.tool_windows.tools["conflicts"].body
    assert view.list.topLevelItemCount() == 1
    row = view.list.topLevelItem(0)
    assert [row.text(i) for i in range(3)] == ["字段冲突", row.text(1), "张三丰"]
    assert row.text(1).startswith(VILLAGE) and "联系电话" in row.text(3)
    cards = {c.candidate.value: c for c in view.cards}
    assert set(cards) == {A_PHONE, B_PHONE}
    assert sum(c.shown_label.isVisibleTo(c) for c in cards.values()) == 1
    assert cards[A_PHONE].candidate.user == "甲" and cards[B_PHONE].candidate.user == "乙"
    texts = {v: [w.text() for w in c.findChildren(type(c.value_label))] for v, c in cards.items()}
    assert "设备：本机" in texts[A_PHONE] and "修改人：乙" in texts[B_PHONE]
    assert view.value_edit.isVisibleTo(view) and not view.keep_deleted_button.isVisibleTo(view)
    window.tool_windows.tools["conflicts"].resize(1000, 640)
    shot(window.tool_windows.tools["conflicts"], "conflicts.png", tmp_path)

    # double-click opens the household editor; the conflicted field is marked with both values
    view.list.itemDoubleClicked.emit(row, 0)
    editor = window.editors[hid]
    widget = editor.tab("basic").form.widgets["phone"]
    assert widget.property("conflict") is True
    assert "此字段在同步中有冲突" in widget.toolTip()
    assert A_PHONE in widget.toolTip() and B_PHONE in widget.toolTip() and "当前显示" in widget.toolTip()
    assert "#c0392b" in widget.styleSheet()
    assert editor.tab("basic").form.widgets["bank"].property("conflict") is not True
    assert editor.conflict_note.isVisibleTo(editor) and "此户有同步冲突：联系电话" in editor.conflict_note.text()
    editor.tab("basic").form.widgets["phone"].setFocus()
    shot(editor, "editor-conflict.png", tmp_path)

    # choose 甲's value: the item goes, the database holds it, the marker disappears
    qtbot.mouseClick(cards[A_PHONE].choose_button, qtbot_left())
    window.app.runner.wait()
    window.app.runner.wait()
    assert view.list.topLevelItemCount() == 0 and view.items == []
    assert "已处理" in view.summary.text() and "没有待处理的冲突" in view.summary.text()
    assert phone(a.ctx, hid) == A_PHONE
    widget = editor.tab("basic").form.widgets["phone"]
    assert widget.value() == A_PHONE and widget.property("conflict") is False
    assert "冲突" not in widget.toolTip() and widget.styleSheet() == ""
    assert not editor.conflict_note.isVisibleTo(editor)

    # the decision travels: after the next sync 乙 holds it too, with no conflict
    dialog = open_sync(window, transport)
    qtbot.mouseClick(dialog.start_button, qtbot_left())
    window.app.runner.wait()
    assert "没有新的冲突" in dialog.summary.toPlainText() and not dialog.conflicts_button.isVisibleTo(dialog)
    b.sync()
    assert phone(b.ctx, hid) == A_PHONE
    with b.ctx.read() as s:
        from app.db import review

        assert review.items(s) == []


def test_delete_against_edit_from_the_data_menu(fleet, window, qtbot):
    server, a, b, hid = fleet
    from app.ops.households import delete_household

    a.sync(), b.sync()
    update_household(b.ctx, hid, {"bank": "农商行"})
    b.sync()
    delete_household(a.ctx, hid)
    a.sync()
    window.actions_["conflicts"].trigger()  # 数据 › 冲突处理…
    window.app.runner.wait()
    view = window.tool_windows.tools["conflicts"].body
    kinds = [view.list.topLevelItem(i).text(0) for i in range(view.list.topLevelItemCount())]
    assert "删除与修改" in kinds, kinds
    view.select(next(it.id for it in view.items if it.kind == "delete_edit"))
    assert view.keep_deleted_button.isVisibleTo(view) and view.restore_button.isVisibleTo(view)
    assert not view.value_edit.isVisibleTo(view) and view.restore_button.text() == "恢复记录"
    qtbot.mouseClick(view.keep_deleted_button, qtbot_left())
    window.app.runner.wait()
    window.app.runner.wait()
    assert window.app.interaction.of("confirm")[-1][1] == "保持删除"
    assert "delete_edit" not in [it.kind for it in view.items]
    with a.ctx.read() as s:
        row = s.execute(select(H.c.deleted, H.c.bank).where(H.c.id == hid)).one()
    assert row == (True, "农商行")  # stays deleted, the edit kept


def test_member_conflict_marked_in_the_member_form(fleet, window):
    server, a, b, hid = fleet
    from app.ops.households import update_member

    with a.ctx.read() as s:
        from app.db.models import Member

        M = Member.__table__
        spouse = s.execute(select(M.c.id).where(M.c.household_id == hid, M.c.name == "李秀英")).scalar()
    a.sync(), b.sync()
    update_member(a.ctx, spouse, {"phone": "13800000001"})
    update_member(b.ctx, spouse, {"phone": "13800000002"})
    b.sync(), a.sync()
    editor = window.open_household(hid)
    members = editor.show_tab("members")
    records = members.records
    head = next(e for e in records.visible() if e.id != spouse)
    spouse_entry = next(e for e in records.visible() if e.id == spouse)
    records.select(head)
    assert records.form.widgets["phone"].property("conflict") is not True
    records.select(spouse_entry)
    field = records.form.widgets["phone"]
    assert field.property("conflict") is True and "13800000001" in field.toolTip()
    assert "李秀英的联系电话" in editor.conflict_note.text()
    assert "13800000002" in field.toolTip()
    records.select(head)
    assert records.form.widgets["phone"].property("conflict") is False


def test_enrol_form_then_sync(qtbot, window, tmp_path, fleet):
    """A laptop that is not enrolled yet: server address and 登记码, then the first sync."""
    server, a, _b, _hid = fleet
    from sqlalchemy import update

    from app.db.models import Replica

    with a.ctx.sessions.begin() as s:  # forget 甲's enrolment, as on a fresh laptop
        s.execute(update(Replica.__table__).values(server_url=None, device_key=None, device_name=None))
    dialog = open_sync(window, Recording(server))
    assert dialog.enrol_box.isVisibleTo(dialog) and not dialog.info_box.isVisibleTo(dialog)
    assert not dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.enrol_button, qtbot_left())
    assert "http://" in dialog.error_label.text()
    type_text(dialog.url_edit, "http://县服务器:8765/")
    qtbot.mouseClick(dialog.enrol_button, qtbot_left())
    assert dialog.error_label.text() == "请填写登记码。"
    type_text(dialog.token_edit, "wrong-token")
    qtbot.mouseClick(dialog.enrol_button, qtbot_left())
    window.app.runner.wait()
    assert dialog.error_label.isVisibleTo(dialog) and dialog.error_label.text().startswith("县服务器拒绝了请求：")
    type_text(dialog.token_edit, server.token("甲二", [VILLAGE]))
    qtbot.mouseClick(dialog.enrol_button, qtbot_left())
    window.app.runner.wait()
    window.app.runner.wait()
    assert dialog.stage_label.text() == "已登记为设备 甲二，可以开始同步。"
    assert dialog.info_box.isVisibleTo(dialog) and dialog.server_label.text() == "http://县服务器:8765"
    assert dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.start_button, qtbot_left())
    window.app.runner.wait()
    assert dialog.stage_label.text() == "同步完成", dialog.error_label.text()


def test_new_laptop_over_http_starts_from_the_snapshot(fleet, qtbot, tmp_path, interaction):
    """The default transport (HTTP, app/sync/http_transport.py) against the county server's web
    app in-process: a new laptop enrols, then starts from its villages' snapshot."""
    import warnings

    from app.ops.context import OpContext
    from app.sync.http_transport import HttpTransport
    from app.server.app import create_app
    from app.ui.context import AppContext
    from app.ui.settings import Settings
    from app.ui.sync_dialog import SyncDialog
    from tests.sync.fleet import TODAY

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx
        from fastapi.testclient import TestClient

    server, _a, _b, hid = fleet
    web = create_app(server.engine)
    ops = OpContext(open_sqlite(tmp_path / "new.db"), user="丙", today_fn=lambda: TODAY)
    app_ctx = AppContext(ops, tmp_path / "new.db", Settings(tmp_path / "new.ini"), interaction, "丙")
    try:
        dialog = SyncDialog(app_ctx, transport_factory=lambda url, key: HttpTransport(
            url, key, client=TestClient(web)), client_options={"sleep": lambda _s: None})
        qtbot.addWidget(dialog)
        stages = []
        dialog._progressed.connect(lambda stage, _d, _t: stages.append(stage))
        app_ctx.runner.wait()
        assert dialog.enrol_box.isVisibleTo(dialog)
        type_text(dialog.url_edit, "http://testserver")
        type_text(dialog.token_edit, server.token("丙", [VILLAGE]))
        qtbot.mouseClick(dialog.enrol_button, qtbot_left())
        app_ctx.runner.wait()
        app_ctx.runner.wait()
        assert dialog.device_label.text() == "丙" and dialog.start_button.isEnabled()
        qtbot.mouseClick(dialog.start_button, qtbot_left())
        app_ctx.runner.wait()
        assert dialog.stage_label.text() == "同步完成", dialog.error_label.text()
        assert "初始数据" in stages
        assert phone(ops, hid) == B_PHONE  # 乙's value came with the snapshot
        assert dialog.summary.toPlainText().startswith("上传 0 条变更，下载 ")
    finally:
        app_ctx.runner.shutdown()
        ops.engine.dispose()


def test_errors_are_shown_in_chinese_in_the_dialog(fleet, window, qtbot):
    class Down:
        calls = 0

        def call(self, endpoint, body):
            Down.calls += 1
            raise TransportError("connection refused")

    class Refusing:
        def call(self, endpoint, body):
            raise ServerRefused(403, "本设备已被停用，请联系县里重新登记")

    dialog = open_sync(window, lambda url, key: Down(), retries=2)
    qtbot.mouseClick(dialog.start_button, qtbot_left())
    window.app.runner.wait()
    assert Down.calls == 3  # retried, then told
    assert dialog.stage_label.text() == "同步未完成"
    assert dialog.error_label.isVisibleTo(dialog)
    assert dialog.error_label.text().startswith("无法连接县服务器 direct:")
    assert "下次同步从中断处继续" in dialog.error_label.text()
    assert dialog.start_button.isEnabled() and dialog.close_button.isEnabled()

    dialog.transport_factory = lambda url, key: Refusing()
    qtbot.mouseClick(dialog.start_button, qtbot_left())
    window.app.runner.wait()
    assert dialog.error_label.text() == "县服务器拒绝了请求：本设备已被停用，请联系县里重新登记"
    assert window.app.interaction.of("error") == []  # in the dialog, no extra message box


def test_cancel_stops_between_batches(fleet, window, qtbot):
    server, a, _b, hid = fleet
    for i in range(5):
        update_household(a.ctx, hid, {"bank": f"银行{i}"})
    recording = Recording(server)

    def cancelling(url, key):  # 取消 pressed while the first batch is on its way
        transport = recording(url, key)
        push = transport.call

        def call(endpoint, body):
            answer = push(endpoint, body)
            if endpoint == "push":
                dialog._cancel.set()
            return answer

        transport.call = call
        return transport

    dialog = open_sync(window, cancelling, batch=2)
    qtbot.mouseClick(dialog.start_button, qtbot_left())
    window.app.runner.wait()
    assert dialog.stage_label.text() == "同步已取消，下次同步从中断处继续"
    assert dialog.unsynced_label.text() == "4 条"  # one batch of 2 of the 6 went up
    assert not dialog.error_label.isVisibleTo(dialog)

    dialog.transport_factory = recording
    qtbot.mouseClick(dialog.start_button, qtbot_left())
    dialog.cancel()
    assert dialog.stage_label.text() == "正在取消（等当前这一批传完）…" and not dialog.cancel_button.isEnabled()
    window.app.runner.wait()
    assert not dialog.running and dialog.close_button.isEnabled() and dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.start_button, qtbot_left())
    window.app.runner.wait()
    assert dialog.stage_label.text() == "同步完成" and dialog.unsynced_label.text() == "0 条"


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_income_conflict_marked_in_the_yearly_form(fleet, window, tmp_path):
    """Not only the household and its members: a conflict in a year's income is framed in the
    收入情况 tab for that year, and named in the note above the tabs."""
    server, a, b, hid = fleet
    from app.ops.yearly_records import set_income

    set_income(a.ctx, hid, 2025, {"wages": "12000"})
    a.sync(), b.sync()
    set_income(a.ctx, hid, 2025, {"wages": "13000"})
    set_income(b.ctx, hid, 2025, {"wages": "15000"})
    b.sync(), a.sync()
    editor = window.open_household(hid)
    assert "收入·工资性收入" in editor.conflict_note.text()
    income = editor.show_tab("income")
    income.records.year_box.set_value(2025)
    income.records._switch()
    field = income.form.widgets["wages"]
    assert field.property("conflict") is True
    assert "13000" in field.toolTip() and "15000" in field.toolTip()
    assert income.form.widgets["business"].property("conflict") is not True
    field.setFocus()
    shot(editor, "editor-income-conflict.png", tmp_path)
    income.records.year_box.set_value(2026)  # a year without a stored row: nothing to mark
    income.records._switch()
    assert field.property("conflict") is False
