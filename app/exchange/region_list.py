"""Region lists for the set-up wizard: the bundled county files (resources/regions/*.csv) and region
list files the user imports. Plain Python (no Qt): parsing, the levels (from app/domain/regions)
and the places a chosen set of villages needs (their township, county, prefecture, province).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.domain.errors import DomainError
from app.domain.regions import LEVEL_NAMES, parent_code, parse_division_code

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "regions"
LEVEL_ORDER = ("province", "prefecture", "county", "township", "village")
# NBS pages name villages "…村委会" / "…社区居委会"; the registers say "…村" / "…社区".
_SUFFIXES = (("村民委员会", "村"), ("村委会", "村"), ("社区居民委员会", "社区"), ("社区居委会", "社区"),
             ("居民委员会", "社区"), ("居委会", "社区"))


@dataclass(frozen=True)
class Place:
    code: str  # 12 digits
    name: str
    level: str  # province, prefecture, county, township, village

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]


def normalize_code(text: str) -> str:
    """6, 9 or 12 digits → a checked 12-digit code (DomainError in Chinese otherwise)."""
    digits = re.sub(r"\s", "", text or "")
    if re.fullmatch(r"[0-9]{6}|[0-9]{9}", digits):
        digits = digits.ljust(12, "0")
    return parse_division_code(digits).code


def normalize_name(text: str) -> str:
    name = (text or "").strip().strip('"').strip()
    for suffix, short in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return stem if stem.endswith(short) else stem + short
    return name


def place(code: str, name: str) -> Place:
    """A checked place; DomainError (Chinese) for a bad code, an empty name or a group code."""
    code = normalize_code(code)
    name = normalize_name(name)
    if not name:
        raise DomainError("名称", f"区划 {code} 没有名称")
    return Place(code, name, parse_division_code(code).level)


def parse_lines(lines: Iterable[str]) -> tuple[list[Place], list[str]]:
    """Places from `code,name` lines (comma, tab or spaces); errors as Chinese lines with the line
    number. Comment lines (#) and a header line without a code are skipped."""
    places, errors = [], []
    header_seen = False
    for number, line in enumerate(lines, start=1):
        text = line.strip().lstrip("\ufeff")
        if not text or text.startswith("#"):
            continue
        fields = next(csv.reader(io.StringIO(text))) if "," in text else re.split(r"[\t ]+", text)
        fields = [f.strip() for f in fields if f.strip()]
        code = next((f for f in fields if re.fullmatch(r"[0-9]{6,14}", f)), None)
        if code is None:
            if places or errors or header_seen:
                errors.append(f"第 {number} 行没有区划代码：{text[:40]}")
            header_seen = True
            continue
        name = next((f for f in fields if f != code and not f.isdigit() and not _level_of(f)), "")
        if len(code) not in (6, 9, 12):
            errors.append(f"第 {number} 行：区划代码应为 6、9 或 12 位数字：{code}")
            continue
        try:
            found = place(code, name)
        except DomainError as e:
            errors.append(f"第 {number} 行：{e.message}")
            continue
        stated = next((_level_of(f) for f in fields if _level_of(f)), None)
        if stated and stated != found.level:
            errors.append(f"第 {number} 行：级别“{next(f for f in fields if _level_of(f))}”与区划代码 {found.code} "
                          f"不符（代码表示{found.level_name}）")
            continue
        places.append(found)
    return places, errors


_LEVEL_WORDS = {"province": "province", "省": "province", "prefecture": "prefecture", "city": "prefecture",
                "市": "prefecture", "州": "prefecture", "county": "county", "县": "county", "区": "county",
                "township": "township", "乡": "township", "镇": "township", "乡镇": "township", "街道": "township",
                "village": "village", "村": "village", "社区": "village"}


def _level_of(text: str) -> str | None:
    """A level column's value (province … village, or 省 市 县 乡镇 村) as a level key."""
    return _LEVEL_WORDS.get(text.strip().lower())


def read_file(path: Path) -> tuple[list[Place], list[str]]:
    """A region list file: CSV (UTF-8 with or without BOM, or GB18030 as Excel saves CSV in China) or
    an Excel sheet (.xlsx/.xls) with the columns code, name[, level, parent]."""
    if Path(path).suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        return _read_sheet(Path(path))
    data = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return [], [f"无法识别文件的编码（应为 UTF-8 或 GBK）：{path}"]
    return parse_lines(text.splitlines())


class RegionList:
    """Places by code; what the wizard shows and what it creates."""

    def __init__(self, places: Iterable[Place] = ()):
        self.places: dict[str, Place] = {}
        self.merge(places)

    def merge(self, places: Iterable[Place]) -> None:
        for p in places:
            self.places[p.code] = p

    def get(self, code: str) -> Place | None:
        return self.places.get(code)

    def counties(self) -> list[Place]:
        return sorted((p for p in self.places.values() if p.level == "county"), key=lambda p: p.code)

    def children(self, code: str) -> list[Place]:
        return sorted((p for p in self.places.values() if p.level != "province" and parent_code(p.code) == code),
                      key=lambda p: p.code)

    def lineage(self, code: str) -> list[Place]:
        """The places above `code` that the list knows, top-down."""
        above = []
        current = parent_code(code)
        while current is not None:
            if current in self.places:
                above.append(self.places[current])
            current = parent_code(current)
        return above[::-1]

    def selection(self, village_codes: Iterable[str]) -> list[Place]:
        """The villages and every place above them, top-down (parents before children)."""
        chosen: dict[str, Place] = {}
        for code in village_codes:
            for p in [*self.lineage(code), self.places[code]]:
                chosen[p.code] = p
        return [chosen[c] for c in sorted(chosen)]


def bundled(folder: Path = RESOURCES) -> RegionList:
    """Every county list shipped in resources/regions."""
    regions = RegionList()
    for path in sorted(Path(folder).glob("*.csv")):
        places, _errors = read_file(path)
        regions.merge(places)
    return regions


def _read_sheet(path: Path) -> tuple[list[Place], list[str]]:
    import python_calamine as calamine

    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as e:  # noqa: BLE001 - any reader failure is the same message to the user
        return [], [f"无法读取 Excel 文件：{path.name}（{type(e).__name__}）"]
    lines = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            text = "" if v is None else str(v).strip()
            cells.append('"' + text.replace('"', '""') + '"' if "," in text else text)
        lines.append(",".join(cells))
    return parse_lines(lines)
