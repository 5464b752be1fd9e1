"""The set-up wizard's last pages: the first administrator, then the summary whose 完成 builds the
database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from app.domain import roles
from app.domain.errors import DomainError
from app.ui.first_run.page_parts import hint, message_label
from app.ui.first_run.region_list import Place, parent_code
from app.ui.first_run.setup import SetupPlan


# --- 4. the first administrator ------------------------------------------------------------------


class AdminPage(QWizardPage):
    def __init__(self, wizard: QWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("管理员账号"))
        self.setSubTitle(self.tr("第 4 步：建立第一个管理员。以后每次打开卡册都要用它登录；"
                                 "管理员可以再为其他人建立“录入员”或“查看”账号。"))
        self.username = QLineEdit()
        self.username.setObjectName("adminUsername")
        self.username.setPlaceholderText(self.tr("例如 admin 或姓名拼音，不含空格"))
        self.display_name = QLineEdit()
        self.display_name.setObjectName("adminDisplayName")
        self.display_name.setPlaceholderText(self.tr("例如 第一书记的姓名"))
        self.password = QLineEdit()
        self.password.setObjectName("adminPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("至少 {0} 个字符").format(roles.MIN_PASSWORD_LENGTH))
        self.repeat = QLineEdit()
        self.repeat.setObjectName("adminRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = message_label()
        form = QFormLayout()
        form.addRow(self.tr("用户名(&U)："), self.username)
        form.addRow(self.tr("姓名(&M)："), self.display_name)
        form.addRow(self.tr("密码(&P)："), self.password)
        form.addRow(self.tr("再次输入密码(&R)："), self.repeat)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(hint(self.tr(
            "密码只以加密形式保存在本机数据库中，任何人（包括管理员）都看不到原文，忘记后无法找回，只能由另一位管理员重设。请把密码记在安全的地方。")))
        for w in (self.username, self.password, self.repeat):
            w.textChanged.connect(self.completeChanged)
            w.textChanged.connect(self.message.clear)

    def isComplete(self) -> bool:
        return bool(self.username.text().strip() and self.password.text() and self.repeat.text())

    def validatePage(self) -> bool:
        try:
            roles.check_username(self.username.text())
            roles.check_password(self.password.text())
        except DomainError as e:
            self.message.setText(e.message)
            return False
        if self.password.text() != self.repeat.text():
            self.repeat.clear()
            self.repeat.setFocus()
            self.message.setText(self.tr("两次输入的密码不一致，请再输入一次。"))
            return False
        return True


# --- 5. summary, then build ----------------------------------------------------------------------


class SummaryPage(QWizardPage):
    def __init__(self, wizard: QWizard):
        super().__init__(wizard)
        self.setTitle(self.tr("确认"))
        self.setSubTitle(self.tr("最后一步：检查以下设置，点“完成”建立数据库。"))
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_after = QCheckBox(self.tr("完成后立即导入花名册（Excel）(&I)"))
        self.import_after.setObjectName("importAfter")
        self.message = message_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addSpacing(8)
        layout.addWidget(self.import_after)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def initializePage(self) -> None:
        wizard = self.wizard()
        plan = wizard.plan()
        rows = [(self.tr("数据库文件"), str(plan.db_path))]
        if plan.demo_households:
            rows.append((self.tr("使用方式"), self.tr("演示数据：一个虚构的演示县，{0} 户").format(plan.demo_households)))
        else:
            county = wizard.region_page.county_place()
            villages = plan.villages
            rows.append((self.tr("使用方式"), self.tr("本县的工作数据库")))
            rows.append((self.tr("县"), f"{county.name}（{county.code[:6]}）" if county else ""))
            names = "、".join(f"{plan_township(plan, v)}{v.name}" for v in villages[:12])
            more = self.tr(" 等") if len(villages) > 12 else ""
            rows.append((self.tr("村"), self.tr("{0}{1}（共 {2} 个）").format(names, more, len(villages))))
        admin = wizard.admin_page
        display = admin.display_name.text().strip()
        rows.append((self.tr("管理员"), admin.username.text().strip() + (f"（{display}）" if display else "")))
        html = "".join(f"<tr><td style='padding:3px 12px 3px 0'><b>{k}</b></td><td style='padding:3px 0'>{_escape(v)}</td></tr>"
                       for k, v in rows)
        self.summary.setText(f"<table>{html}</table>")
        self.import_after.setVisible(not plan.demo_households)
        self.message.clear()

    def validatePage(self) -> bool:
        return self.wizard().create()


def plan_township(plan: SetupPlan, village: Place) -> str:
    township = next((p for p in plan.places if p.code == parent_code(village.code)), None)
    return f"{township.name} " if township else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
