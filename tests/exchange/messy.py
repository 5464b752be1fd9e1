"""Generated 花名册 files that reproduce real mess (domain.md §9)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from tests.factories import id_number

HEAD_ID = id_number(date(1968, 4, 2), "男", 31)
WIFE_ID = id_number(date(1970, 9, 9), "女", 32)
SON_ID = id_number(date(2013, 1, 5), "男", 33)
WUBAO_ID = id_number(date(1950, 12, 1), "男", 34)
BAD_CHECK = HEAD_ID[:17] + ("1" if HEAD_ID[17] != "1" else "2")
LOST_ID = id_number(date(1995, 6, 1), "女", 35)
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")

# Two header rows: parents merged over children, single headers merged down over both rows.
PARENTS = ["序号", "户编号", "自然村/组", "家庭成员信息", None, None, None, None, None, None, None,
           "帮扶责任人", None, "贫困户属性", "主要致贫原因", "户状态", "行政村"]
CHILDREN = [None, None, None, "姓名", "性别", "证件号码", "与户主关系", "民族", "在校生状况", "文化程度", "健康状况",
            "姓名", "联系电话", None, None, None, None]


def messy_rows(village: str = "长河村") -> list[list]:
    """(data rows) household A: 3 members; household B: 五保户 alone; C: destroyed ID with 户编号;
    a blank row, a subtotal row, a nameless row, an unknown village, a destroyed ID without 户编号."""
    return [
        [1, "HA-001", "第1组", "韦大山 ", "男", HEAD_ID.lower(), "户主", "壮", None, "初中", "健康", "王五", "13900000000",
         "一般贫困户", "因病致贫", "未脱贫", village],
        [2, None, None, "黄秀英", "女", f" {WIFE_ID[:6]} {WIFE_ID[6:]} ", "妻子", "壮族", None, "小学", "长期慢性病",
         None, None, None, None, None, None],
        [3, None, None, "韦小山", "男", SON_ID.translate(FULLWIDTH), "儿子", "壮族", None, None, "健康", None, None,
         None, None, None, None],  # a 13-year-old out of school: kept, `kace check` reports it
        [None] * 17,
        ["小计", None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None],
        [4, "HB-002", "2组", "莫老五", "男", WUBAO_ID, "本人", "汉族", None, "文盲", "残疾,健康", "王五", "13900000000",
         "五保户", "缺劳动力", "已脱贫", village],
        [5, "HC-003", "第一组", "覃小红", "女", 4.50881199001011E+17, "户主", "汉族", None, "高中", "健康", None, None,
         "一般贫困户", "缺技术", "未脱贫", village],
        [6, "HC-003", "第一组", "覃大红", "女", BAD_CHECK, "之母", "火星族", None, "小学", "健康", None, None,
         "一般贫困户", "缺技术", "未脱贫", village],
        [7, "HD-004", "第1组", None, "男", LOST_ID, "户主", "汉族", None, "初中", "健康", None, None,
         "一般贫困户", "因学", "未脱贫", village],
        [8, "HE-005", "第1组", "路人甲", "男", id_number(date(1980, 1, 1), "男", 36), "户主", "汉族", None, "初中",
         "健康", None, None, "一般贫困户", "因学", "未脱贫", "不存在村"],
        [9, None, "第1组", "覃无号", "女", "4.50881199001011E+17", "户主", "汉族", None, "初中", "健康", None, None,
         "一般贫困户", "因学", "未脱贫", village],
    ]


def write_messy(path: Path, village: str = "长河村") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["广西壮族自治区桂平市木乐镇长河村建档立卡贫困户花名册"])
    ws.merge_cells("A1:Q1")
    ws.append(["填报单位：长河村村民委员会", None, None, None, None, None, None, None, None, "填报日期：2026年11月"])
    ws.append(PARENTS)
    ws.append(CHILDREN)
    for col in ("A", "B", "C", "N", "O", "P", "Q"):
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("D3:K3")
    ws.merge_cells("L3:M3")
    for row in messy_rows(village):
        ws.append(row)
    # household A's 户编号, group and household columns merged down over its three rows
    for col in ("B", "C", "L", "M", "N", "O", "P", "Q"):
        ws.merge_cells(f"{col}5:{col}7")
    wb.save(path)
    return path


def write_rows(path: Path, header: list[str], rows: list[list], title: str | None = "花名册") -> Path:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path
