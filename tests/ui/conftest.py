"""The real main window over a real migrated temporary database; questions to the user are
answered by a scripted interaction layer, so no test ever blocks on a modal dialog."""

from __future__ import annotations

from pathlib import Path

import pytest

import app.ui  # noqa: F401  (installs the Qt binding work-arounds first)
from app.demo import make_demo
from app.ops.households import create_household
from app.ui.context import AppContext
from app.ui.interaction import CANCEL
from app.ui.settings import Settings
from tests import factories
from tests.conftest import TODAY


class FakeInteraction:
    """Records every question; answers from queues (default: confirm yes, guard cancel)."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.confirm_answers: list[bool] = []
        self.guard_answers: list[str] = []
        self.paths: list[Path | None] = []
        self.year_reasons: list[tuple[int, str] | None] = []

    def confirm(self, title, text, ok=None):
        self.calls.append(("confirm", title, text))
        return self.confirm_answers.pop(0) if self.confirm_answers else True

    def save_discard_cancel(self, title, text):
        self.calls.append(("guard", title, text))
        return self.guard_answers.pop(0) if self.guard_answers else CANCEL

    def info(self, title, text):
        self.calls.append(("info", title, text))

    def error(self, title, text, detail=None):
        self.calls.append(("error", title, text))

    def ask_year_and_reason(self, title, text, year, low, high):
        self.calls.append(("year_reason", title, text, year, low, high))
        return self.year_reasons.pop(0) if self.year_reasons else None

    def ask_save_path(self, title, filter, default=""):
        self.calls.append(("save_path", title))
        return self.paths.pop(0) if self.paths else None

    def ask_open_path(self, title, filter, default=""):
        self.calls.append(("open_path", title))
        return self.paths.pop(0) if self.paths else None

    def of(self, kind):
        return [c for c in self.calls if c[0] == kind]


@pytest.fixture(scope="session", autouse=True)
def _chinese_qapp(qapp):
    from app.ui import i18n

    i18n.install_translations(qapp)
    i18n.apply_font(qapp)
    i18n.apply_style(qapp)
    return qapp


@pytest.fixture
def interaction():
    return FakeInteraction()


@pytest.fixture
def app_ctx(ctx, db_path, interaction, tmp_path):
    context = AppContext(ctx, db_path, Settings(tmp_path / "kace.ini"), interaction, ctx.user)
    yield context
    context.runner.shutdown()


@pytest.fixture
def demo(ctx):
    """A small demo county: one village of 60 households with members, incomes, visits."""
    return make_demo(ctx, 60, 7, TODAY, parallel=False)


@pytest.fixture
def zsf(ctx, demo):
    """张三丰's household added to the demo village (with a spouse and a son)."""
    from app.db import lookup_queries

    with ctx.read() as s:
        village = lookup_queries.villages_with_groups(s)[0]
    values = {"village_id": village["id"], "group_id": village["groups"][0][0], "category": "一般贫困户",
              "main_cause": "因病", "status": "未脱贫", "identified_year": 2016}
    members = [factories.head("张三丰", seq=401), factories.spouse(seq=402), factories.child(seq=403)]
    return create_household(ctx, values, members).value


@pytest.fixture
def window(qtbot, app_ctx):
    from app.ui.capture import settle_window
    from app.ui.main_window import MainWindow

    win = MainWindow(app_ctx)
    qtbot.addWidget(win)
    win.show()
    settle_window(win)
    yield win
    for editor in list(win.editors.values()):
        editor.discard_and_close()
    win.settle()
    win.close()


def type_text(widget, text: str) -> None:
    """Enter text as the user would: keyClicks aborts on CJK, so setText and the edit signal."""
    widget.setFocus()
    widget.setText(text)
    if hasattr(widget, "textEdited"):
        widget.textEdited.emit(text)
