"""登录: shown at start when the database has user accounts (kace user add). The user's role then
governs every op (a 查看 user cannot save), and the change log records the real user.

An encrypted database (app/db/crypto.py) is logged in to before it is opened: the password
unwraps the data key, then the database opens with it (open_encrypted)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from app.db.migrate import DatabaseRefused
from app.domain.errors import DomainError


class LoginDialog(QDialog):
    """`login(username, password) -> UserInfo` checks a log-in (default: the accounts of `ops`)."""

    def __init__(self, ops, parent: QWidget | None = None, username: str = "", login=None):
        super().__init__(parent)
        self.ops = ops
        self.login = login or self._authenticate
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
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("用户名(&U)："), self.username)
        form.addRow(self.tr("密码(&P)："), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登录"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        product = QLabel(self.tr("卡册"))
        product.setObjectName("editorHeader")
        font = product.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        product.setFont(font)
        tagline = QLabel(self.tr("建档立卡贫困户户卡与村册管理"))
        tagline.setObjectName("hint")
        self.message.hide()  # shown with a refusal; no empty gap before
        layout = QVBoxLayout(self)
        layout.addWidget(product)
        layout.addWidget(tagline)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()
        self.setMinimumWidth(360)
        self.adjustSize()

    def _authenticate(self, username: str, password: str):
        from app.ops.users import authenticate

        return authenticate(self.ops, username, password)

    def try_login(self) -> bool:
        try:
            self.user = self.login(self.username.text(), self.password.text())
        except (DomainError, DatabaseRefused) as e:
            self.message.setText(e.message)
            self.message.show()
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


class Unlock:
    """The log-in of an encrypted database: the password unwraps the data key, the database
    opens with it (`open_context(db_path, key) -> AppContext`), and the account must be enabled.
    A failure opens nothing (or closes what it opened) and raises a Chinese message."""

    def __init__(self, db_path, open_context):
        self.db_path = db_path
        self.open_context = open_context
        self.app_ctx = None

    def __call__(self, username: str, password: str):
        from app.db import crypto
        from app.ops.users import authenticate

        key = crypto.unlock(self.db_path, username, password)
        app_ctx = self.open_context(self.db_path, key)
        try:
            user = authenticate(app_ctx.ops, username, password)
        except DomainError:
            app_ctx.close()
            raise crypto.WrongPassword(self.db_path) from None
        self.app_ctx = app_ctx
        return user


def open_encrypted(db_path, open_context, username: str = "", parent: QWidget | None = None):
    """Log in to an encrypted database and open it: the AppContext with the user applied, or
    None when the user quit. Raises DatabaseRefused when this Kace has no SQLCipher."""
    from app.db import crypto

    crypto.require_available()
    unlock = Unlock(db_path, open_context)
    dialog = LoginDialog(None, parent, username or "", login=unlock)
    dialog.setWindowTitle(dialog.tr("卡册 — 登录（加密的数据库）"))
    if dialog.exec() != QDialog.DialogCode.Accepted or unlock.app_ctx is None:
        return None
    apply_user(unlock.app_ctx, dialog.user)
    return unlock.app_ctx
