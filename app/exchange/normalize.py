"""Reading the cells of real 花名册 files (domain.md §9): lenient, never guessing.

Each reader takes a cell value as python-calamine gives it (str, float, int, bool, date, datetime or
"") and returns a Read: the value to store (None: leave the field alone), and a Chinese note when
the cell could not be taken as it is. Wrong-but-real values (a bad check character, a 13-month work
time) are kept as typed: `kace check` reports them. Destroyed values (an ID number that Excel turned
into 4.50881199001011E+17) are never repaired by guessing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from app.domain import codes
from app.domain.contact import validate_phone
from app.domain.errors import DomainError
from app.domain.text import halfwidth, squeeze

_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_DOTS = str.maketrans({c: "·" for c in "•・･‧∙⋅．."})
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_TEXT = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})(?:[-/.月]([0-9]{1,2})日?)?")
MAX_EXACT = 2 ** 53  # integers a float cell holds exactly


class Read(NamedTuple):
    value: object = None
    note: str | None = None
    destroyed: bool = False  # an identifier Excel destroyed (never repaired)
    kept: str | None = None  # text outside the code list, kept as typed (never dropped)


EMPTY = Read()


def is_empty(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_text(cell: object) -> str:
    """The text of a cell as a person would read it: a whole float without its ".0"."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < MAX_EXACT:
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if not (cell.hour or cell.minute or cell.second) else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def _unwrap(text: str) -> str:
    """'450881…, ="450881…" and "450881…" (how people force text in Excel and CSV) to the bare value."""
    text = text.strip()
    text = text.removeprefix("'")
    match = re.fullmatch(r'=?"(.*)"', text)
    return match.group(1) if match else text


def read_text(cell: object, label: str, limit: int = 100) -> Read:
    if is_empty(cell):
        return EMPTY
    text = cell_text(cell)
    if len(text) > limit:
        return Read(None, f"{label}过长（{len(text)}字，最多{limit}字），未导入")
    return Read(text)


def read_name(cell: object, label: str = "姓名") -> Read:
    """A name as typed (digits or Latin letters are kept: MB09 reports them), blanks trimmed."""
    if is_empty(cell):
        return EMPTY
    name = re.sub(r"\s+", " ", halfwidth(cell_text(cell)).translate(_DOTS)).strip()
    if len(name) > 40:
        return Read(None, f"{label}过长：{name[:20]}…，未导入")
    return Read(name)


def read_id(cell: object, label: str = "证件号码") -> Read:
    """An ID number: text, full-width, lower-case x and blanks are folded; a number cell is taken
    only when it is exact (a 15-digit old number); 4.50881199001011E+17 is destroyed."""
    if is_empty(cell):
        return EMPTY
    if isinstance(cell, bool):
        return Read(None, f"{label}不是号码：{cell}")
    if isinstance(cell, (int, float)):
        if isinstance(cell, float) and not cell.is_integer():
            return Read(None, f"{label}被Excel存成了小数（{cell!r}），无法恢复", True)
        number = int(cell)
        digits = str(number)
        if len(digits) > 15 or number >= MAX_EXACT:
            return Read(None, f"{label}被Excel转成了数字（{_scientific(cell)}），后几位已丢失，无法恢复", True)
        return Read(digits)
    text = squeeze(_unwrap(str(cell))).upper()
    if _SCIENTIFIC.fullmatch(text):
        return Read(None, f"{label}被Excel转成了科学计数法（{text}），后几位已丢失，无法恢复", True)
    if len(text) > 24:
        return Read(None, f"{label}过长（{len(text)}位）：{text}，未导入")
    return Read(text)


def _scientific(value: float) -> str:
    """How Excel shows a long number: 4.50881199001011E+17."""
    return "%.15G" % float(value)


def read_phone(cell: object, label: str) -> Read:
    """A phone number, normalised when it is one; kept as typed otherwise (HH07 reports it)."""
    if is_empty(cell):
        return EMPTY
    if isinstance(cell, float) and not cell.is_integer():
        return Read(None, f"{label}不是号码：{cell}")
    text = squeeze(_unwrap(cell_text(cell)))
    try:
        return Read(validate_phone(text))
    except DomainError:
        return Read(text) if len(text) <= 20 else Read(None, f"{label}过长：{text}，未导入")


