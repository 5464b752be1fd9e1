"""Small builders of valid test data."""

from __future__ import annotations

from datetime import date

from app.domain.idcard import check_char


def id_number(birth: date, sex: str = "男", seq: int = 12, address: str = "450881") -> str:
    seq = seq * 2 + (1 if sex == "男" else 0)
    first17 = f"{address}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_char(first17)


def head(name: str = "张三丰", birth: date = date(1970, 3, 15), seq: int = 12) -> dict:
    return {"name": name, "id_number": id_number(birth, "男", seq), "relation": "户主",
            "ethnicity": "汉族", "education": "初中", "health": "健康", "labour": "普通劳动力",
            "medical_insured": True, "critical_insured": True}


def spouse(name: str = "李秀英", birth: date = date(1972, 8, 1), seq: int = 13) -> dict:
    return {"name": name, "id_number": id_number(birth, "女", seq), "relation": "配偶",
            "ethnicity": "汉族", "education": "小学", "health": "长期慢性病", "labour": "弱劳动力或半劳动力"}


def child(name: str = "张小明", birth: date = date(2012, 5, 20), seq: int = 14) -> dict:
    return {"name": name, "id_number": id_number(birth, "男", seq), "relation": "之子",
            "schooling": "八年级", "health": "健康", "labour": "无劳动力"}
