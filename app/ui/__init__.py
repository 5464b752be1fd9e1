"""The desktop client (PySide6). Importing it installs the Qt binding work-arounds."""

from app.ui import qt_fixes  # noqa: F401  (must run before any Qt call)
