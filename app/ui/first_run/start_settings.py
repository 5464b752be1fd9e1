"""The one setting of the start (kace.ini): where the database is when it is not the default. Read
by the start (app/ui/first_run) and written by the set-up wizard when the user puts it elsewhere."""

from __future__ import annotations

from app import paths
from app.ui.settings import Option, Settings


class StartSettings(Settings):
    database = Option(paths.REMEMBERED_DB_KEY, str, "")