def read_account(cell: object, label: str = "银行账号") -> Read:
    if is_empty(cell):
        return EMPTY
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if isinstance(cell, float) and (not cell.is_integer() or abs(cell) >= MAX_EXACT):
            return Read(None, f"{label}被Excel转成了数字（{_scientific(cell)}），无法恢复，未导入", True)
        return Read(str(int(cell)))
    text = squeeze(_unwrap(str(cell)))
    if _SCIENTIFIC.fullmatch(text):
        return Read(None, f"{label}被Excel转成了科学计数法（{text}），无法恢复，未导入", True)
    return Read(text) if len(text) <= 40 else Read(None, f"{label}过长：{text}，未导入")


def read_code(cell: object, codelist: codes.CodeList, label: str) -> Read:
    if is_empty(cell):
        return EMPTY
    text = cell_text(cell)
    code = codelist.find(text)
    if code is None and codelist is codes.CATEGORY:
        code = _category(text)
    if code is None and codelist is codes.SCHOOLING and codes.is_not_a_pupil(text):
        return EMPTY  # 非在校生: not a pupil, the field stays empty
    if code is None:
        return Read(None, f"{label}“{text}”不在代码表中，已按原样保留", kept=text)
    return Read(code)


def _category(text: str) -> str | None:
    """低保户 → 低保贫困户, 一般户 → 一般贫困户, 特困户 → 特困供养贫困户 (short spellings of 户类型)."""
    folded = squeeze(text)
    for candidate in (folded.replace("户", "贫困户"), folded + "贫困户", folded.replace("特困", "特困供养")
                      .replace("户", "贫困户")):
        code = codes.CATEGORY.find(candidate)
        if code:
            return code
    return None


def read_set(cell: object, codelist: codes.CodeList, label: str) -> Read:
    """Several codes ("残疾,长期慢性病"); unknown parts are left out with a note."""
    if is_empty(cell):
        return EMPTY
    text = cell_text(cell)
    parts = [p for p in re.split(r"[,，、/;；\s]+", text) if p]
    found, unknown = [], []
    for p in parts:
        code = codelist.find(p)
        (found if code else unknown).append(code or p)
    notes = []
    if unknown:
        notes.append(f"{label}中“{'、'.join(unknown)}”不在代码表中，已按原样保留")
    if codelist.exclusive in found and len(set(found)) > 1:
        found = [c for c in found if c != codelist.exclusive]
        notes.append(f"{label}“{text}”同时含有“{codelist.label(codelist.exclusive)}”和其他情况，已去掉“"
                     f"{codelist.label(codelist.exclusive)}”")
    value = ",".join(sorted(set(found))) or None
    return Read(value, "；".join(notes) or None, kept="、".join(unknown) or None)


_YES = {"是", "有", "1", "Y", "YES", "TRUE", "√", "已参加", "参加", "享受"}
_NO = {"否", "无", "0", "N", "NO", "FALSE", "×", "未参加", "不参加", "未享受"}


def read_bool(cell: object, label: str) -> Read:
    if is_empty(cell):
        return EMPTY
    if isinstance(cell, bool):
        return Read(cell)
    text = squeeze(cell_text(cell)).upper()
    if text in _YES:
        return Read(True)
    if text in _NO:
        return Read(False)
    return Read(None, f"{label}应为“是”或“否”：{cell_text(cell)}，已按原样保留", kept=cell_text(cell))


def read_int(cell: object, label: str, low: int | None = None, high: int | None = None) -> Read:
    if is_empty(cell):
        return EMPTY
    text = squeeze(cell_text(cell)).rstrip("月年个")
    try:
        value = int(float(text))
        if float(text) != value:
            raise ValueError
    except ValueError:
        return Read(None, f"{label}不是整数：{cell_text(cell)}，未导入")
    return Read(value)


def read_money(cell: object, label: str) -> Read:
    """An amount in 元 as the sheet gives it (3650.5, "3,650.50元"), exact to the fen with Decimal."""
    if is_empty(cell):
        return EMPTY
    if isinstance(cell, bool):
        return Read(None, f"{label}不是金额：{cell}，未导入")
    text = squeeze(cell_text(cell)).replace(",", "").removesuffix("元")
    try:
        value = Decimal(repr(cell) if isinstance(cell, float) else text).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return Read(None, f"{label}不是金额：{cell_text(cell)}，未导入")
    return Read(value)


