"""What the rules see: a member or a household with what several rules need computed once."""

from __future__ import annotations

from datetime import date

from app.domain import codes
from app.domain.errors import DomainError
from app.domain.idcard import IdInfo, age_at, info_warnings, parse_id
from app.domain.poverty_line import PovertyLine
from app.domain.quality.registry import Hit
from app.domain.records import (
    ConditionsRec,
    Dataset,
    HelperRec,
    HouseholdRec,
    IncomeRec,
    MemberRec,
    VillageRec,
    is_normal,
)


class MemberView:
    """A member with what several rules need computed once: age, parsed ID number."""

    __slots__ = ("_warnings", "age", "id_error", "info", "m", "normal")

    def __init__(self, m: MemberRec, today: date):
        self.m = m
        self.normal = is_normal(m)
        self.info: IdInfo | None = None
        self.id_error: DomainError | None = None
        if m.id_number:
            try:
                self.info = parse_id(m.id_number, today)
            except DomainError as e:
                self.id_error = e
        birth = m.birth_date or (self.info.birth_date if self.info else None)
        self.age = age_at(birth, today) if birth else None
        self._warnings = None

    def warnings(self, hv: HouseholdView) -> dict[str, DomainError]:
        """ID06–ID08 of the parsed number, by rule id (computed once)."""
        if self._warnings is None:
            village = hv.village
            found = info_warnings(self.info, sex=self.m.sex,
                                  province_code=village.code[:2] if village else None) if self.info else []
            self._warnings = {w.rule: w for w in found}
        return self._warnings

    @property
    def sex(self) -> str | None:
        """The recorded sex, or the one the ID number says."""
        return self.m.sex or (self.info.sex if self.info else None)

    def hit(self, field: str, value: object, message: str) -> Hit:
        return Hit("member", self.m.id, field, value, message)


_UNSET = object()


class HouseholdView:
    """One household and its records, for household and member rules. What several rules need is
    computed once, on first use (by hand: functools.cached_property takes a lock on every read)."""

    __slots__ = ("h", "ds", "members", "normal", "incomes", "_heads", "_helper", "_causes")

    def __init__(self, h: HouseholdRec, ds: Dataset):
        self.h = h
        self.ds = ds
        self.members = [MemberView(m, ds.today) for m in ds.members.get(h.id, ())]
        self.normal = [mv for mv in self.members if mv.normal]
        self.incomes: dict[int, IncomeRec] = ds.incomes.get(h.id, {})
        self._heads = self._helper = self._causes = _UNSET

    @property
    def village(self) -> VillageRec | None:
        return self.ds.villages.get(self.h.village_id)

    @property
    def heads(self) -> list[MemberView]:
        if self._heads is _UNSET:
            self._heads = [mv for mv in self.normal if mv.m.relation == HEAD]
        return self._heads

    @property
    def head(self) -> MemberView | None:
        heads = self.heads
        return heads[0] if heads else None

    @property
    def income(self) -> IncomeRec | None:
        """This year's income record."""
        return self.incomes.get(self.ds.year)

    @property
    def latest_income(self) -> IncomeRec | None:
        return self.incomes[max(self.incomes)] if self.incomes else None

    @property
    def conditions(self) -> ConditionsRec | None:
        return self.ds.conditions.get(self.h.id)

    @property
    def helper(self) -> HelperRec | None:
        if self._helper is _UNSET:
            self._helper = self.ds.current_helper(self.h.id)
        return self._helper

    def line(self, year: int) -> PovertyLine:
        return self.ds.line(self.h, year)

    @property
    def causes(self) -> set[str]:
        if self._causes is _UNSET:
            other = set(self.h.other_causes.split(",")) if self.h.other_causes else set()
            self._causes = other | ({self.h.main_cause} if self.h.main_cause else set())
        return self._causes

    def hit(self, field: str, value: object, message: str) -> Hit:
        return Hit("household", self.h.id, field, value, message)


HEAD = codes.RELATION.code("户主")
