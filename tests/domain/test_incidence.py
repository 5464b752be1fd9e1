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
