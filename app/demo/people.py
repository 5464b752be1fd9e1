"""Demo people: names with realistic surname frequencies (Faker's zh_CN lists, the only place Kace
uses Faker) and ID numbers valid for the county and unique within it."""

from __future__ import annotations

import random
from datetime import date

from faker.providers.person.zh_CN import Provider as ZhNames

from app.domain.idcard import check_char


class People:
    """Names with realistic surname frequencies, ID numbers unique within the county."""

    def __init__(self, rng: random.Random, address: str):
        self.rng = rng
        self.address = address
        self.surnames = list(ZhNames.last_names.keys())
        self.weights = list(ZhNames.last_names.values())
        self.male = ZhNames.first_names_male
        self.female = ZhNames.first_names_female
        self.used: set[str] = set()

    def surname(self) -> str:
        return self.rng.choices(self.surnames, self.weights)[0]

    def given(self, sex: str) -> str:
        pool = self.male if sex == "男" else self.female
        name = self.rng.choice(pool)
        if len(name) == 1 and self.rng.random() < 0.6:
            name = self.rng.choice("建国志明德秀桂春海小丽玉金永" if sex == "男" else "秀桂春小丽玉金美翠凤") + name
        return name

    def id_number(self, birth: date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)
            first17 = f"{self.address}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            if number not in self.used:
                self.used.add(number)
                return number
