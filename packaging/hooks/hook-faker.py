"""Slim replacement for the contrib hook of Faker (this folder is on the spec's hookspath, which wins).

The contrib hook ships every locale of every provider (~25 MB of sources). Kace uses the zh_CN names only
(app/demo/people.py); en_US/en stay because Faker falls back to them. Faker finds its providers in a frozen app by
globbing sys._MEIPASS/faker/providers/*/__init__.py, so those files are collected as data as well as modules.
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

KEEP_LOCALES = {"zh_CN", "en_US", "en"}


def _wanted_module(name: str) -> bool:
    parts = name.split(".")  # faker.providers.<provider>.<locale>...
    return len(parts) < 4 or parts[3] in KEEP_LOCALES


def _wanted_file(entry) -> bool:
    parts = entry[1].replace("\\", "/").split("/")  # destination folder: faker/providers/<provider>/<locale>
    return len(parts) < 4 or parts[3] in KEEP_LOCALES


hiddenimports = collect_submodules("faker.providers", filter=_wanted_module)
datas = [e for e in collect_data_files("faker.providers", include_py_files=True) if _wanted_file(e)]