def read_year(cell: object, label: str) -> Read:
    """A year: 2019, "2019年", or the year of a date (首次识别时间)."""
    if is_empty(cell):
        return EMPTY
    if isinstance(cell, (date, datetime)):
        return Read(cell.year)
    text = squeeze(cell_text(cell))
    match = re.match(r"([12][0-9]{3})", text)
    if match and (len(text) == 4 or not text[4:5].isdigit()):
        return Read(int(match.group(1)))
    parsed = read_date(cell, label)
    if isinstance(parsed.value, date):
        return Read(parsed.value.year)
    return Read(None, f"{label}不是年份：{cell_text(cell)}，未导入")


def read_date(cell: object, label: str) -> Read:
    if is_empty(cell):
        return EMPTY
    if isinstance(cell, datetime):
        return Read(cell.date())
    if isinstance(cell, date):
        return Read(cell)
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if 1 <= cell < 80000:  # an Excel serial day number in a cell without a date format
            return Read(_EXCEL_EPOCH + timedelta(days=int(cell)))
        text = str(int(cell))
    else:
        text = squeeze(cell_text(cell))
    if re.fullmatch(r"[0-9]{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_TEXT.fullmatch(text) or _DATE_TEXT.match(text)
    if match:
        y, mo, d = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        try:
            return Read(date(y, mo, d))
        except ValueError:
            pass
    return Read(None, f"{label}不是日期：{cell_text(cell)}，未导入")


def read_sex(cell: object, label: str = "性别") -> Read:
    if is_empty(cell):
        return EMPTY
    text = squeeze(cell_text(cell))
    sex = {"男": "男", "男性": "男", "1": "男", "女": "女", "女性": "女", "2": "女"}.get(text)
    return Read(sex) if sex else Read(None, f"{label}应为“男”或“女”：{text}，已按原样保留", kept=text)


ABROAD = codes.WORK.code("国外务工")
UNDER_WATCH = codes.RISK_STATUS.code("风险未消除")
CLEARED = codes.RISK_STATUS.code("风险已消除")


def _flag(kind: str, cell: object, label: str) -> Read:
    """是/否 columns that mean a code: 是否国外务工, 危房户, 风险是否消除."""
    yes = read_bool(cell, label)
    if yes.value is None:
        return yes
    if kind == "abroad":
        return Read(ABROAD if yes.value else None)
    if kind == "danger":
        return Read(not yes.value)  # 危房户 是 → 住房不安全
    return Read(CLEARED if yes.value else UNDER_WATCH)


_READERS = {
    "text": lambda cell, label, codelist, limit: read_text(cell, label, limit),
    "name": lambda cell, label, codelist, limit: read_name(cell, label),
    "id": lambda cell, label, codelist, limit: read_id(cell, label),
    "phone": lambda cell, label, codelist, limit: read_phone(cell, label),
    "account": lambda cell, label, codelist, limit: read_account(cell, label),
    "code": lambda cell, label, codelist, limit: read_code(cell, codelist, label),
    "set": lambda cell, label, codelist, limit: read_set(cell, codelist, label),
    "bool": lambda cell, label, codelist, limit: read_bool(cell, label),
    "months": lambda cell, label, codelist, limit: read_int(cell, label),
    "int": lambda cell, label, codelist, limit: read_int(cell, label),
    "money": lambda cell, label, codelist, limit: read_money(cell, label),
    "year": lambda cell, label, codelist, limit: read_year(cell, label),
    "date": lambda cell, label, codelist, limit: read_date(cell, label),
    "sex": lambda cell, label, codelist, limit: read_sex(cell, label),
    "abroad": lambda cell, label, codelist, limit: _flag("abroad", cell, label),
    "danger": lambda cell, label, codelist, limit: _flag("danger", cell, label),
    "risk": lambda cell, label, codelist, limit: _flag("risk", cell, label),
}


def read_cell(kind: str, cell: object, label: str, codelist: codes.CodeList | None = None,
              limit: int = 100) -> Read:
    """Dispatch on the column kind of app/domain/national_columns.py."""
    reader = _READERS.get(kind)
    return reader(cell, label, codelist, limit) if reader else EMPTY
