"""Opening a 花名册 file and finding its table: title rows, merged two-level headers, data rows.

python-calamine reads .xlsx and .xls fast (Rust). A file that is not Excel, is password-protected,
is truncated, or has no recognisable header is refused with a Chinese message (ImportFileError).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from app.domain.errors import DomainError
from app.exchange.sheet_columns import BY_KEY, column_for, fold
from app.exchange.normalize import cell_text, is_empty

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SCAN_ROWS = 30
MIN_HEADER_COLUMNS = 3


class ImportFileError(DomainError):
    """The file cannot be imported at all (exit 2, database unchanged)."""

    def __init__(self, message: str):
        super().__init__("文件", message)


@dataclass
class Table:
    path: Path
    sheet: str
    raw: list[list]  # every row of the sheet as read, from row 1 (for the error copy)
    rows: list[list]  # the same with merged cells filled with their value
    header_rows: tuple[int, ...]  # 0-based indexes of the header rows
    columns: dict[int, str]  # column index -> layout key
    headers: dict[int, str] = field(default_factory=dict)  # column index -> header text as found
    unknown: list[str] = field(default_factory=list)  # header texts Kace does not know

    @property
    def data_start(self) -> int:
        return self.header_rows[-1] + 1

    def has(self, key: str) -> bool:
        return key in self.columns.values()


def _open(path: Path):
    if not path.exists():
        raise ImportFileError(f"文件不存在：{path}")
    if path.is_dir():
        raise ImportFileError(f"这是一个文件夹，不是 Excel 文件：{path}")
    try:
        with path.open("rb") as f:
            head = f.read(8)
            data = head + f.read(1 << 20) if head == OLE_MAGIC else head
    except OSError as e:
        raise ImportFileError(f"无法读取文件：{path}（{e.strerror}）") from e
    if head.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise ImportFileError(f"文件有密码保护，请在 Excel 中取消密码后再导入：{path.name}")
    elif not head.startswith(ZIP_MAGIC):
        raise ImportFileError(f"不是 Excel 文件（.xlsx 或 .xls）：{path.name}")
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as e:
        raise ImportFileError(f"文件有密码保护，请在 Excel 中取消密码后再导入：{path.name}") from e
    except Exception as e:
        raise ImportFileError(f"文件已损坏或不完整，无法打开：{path.name}（{type(e).__name__}）") from e


def _filled(raw: list[list], merged) -> list[list]:
    """The rows with every merged range carrying its top-left value (how people read the sheet)."""
    rows = [list(r) for r in raw]
    for (r1, c1), (r2, c2) in merged or ():
        if r1 >= len(rows) or c1 >= len(rows[r1]):
            continue
        value = rows[r1][c1]
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c1, min(c2, len(row) - 1) + 1):
                if is_empty(row[c]):
                    row[c] = value
    return rows


def _match(rows: list[list], span: tuple[int, ...]) -> tuple[dict[int, str], dict[int, str]]:
    """Column keys of a header of one row or of two rows (parent over child)."""
    width = max(len(rows[i]) for i in span)
    columns, texts = {}, {}
    taken = set()
    for c in range(width):
        parts = [cell_text(rows[i][c]) if c < len(rows[i]) else "" for i in span]
        top, bottom = (parts[0], parts[-1]) if len(parts) == 2 else ("", parts[0])
        candidates = [top + bottom] if top and bottom and top != bottom else []
        candidates += [bottom, top]
        for text in candidates:
            key = column_for(text) if text else None
            if key and key not in taken:
                columns[c] = key
                texts[c] = text
                taken.add(key)
                break
        else:
            shown = bottom or top
            if shown:
                texts[c] = shown
    return columns, texts


def _usable(columns: dict[int, str]) -> bool:
    keys = set(columns.values())
    return len(keys) >= MIN_HEADER_COLUMNS and bool(keys & {"name", "head_name"})


def find_table(path: Path | str) -> Table:
    """The first sheet with a recognisable header, its header rows and column keys."""
    path = Path(path)
    wb = _open(path)
    try:
        for name in wb.sheet_names:
            try:
                sheet = wb.get_sheet_by_name(name)
                raw = sheet.to_python(skip_empty_area=False)
                merged = sheet.merged_cell_ranges
            except Exception as e:
                raise ImportFileError(f"文件已损坏或不完整，无法读取工作表“{name}”：{path.name}") from e
            rows = _filled(raw, merged)
            best = None
            scan = min(HEADER_SCAN_ROWS, len(rows))
            # how many cells of a row are known headers: a data row has one at most ("户主")
            score = [sum(1 for v in rows[r] if isinstance(v, str) and column_for(v)) for r in range(scan + 1)
                     if r < len(rows)]
            for r in range(scan):
                for span in ((r,), (r, r + 1)):
                    if span[-1] >= len(score) or (len(span) == 2 and score[r + 1] < 2):
                        continue
                    columns, texts = _match(rows, span)
                    if _usable(columns) and (best is None or len(columns) > len(best[1])):
                        best = (span, columns, texts)
            if best:
                span, columns, texts = best
                unknown = [t for c, t in texts.items() if c not in columns and BY_KEY.get(fold(t)) is None]
                return Table(path, name, raw, rows, span, columns, texts, unknown)
    finally:
        wb.close()
    raise ImportFileError(f"找不到表头：文件中没有“姓名”或“户主姓名”等可识别的列：{path.name}")
