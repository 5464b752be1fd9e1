"""The packaging files, without building: the spec parses and lists what PyInstaller cannot see.

Building is slow (packaging/build.sh does it and smoke-tests the result); these checks take seconds.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "kace.spec"


@pytest.mark.parametrize("path", [SPEC, PACKAGING / "kace_main.py", PACKAGING / "hooks" / "hook-faker.py",
                                  PACKAGING / "make_icon.py", PACKAGING / "bench_startup.py"])
def test_python_files_parse(path):
    ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_entry_calls_freeze_support_before_the_app():
    """demo.py generates in a "spawn" child: without freeze_support the child would be a second `kace`."""
    src = (PACKAGING / "kace_main.py").read_text(encoding="utf-8")
    assert src.index("multiprocessing.freeze_support()") < src.index("from app.cli import main")


def test_migrations_found_in_the_bundle_when_frozen(monkeypatch, tmp_path):
    from app.db import migrate

    assert migrate._migrations_dir() == ROOT / "migrations"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert migrate._migrations_dir() == tmp_path / "migrations"


def test_icon_files_exist():
    assert (ROOT / "resources" / "kace.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (ROOT / "resources" / "kace.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_inno_setup_script_keeps_user_data():
    iss = (PACKAGING / "windows" / "kace.iss").read_bytes()
    assert iss.startswith(b"\xef\xbb\xbf"), "Inno Setup reads UTF-8 only with a byte-order mark"
    text = iss.decode("utf-8-sig")
    delete_sections = [s for s in text.split("\n[") if s.startswith(("UninstallDelete]", "InstallDelete]"))]
    assert delete_sections
    for section in delete_sections:
        entries = [line.lower() for line in section.splitlines() if line.strip() and not line.lstrip().startswith(";")]
        assert not any("localappdata" in e or "userappdata" in e for e in entries), entries
    assert "{autoprograms}" in text and "desktopicon" in text


class _Stub:
    """Records what the spec passes to one of PyInstaller's build targets."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class _Analysis(_Stub):
    FAKE_DATAS = [
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", "/src/qtbase_zh_CN.qm", "DATA"),
        ("PySide6/Qt/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
        ("PySide6/Qt/translations/qt_help_zh_CN.qm", "/src/qt_help_zh_CN.qm", "DATA"),
        ("resources/kace.qss", "/src/kace.qss", "DATA"),
    ]
    FAKE_BINARIES = [
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", "/src/libqpdf.so", "BINARY"),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", "/src/libqjpeg.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", "/src/libQt6Pdf.so.6", "BINARY"),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", "/src/libcups.so", "BINARY"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.datas = list(self.FAKE_DATAS)
        self.binaries = list(self.FAKE_BINARIES)
        self.pure, self.scripts = [], []


@pytest.fixture(scope="module")
def spec():
    """Run the spec with stand-ins for Analysis/PYZ/EXE/COLLECT (PyInstaller's hook helpers are real)."""
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed: bash packaging/build.sh installs requirements/package.txt")
    namespace = {"SPECPATH": str(PACKAGING), "Analysis": _Analysis, "PYZ": _Stub, "EXE": _Stub, "COLLECT": _Stub,
                 "__file__": str(SPEC)}
    saved = list(sys.path)
    try:
        exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    finally:
        sys.path[:] = saved
    return namespace


def test_hidden_imports_include_discovered_commands_and_migration_imports(spec):
    hidden = set(spec["a"].kwargs["hiddenimports"])
    commands = {p.stem for p in (ROOT / "app" / "commands").glob("*.py") if p.stem != "__init__"}
    assert {"backup", "restore", "user"} <= commands
    assert {f"app.commands.{c}" for c in commands} <= hidden
    assert {"app.cli", "app.ui.launch", "app.db.migrate"} <= hidden
    assert {"alembic", "sqlalchemy", "app.db.models"} <= hidden  # imported by migrations/, data files
    assert "PySide6.QtPrintSupport" in hidden


def test_data_and_exclusions(spec):
    analysis = spec["a"]
    dests = {dest for _, dest in analysis.kwargs["datas"]}
    assert {"migrations", "resources"} <= dests
    assert any(dest.endswith("translations") for dest in dests), "qtbase_zh_CN.qm"
    assert any(src.endswith("qtbase_zh_CN.qm") for src, _ in analysis.kwargs["datas"])
    assert "PySide6.QtPdf" in analysis.kwargs["excludes"]
    assert str(PACKAGING / "hooks") in analysis.kwargs["hookspath"]
    # only Chinese Qt translations, no QtPdf plugin or library
    kept = {e[0] for e in analysis.datas + analysis.binaries}
    assert "PySide6/Qt/translations/qtbase_zh_CN.qm" in kept
    assert "PySide6/Qt/translations/qtbase_de.qm" not in kept
    assert "resources/kace.qss" in kept
    assert not any("qpdf" in k or "Qt6Pdf" in k for k in kept)
    assert "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so" in kept


def test_executables(spec):
    exes = [e for e in spec["executables"]]
    names = [e.kwargs["name"] for e in exes]
    assert names[0] == "kace"
    if sys.platform.startswith("win"):  # the layout of the platform the tests run on
        assert names == ["kace", "kace-cli"] and exes[0].kwargs["console"] is False
        assert exes[1].kwargs["console"] is True
    else:
        assert names == ["kace"] and exes[0].kwargs["console"] is True
    for exe in exes:
        assert ("X utf8", None, "OPTION") in exe.args[2]
        assert exe.kwargs["upx"] is False
    assert spec["coll"].kwargs["name"] == "kace"


def test_inno_setup_names_the_real_data_folders():
    """No literal %LOCALAPPDATA% shown to the user: ExpandConstant, and the database folder the
    first-run wizard remembered in kace.ini when it is not the default one."""
    text = (PACKAGING / "windows" / "kace.iss").read_text("utf-8-sig")
    code = text[text.index("[Code]"):]
    messages = text[text.index("[CustomMessages]"):text.index("[Tasks]")]
    assert "%LOCALAPPDATA%" not in code and "%LOCALAPPDATA%" not in messages
    assert "ExpandConstant('{localappdata}\\kace')" in code
    assert "kace.ini" in code and "'[files]'" in code and "'database='" in code
    assert "from app import paths" in (ROOT / "app" / "ui" / "first_run" / "__init__.py").read_text("utf-8")
    from app import paths

    assert paths.REMEMBERED_DB_KEY == "files/database"  # what the installer reads
    assert "{userdocs}" in text and "kace-cli" in text  # the 命令行 shortcut: kace-cli on its PATH


@pytest.mark.parametrize("script, restore", [("smoke_test.sh", '"$KACE" restore --db'),
                                             ("windows/build-windows.ps1", "& $Cli restore --db")])
def test_smoke_tests_back_up_and_restore_in_an_office_folder(script, restore):
    text = (PACKAGING / script).read_text("utf-8-sig")
    assert restore in text and "扶贫 资料" in text and "1#楼 100%" in text
