"""文件 › U 盘变更包 and 数据 › Excel exports from the menus: the file comes from the interaction
layer (no modal dialog in a test), the work is the command line's, and so are the refusals."""

from __future__ import annotations

import openpyxl


def trigger(window, key: str) -> None:
    window.actions_[key].trigger()
    window.app.runner.wait(60)
    window.settle()


def in_menu(window, menu: str, key: str) -> bool:
    return window.actions_[key] in window.menu(menu).actions()


def test_the_menus_offer_bundles_and_excel_exports(window):
    assert in_menu(window, "文件", "export_bundle") and in_menu(window, "文件", "import_bundle")
    for key in ("export_roster", "export_roster_members", "export_roster_national", "export_findings"):
        assert in_menu(window, "数据", key)


def test_a_bundle_of_a_laptop_not_enrolled_is_refused_as_on_the_command_line(demo, window, interaction, tmp_path):
    out = tmp_path / "u.kace"
    interaction.paths = [out]
    trigger(window, "export_bundle")
    errors = interaction.of("error")
    assert errors and "本机尚未在县服务器登记" in errors[-1][2]
    assert not out.exists()


def test_importing_a_file_that_is_no_bundle_changes_nothing(demo, window, interaction, tmp_path, ctx):
    from app.sync import replica

    bad = tmp_path / "not.kace"
    bad.write_bytes(b"PK not a bundle")
    with ctx.read() as s:
        before = replica.unsynced_count(s)
    interaction.paths = [bad]
    trigger(window, "import_bundle")
    assert interaction.of("error") and interaction.of("error")[-1][1] == "导入回传包"
    with ctx.read() as s:
        assert replica.unsynced_count(s) == before


def test_excel_roster_of_the_chosen_village(demo, window, interaction, tmp_path, ctx):
    from app.db import lookup_queries

    trigger(window, "export_roster")  # no village chosen yet
    assert "请先在左侧选择一个村" in interaction.of("info")[-1][2]
    with ctx.read() as s:
        village = lookup_queries.villages_with_groups(s)[0]
    window.tree.select_region(village["id"])
    window.settle()
    interaction.paths = [tmp_path / "missing" / "x.xlsx"]
    trigger(window, "export_roster")
    assert "文件夹不存在" in interaction.of("error")[-1][2]
    out = tmp_path / "花名册"  # the .xlsx is added
    interaction.paths = [out]
    trigger(window, "export_roster")
    written = out.with_suffix(".xlsx")
    assert "已导出 60 户" in interaction.of("info")[-1][2]
    assert openpyxl.load_workbook(written).active.max_row > 60
    national = tmp_path / "国家"
    interaction.paths = [national]
    trigger(window, "export_roster_national")
    sheet = openpyxl.load_workbook(national.with_suffix(".xlsx")).active
    header = [c.value for c in sheet[1]]
    assert len(header) == 47 and header[:3] == ["省", "市", "县"]  # the header in the first row


def test_data_quality_list_as_excel(demo, window, interaction, tmp_path):
    out = tmp_path / "核查.xlsx"
    interaction.paths = [out]
    trigger(window, "export_findings")
    assert out.is_file()
    info = interaction.of("info")[-1][2]
    assert "共发现问题" in info and str(out) in info
    assert openpyxl.load_workbook(out).active.max_row >= 2
