from decimal import Decimal

import pytest

from app.domain.errors import DomainError
from app.domain.incidence import poverty_incidence, village_rate_ok, village_threshold


def test_incidence():
    assert poverty_incidence(23, 1000) == Decimal("2.30")
    assert poverty_incidence(0, 1000) == Decimal("0.00")
    assert poverty_incidence(1, 3) == Decimal("33.33")
    assert poverty_incidence(2, 3) == Decimal("66.67")
    assert poverty_incidence(1, 800) == Decimal("0.13")  # 0.125 rounds half up


@pytest.mark.parametrize("agri", [0, -5])
def test_no_agricultural_population(agri):
    with pytest.raises(DomainError) as info:
        poverty_incidence(1, agri)
    assert info.value.field == "农业户籍人口"


def test_negative_poor():
    with pytest.raises(DomainError):
        poverty_incidence(-1, 100)


def test_thresholds():
    assert village_threshold(False) == Decimal("2")
    assert village_threshold(True) == Decimal("3")
    assert village_rate_ok(Decimal("2.00"), western=False)
    assert not village_rate_ok(Decimal("2.01"), western=False)
    assert village_rate_ok(Decimal("3.00"), western=True)
    assert not village_rate_ok(Decimal("3.01"), western=True)


def test_the_rate_is_compared_unrounded():
    from app.domain.incidence import incidence_text, incidence_within

    # 3004 poor of 100 000: 3.004% shows as 3.00% when rounded, but it is above 3%
    assert poverty_incidence(3004, 100000) == Decimal("3.00")
    assert not incidence_within(3004, 100000, western=True)
    assert incidence_within(3000, 100000, western=True)
    assert not incidence_within(2001, 100000, western=False) and incidence_within(2000, 100000, western=False)
    assert incidence_text(3004, 100000) == "3.004%" and incidence_text(23, 1000) == "2.30%"
