"""The first-run wizard: driven page by page with a scripted interaction layer, then the database it
built is opened and its rows checked. Cancelling (before or while building) leaves no file."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QWizard
from sqlalchemy import func, select

from app.db.migrate import open_sqlite
from app.db.models import Change, Household, Region
from app.domain import roles
from app.ops.context import OpContext
from app.ops.users import authenticate
from app.ui import first_run
from app.ui.first_run import StartSettings
from app.ui.first_run.region_list import parse_lines, read_file
from app.ui.first_run.wizard import FirstRunWizard
from tests.ui.conftest import type_text

W = FirstRunWizard


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "卡册数据"  # does not exist yet: the wizard creates it


@pytest.fixture
def wizard(qtbot, interaction, folder, tmp_path):
    w = FirstRunWizard(interaction, folder / "kace.db", StartSettings(tmp_path / "kace.ini"))
    qtbot.addWidget(w)
    w.show()
    return w


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _fill_admin(wizard, password="secret-1", repeat="secret-1"):
    page = wizard.admin_page
    type_text(page.username, "admin")
    type_text(page.display_name, "李建国")
    type_text(page.password, password)
    type_text(page.repeat, repeat)


def _demo_to_summary(wizard, households: int | None = None, admin: bool = True) -> None:
    wizard.next()
    wizard.mode_page.demo.setChecked(True)
    if households:
        wizard.mode_page.households.setValue(households)
    wizard.next()
    assert wizard.currentId() == W.ADMIN  # the region page is skipped
    _fill_admin(wizard)
    if admin:
        wizard.next()


def _finish(wizard) -> None:
    assert wizard.currentId() == W.SUMMARY
    wizard.button(QWizard.WizardButton.FinishButton).click()


def _open(db: Path) -> OpContext:
    return OpContext(open_sqlite(db, create=False), user="测试员")


def test_real_county_villages_and_administrator(wizard, interaction, folder, tmp_path):
    assert wizard.currentId() == W.LOCATION
    wizard.next()
    assert wizard.currentId() == W.MODE and not wizard.mode_page.is_demo()
    wizard.next()
    page = wizard.region_page
    assert wizard.currentId() == W.REGIONS
    page.county.setCurrentIndex(page.county.findData("450881000000"))
    assert page.tree.topLevelItemCount() == 26  # the bundled townships of 桂平市
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no village yet

    # a village typed by hand: 12-digit code under a township of the list
    type_text(page.code, "450881101201")
    type_text(page.name, "长河村")
    assert page.add_place()
    # a village whose township is not in the list is refused with a Chinese message
    type_text(page.code, "450881112201")
    type_text(page.name, "某村")
    assert not page.add_place()
    assert "请先添加所属乡镇" in page.message.text()
    # villages from a region list file of the county office (GB18030, NBS names)
    csv = tmp_path / "区划.csv"
    csv.write_bytes("区划代码,名称\n450881103210,龙岭村委会\n450881103211,石咀社区居委会\n".encode("gb18030"))
    interaction.paths.append(csv)
    page.import_button.click()
    assert page.item_for("450881103210").text(0) == "龙岭村"
    assert page.item_for("450881103211").text(0) == "石咀社区"
    page.set_checked("450881103210")
    assert page.count.text() == "已选择 2 个村"
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()

    assert wizard.currentId() == W.ADMIN
    _fill_admin(wizard, repeat="secret-2")
    wizard.next()
    assert wizard.currentId() == W.ADMIN and "不一致" in wizard.admin_page.message.text()
    type_text(wizard.admin_page.repeat, "secret-1")
    wizard.next()
    assert "长河村" in wizard.summary_page.summary.text() and "龙岭村" in wizard.summary_page.summary.text()
    _finish(wizard)

    assert wizard.result() == QWizard.DialogCode.Accepted
    db = folder / "kace.db"
    assert wizard.db_path == db and _files(folder) == ["kace.db"]  # no temporary files left
    assert wizard.settings.database == str(db)  # not the default location: remembered
    ops = _open(db)
    try:
        with ops.read() as s:
            rows = {r.code: r for r in s.execute(select(Region.__table__))}
            changes = s.execute(select(func.count()).select_from(Change).where(Change.table_name == "region")).scalar()
        assert set(rows) == {"450000000000", "450800000000", "450881000000", "450881101000", "450881101201",
                             "450881103000", "450881103210"}
        assert rows["450881101201"].level == "village" and rows["450881101201"].name == "长河村"
        assert rows["450881101201"].parent_id == rows["450881101000"].id
        assert rows["450881101000"].parent_id == rows["450881000000"].id
        assert rows["450881000000"].parent_id == rows["450800000000"].id
        assert changes == len(rows)  # written through the ops: every row is in the change log
        admin = authenticate(ops, "admin", "secret-1")
        assert admin.role == roles.ADMIN and admin.display_name == "李建国"
    finally:
        ops.engine.dispose()


def test_demo_county_skips_the_region_page(wizard, folder):
    _demo_to_summary(wizard, 30)
    assert "30 户" in wizard.summary_page.summary.text()
    assert wizard.summary_page.import_after.isHidden()
    _finish(wizard)
    assert wizard.result() == QWizard.DialogCode.Accepted and wizard.created.households == 30
    ops = _open(folder / "kace.db")
    try:
        with ops.read() as s:
            assert s.execute(select(func.count()).select_from(Household)).scalar() == 30
        assert authenticate(ops, "admin", "secret-1").role == roles.ADMIN
    finally:
        ops.engine.dispose()


def test_custom_county_typed_by_hand(wizard, folder):
    wizard.next()
    wizard.next()
    page = wizard.region_page
    page.county.setCurrentIndex(page.county.findData(page.OTHER))
    type_text(page.county_code, "522631")
    type_text(page.county_name, "黎平县")
    page.county_code.editingFinished.emit()
    for code, name in (("522631100", "德凤镇"), ("522631100201", "示例村")):
        type_text(page.code, code)
        type_text(page.name, name)
        assert page.add_place(), page.message.text()
    wizard.next()
    _fill_admin(wizard)
    wizard.next()
    _finish(wizard)
    ops = _open(folder / "kace.db")
    try:
        with ops.read() as s:
            levels = dict(s.execute(select(Region.code, Region.level)).all())
        # the province and prefecture above come from the built-in national list (NBS 2023)
        assert levels == {"520000000000": "province", "522600000000": "prefecture", "522631000000": "county",
                          "522631100000": "township", "522631100201": "village"}
    finally:
        ops.engine.dispose()


def test_a_typed_county_code_brings_its_places_from_the_national_list(wizard):
    wizard.next()
    wizard.next()
    page = wizard.region_page
    page.county.setCurrentIndex(page.county.findData(page.OTHER))
    type_text(page.county_code, "450881")
    page.county_code.editingFinished.emit()
    assert page.county_name.text() == "桂平市"  # no typing
    assert page.item_for("450881104201") is not None and page.item_for("450881104000") is not None
    page.set_checked("450881104201")
    assert [p.code for p in page.villages()] == ["450881104201"]


def test_cancel_before_finishing_writes_nothing(wizard, folder):
    _demo_to_summary(wizard, admin=False)
    wizard.button(QWizard.WizardButton.CancelButton).click()
    assert wizard.result() == QWizard.DialogCode.Rejected
    assert _files(folder) == []


def test_cancel_while_building_removes_the_half_database(wizard, folder, monkeypatch):
    from app import demo
    from app.ui.runner import Cancelled

    def cancelled(*_a, **_k):  # as when the user presses 取消 in the progress dialog
        raise Cancelled()

    monkeypatch.setattr(demo, "make_demo", cancelled)
    _demo_to_summary(wizard)
    _finish(wizard)
    assert wizard.currentId() == W.SUMMARY and wizard.result() != QWizard.DialogCode.Accepted
    assert "已取消" in wizard.summary_page.message.text()
    assert _files(folder) == []  # regions and the user were written to the temporary file: gone too


def test_a_failure_is_shown_and_leaves_no_file(wizard, interaction, folder, monkeypatch):
    from app.ops import users

    def broken(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(users, "add_user", broken)
    _demo_to_summary(wizard)
    _finish(wizard)
    assert wizard.result() != QWizard.DialogCode.Accepted
    assert interaction.of("error") and interaction.of("error")[0][1] == "无法建立数据库"
    assert _files(folder) == []


def test_an_existing_database_is_opened_not_replaced(wizard, interaction, folder):
    folder.mkdir()
    open_sqlite(folder / "kace.db").dispose()
    before = (folder / "kace.db").read_bytes()
    wizard.next()
    assert interaction.of("confirm") and "已经有一个卡册数据库" in interaction.of("confirm")[0][2]
    assert wizard.result() == QWizard.DialogCode.Accepted and wizard.db_path == folder / "kace.db"
    assert (folder / "kace.db").read_bytes() == before and wizard.created is None


def test_every_labelled_field_has_a_keyboard_mnemonic(wizard):
    for page_id in wizard.pageIds():
        for label in wizard.page(page_id).findChildren(QLabel):
            if "&" in label.text():
                assert label.buddy() is not None, label.text()


def test_the_wizard_runs_only_when_there_is_no_database(tmp_path, monkeypatch):
    default = tmp_path / "kace.db"
    monkeypatch.setattr(first_run.paths, "default_db_path", lambda: default)
    args = Namespace(db=None, screenshot=None, demo=False)
    assert first_run.wizard_wanted(args, default)
    assert not first_run.wizard_wanted(Namespace(db=None, screenshot=Path("x.png"), demo=False), default)
    assert not first_run.wizard_wanted(Namespace(db=None, screenshot=None, demo=True), default)
    given = first_run.start(Namespace(db=tmp_path / "given.db", screenshot=None, demo=False), None)
    assert given.db_path == tmp_path / "given.db" and not given.import_after
    # a database the wizard put elsewhere is found again at the next start
    elsewhere = tmp_path / "d" / "kace.db"
    elsewhere.parent.mkdir()
    elsewhere.touch()
    settings = StartSettings()
    settings.database = str(elsewhere)
    settings.sync()
    assert first_run.start(args, None).db_path == elsewhere


def test_region_lines_are_read_leniently(tmp_path):
    places, problems = parse_lines(["# 注释", "code,name", "450881101201,长河村委会", "450881101\t木乐镇",
                                    "4508811012,坏代码", "没有代码的一行"])
    assert [(p.code, p.name, p.level) for p in places] == [
        ("450881101201", "长河村", "village"), ("450881101000", "木乐镇", "township")]
    assert len(problems) == 2 and "第 5 行" in problems[0]
    path = tmp_path / "utf8.csv"
    path.write_text("\ufeff450881000000,桂平市\n", encoding="utf-8")
    assert read_file(path)[0][0].name == "桂平市"


def test_start_runs_the_wizard_then_the_window_opens_the_import(window, tmp_path, monkeypatch):
    from app.ui.import_wizard import ImportWizard

    default = tmp_path / "new" / "kace.db"
    monkeypatch.setattr(first_run.paths, "default_db_path", lambda: default)

    def answered(self):  # the user goes through the wizard (exec() would block the test)
        self.show()
        self.next()
        self.next()
        page = self.region_page
        page.county.setCurrentIndex(page.county.findData("433124000000"))
        type_text(page.code, "433124110201")
        type_text(page.name, "示例村")
        assert page.add_place()
        self.next()
        _fill_admin(self)
        self.next()
        self.summary_page.import_after.setChecked(True)
        self.button(QWizard.WizardButton.FinishButton).click()
        return self.result()

    monkeypatch.setattr(FirstRunWizard, "exec", answered)
    start = first_run.start(Namespace(db=None, screenshot=None, demo=False), None)
    assert start.db_path == default and default.is_file() and start.import_after
    assert StartSettings().database == ""  # the default location needs no remembering
    start.after_open(window)
    wizards = [w for w in window.findChildren(ImportWizard) if w.isVisible()]
    assert len(wizards) == 1
    wizards[0].close()


def test_the_command_line_uses_the_database_the_wizard_put_in_a_chosen_folder(qtbot, interaction, tmp_path,
                                                                                monkeypatch, capsys):
    """Issue 14: `kace user add` without --db after a set-up in 扶贫 资料/1#楼 writes there."""
    import io
    import sys

    from app import paths
    from app.cli import main

    chosen = tmp_path / "扶贫 资料" / "1#楼"
    w = FirstRunWizard(interaction)  # the program's own settings file, as at a real first start
    qtbot.addWidget(w)
    w.show()
    w.location_page.path.setText(str(chosen / "kace.db"))
    _demo_to_summary(w, 10)
    _finish(w)
    db = chosen / "kace.db"
    assert w.db_path == db and db.is_file()
    monkeypatch.setattr(sys, "stdin", io.StringIO("secret-clerk\n"))
    assert main(["user", "add", "clerk", "--role", "录入员", "--password-stdin"]) == 0
    assert "已添加用户 clerk" in capsys.readouterr().err
    ops = _open(db)
    try:
        assert authenticate(ops, "clerk", "secret-clerk").role == roles.EDITOR
    finally:
        ops.engine.dispose()
    assert not paths.default_db_path().exists()  # no second, empty database at the default place
    assert main(["stats", "--json"]) == 0 and '"households": 10' in capsys.readouterr().out


def test_a_cloud_synced_or_network_folder_is_refused(wizard, interaction, tmp_path):
    page = wizard.location_page
    for place, shown in ((tmp_path / "OneDrive - 扶贫办" / "kace.db", "OneDrive"),
                         (tmp_path / "我的坚果云" / "卡册" / "kace.db", "坚果云")):
        page.path.setText(str(place))
        wizard.next()
        assert wizard.currentId() == W.LOCATION and shown in page.message.text()
        assert "本机磁盘" in page.message.text() and not place.parent.exists()
    page.path.setText(str(tmp_path / "扶贫 资料" / "1#楼" / "kace.db"))
    wizard.next()
    assert wizard.currentId() == W.MODE


def test_the_program_warns_about_a_database_already_in_a_synced_folder(tmp_path, interaction):
    from app.ui.launch import warn_about_location

    assert warn_about_location(tmp_path / "Dropbox" / "kace.db", interaction)
    (kind, title, text), = interaction.calls
    assert kind == "error" and title == "数据库位置不安全" and "Dropbox" in text and "WAL" in text
    assert not warn_about_location(tmp_path / "扶贫 资料" / "kace.db", interaction)
