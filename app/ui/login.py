"""登录: shown at start when the database has user accounts (kace user add). The user's role then
governs every op (a 查看 user cannot save), and the change log records the real user."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from app.domain.errors import DomainError


class LoginDialog(QDialog):
    def __init__(self, ops, parent: QWidget | None = None, username: str = ""):
        super().__init__(parent)
        self.ops = ops
        self.user = None  # app.ops.users.UserInfo once logged in
        self.setWindowTitle(self.tr("卡册 — 登录"))
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("error")
        self.message.setStyleSheet("color: #c0392b")
        form = QFormLayout()
        form.addRow(self.tr("用户名(&U)："), self.username)
        form.addRow(self.tr("密码(&P)："), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登录"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()
        self.resize(360, 160)

    def try_login(self) -> bool:
        from app.ops.users import authenticate

        try:
            self.user = authenticate(self.ops, self.username.text(), self.password.text())
        except DomainError as e:
            self.message.setText(e.message)
            self.password.clear()
            self.password.setFocus()
            return False
        self.accept()
        return True


def log_in(app_ctx, parent: QWidget | None = None) -> bool:
    """Ask for a log-in when accounts exist; set the acting user and role. False: the user quit."""
    from app.ops.users import count_users

    if count_users(app_ctx.ops) == 0:
        return True  # no accounts yet: a single-user laptop, as before
    dialog = LoginDialog(app_ctx.ops, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
        return False
    apply_user(app_ctx, dialog.user)
    return True


def apply_user(app_ctx, user) -> None:
    app_ctx.ops.user = user.username
    app_ctx.ops.role = user.role
    app_ctx.user = user.username
