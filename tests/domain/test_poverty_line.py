from decimal import Decimal

import pytest

from app.domain.errors import DomainError
from app.domain.poverty_line import (
    MONITORING_FACTOR,
    NATIONAL_DEFAULTS,
    PovertyLine,
    PovertyLineEntry,
    PovertyLineTable,
)

D = Decimal


def test_national_defaults():
    assert NATIONAL_DEFAULTS == {2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218,
                                 2020: 4000}
    assert all(isinstance(v, Decimal) for v in NATIONAL_DEFAULTS.values())
    table = PovertyLineTable()
    for year, amount in NATIONAL_DEFAULTS.items():
        line = table.line_for(year)
        assert (line.year, line.amount, line.scope, line.region_code) == (year, amount, "national", None)
    assert MONITORING_FACTOR == D("1.5")


def test_describe():
    line = PovertyLineTable().line_for(2020)
    assert line.describe() == "2020年国家扶贫标准 4000元"
    later = PovertyLineTable().line_for(2023)
    assert (later.year, later.requested_year, later.amount) == (2020, 2023, D("4000"))
    assert later.describe() == "2023年国家扶贫标准 4000元（沿用2020年标准）"
    assert PovertyLine(2019, D("3500.50"), "province", "45", 2019).describe() == "2019年省定扶贫标准 3500.50元"


def test_before_the_table():
    with pytest.raises(DomainError, match="2013年没有扶贫标准") as info:
        PovertyLineTable().line_for(2013)
    assert info.value.field == "扶贫标准"
    assert PovertyLineTable([(2013, 2736, "national", None)]).line_for(2013).amount == D("2736")


TABLE = PovertyLineTable([
    PovertyLineEntry(2019, D("3500"), "province", "45"),
    (2019, "3600", "county", "450881"),
    (2018, 3100, "county", "450881"),
    (2021, 4200, "province", "45"),
])


@pytest.mark.parametrize(
    ("year", "province", "county", "expected"),
    [
        (2019, None, None, (2019, D("3218"), "national", None)),
        (2019, "45", None, (2019, D("3500"), "province", "45")),
        (2019, "45", "450881", (2019, D("3600"), "county", "450881")),
        (2019, None, "450881", (2019, D("3600"), "county", "450881")),  # province follows from the county
        (2019, "450881104201", "450881104201", (2019, D("3600"), "county", "450881")),  # longer codes cut
        (2019, "45", "450802", (2019, D("3500"), "province", "45")),  # another county
        (2019, "52", None, (2019, D("3218"), "national", None)),  # another province
        (2018, "45", "450881", (2018, D("3100"), "county", "450881")),
        (2017, "45", "450881", (2017, D("2952"), "national", None)),
        (2020, "45", "450881", (2020, D("4000"), "national", None)),  # a newer national row wins
        (2022, "45", "450881", (2021, D("4200"), "province", "45")),
        (2022, "52", None, (2020, D("4000"), "national", None)),
    ],
)
def test_overrides(year, province, county, expected):
    line = TABLE.line_for(year, province_code=province, county_code=county)
    assert (line.year, line.amount, line.scope, line.region_code) == expected
    assert line.requested_year == year


def test_override_replaces_and_is_a_new_table():
    base = PovertyLineTable()
    raised = base.with_override(2020, "4500", "national")
    assert base.line_for(2020).amount == D("4000")
    assert raised.line_for(2020).amount == D("4500")
    county = raised.with_override(2020, 4600, "county", "450881")
    assert county.line_for(2020, county_code="450881").describe() == "2020年县定扶贫标准 4600元"
    assert len(county.entries()) == len(NATIONAL_DEFAULTS) + 1
    assert county.entries()[-1] == PovertyLineEntry(2020, D("4600.00"), "county", "450881")


@pytest.mark.parametrize(
    "entry",
    [(2020, 4000, "city", None), (2020, 0, "national", None), (2020, -1, "national", None),
     (2020, 4000, "province", None), (2020, 4000, "county", "45"), ("2020", 4000, "national", None),
     (2020, "abc", "national", None)],
)
def test_bad_entries(entry):
    with pytest.raises(DomainError):
        PovertyLineTable([entry])


def test_monitoring_threshold():
    assert PovertyLineTable().line_for(2020).monitoring_threshold() == D("6000.00")
    assert PovertyLineTable().line_for(2015).monitoring_threshold() == D("4282.50")
