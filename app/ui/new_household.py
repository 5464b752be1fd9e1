"""新建户: a short wizard — where the household lives and its basic facts, then the 户主 — that
creates the household and its head in one op; the editor opens next for the other members."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizard, QWizardPage

from app.domain import codes
from app.domain.errors import DomainError
from app.ops import reads
from app.ops.households import create_household
from app.ops.reads import ListQuery
from app.ui import errors as error_text
from app.ui.editor.members import fill_from_id, member_checks
from app.ui.field_choice import add_fields
from app.ui.field_widgets import ChoiceCombo, restyle
from app.ui.layouts import fit_to_screen
from app.ui.record_form import Form, FormGrid

HINT_STYLE = "color: #666666;"  # what to fill in, not yet an error (as QLabel#hint)

HEAD = codes.RELATION.code("户主")


class _FormPage(QWizardPage):
    def __init__(self, form: Form, title: str, subtitle: str, grid: FormGrid):
        super().__init__()
        self.form = form
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.error = QLabel()
        self.error.setObjectName("saveReason")
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(grid)
        layout.addWidget(self.error)
        form.edited.connect(self.completeChanged)
        form.validated.connect(self.completeChanged)
        form.validated.connect(self._say_what_is_missing)

    def _say_what_is_missing(self) -> None:
        """Why 下一步/创建 is not available: the first problem once the user has typed, before that
        only what to fill in (a blank form does not open in red)."""
        quiet = not (self.form.show_untouched or self.form.touched())
        restyle(self.error, HINT_STYLE if quiet else "")
        if not self.form.errors:
            self.error.setText("")
        elif quiet:
            missing = "、".join(self.form.labels[name] for name in self.form.errors)
            self.error.setText(self.tr("请填写：{0}").format(missing))
        else:
            self.error.setText(next(iter(self.form.errors.values())))

    def isComplete(self) -> bool:
        return not self.form.errors

    def initializePage(self) -> None:
        # the keyboard starts on the page's first field (not on 下一步)
        first = next((w for w in self.form.widgets.values() if w.isEnabled()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)


class NewHouseholdWizard(QWizard):
    created = Signal(str)  # the new household's id

    def __init__(self, app_ctx, scope: ListQuery, parent=None):
        super().__init__(parent)
        self.app = app_ctx
        self.setWindowTitle(self.tr("新建户"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        today = lambda: app_ctx.today
        self.villages = reads.villages_with_groups(app_ctx.ops)

        household = self.household_form = Form("household", today, self)
        household.add("village_id", ChoiceCombo([(v["id"], f"{v['township'] or ''} {v['name']}")
                                                 for v in self.villages]))
        household.add("group_id", ChoiceCombo())
        add_fields(household, "standard", "category", "main_cause", "identified_year", "status", "phone")
        household.add_check(lambda v: {} if v.get("village_id") else {"village_id": "请选择所属村"})
        household.widgets["village_id"].edited.connect(self._village_changed)
        grid = FormGrid(household, columns=1)
        grid.add("village_id", "group_id", "standard", "category", "main_cause", "identified_year",
                 "status", "phone").finish()
        self.household_page = _FormPage(household, self.tr("第一步：户的基本情况"),
                                        self.tr("选择所属村、组，填写识别情况。户编号由程序按“村代码-设备号-序号”自动生成。"),
                                        grid)

        head = self.head_form = Form("member", today, self)
        head.show_untouched = False  # no 姓名不能为空 before anything is typed
        add_fields(head, "name", "id_number", "sex", "birth_date", "ethnicity", "education",
                   "schooling", "health", "labour", "medical_insured", "critical_insured", "phone")
        head_rules = member_checks(today)
        head.add_check(lambda v: head_rules({**v, "relation": HEAD}))
        head.widgets["id_number"].edited.connect(lambda: fill_from_id(head, app_ctx.today))
        grid2 = FormGrid(head, columns=2)
        grid2.add("name", "id_number", "sex", "birth_date", "ethnicity", "labour", "education",
                  "schooling", "medical_insured", "critical_insured", "phone")
        grid2.add_wide("health")
        grid2.finish()
        self.head_page = _FormPage(head, self.tr("第二步：户主"),
                                   self.tr("登记户主。其他家庭成员在新户的户卡“家庭成员”页添加。"), grid2)
        self.addPage(self.household_page)
        self.addPage(self.head_page)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("创建(&C)"))

        year = app_ctx.today.year
        village_id = scope.region_id if scope.level == "village" else None
        group_id = scope.region_id if scope.level == "group" else None
        if group_id:
            village_id = next((v["id"] for v in self.villages if any(g[0] == group_id for g in v["groups"])), None)
        household.load({"village_id": village_id or (self.villages[0]["id"] if self.villages else None),
                        "standard": codes.STANDARD.code("国家标准"), "identified_year": year,
                        "status": codes.HOUSEHOLD_STATUS.code("新识别贫困户"),
                        "category": codes.CATEGORY.code("一般贫困户")})
        self._village_changed()
        if group_id:
            household.widgets["group_id"].set_value(group_id)
        head.load({"ethnicity": codes.ETHNICITY.code("汉族"), "medical_insured": True})
        fit_to_screen(self, 760, 600)

    def _village_changed(self) -> None:
        vid = self.household_form.value("village_id")
        village = next((v for v in self.villages if v["id"] == vid), None)
        self.household_form.widgets["group_id"].set_choices(
            [(None, "")] + (village["groups"] if village else []))

    def values(self) -> tuple[dict, dict]:
        household = {k: v for k, v in self.household_form.collect().items() if v is not None}
        head = {k: v for k, v in self.head_form.collect().items() if v is not None}
        head["relation"] = HEAD
        head.setdefault("status", codes.MEMBER_STATUS.code("正常"))
        return household, head

    def accept(self) -> None:
        household, head = self.values()
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self.app.runner.run(create_household, household, [head], label=self.tr("新建户"),
                            on_success=self._created, on_failure=self._failed)

    def _created(self, result) -> None:
        super().accept()
        self.created.emit(result.value["id"])

    def _failed(self, exc) -> None:
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        page = self.currentPage()
        text = error_text.describe(exc)
        if isinstance(page, _FormPage):
            page.error.setText(self.tr("无法创建：{0}").format(text))
        if not isinstance(exc, DomainError):
            self.app.interaction.error(self.tr("新建户失败"), text)
