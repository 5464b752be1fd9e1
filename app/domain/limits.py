"""Field ranges and policy limits, in one place: what a stored value may be (app/ops/validation refuses
anything else), the input widgets' bounds (app/ui/field_choice.py) and the thresholds of the data-quality rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

# Checked by app/domain/contact (validate_name, validate_phone) when stored.
NAME_FIELDS = {("member", "name"), ("helper", "name")}
PHONE_FIELDS = {("household", "phone"), ("member", "phone"), ("helper", "phone"),
                ("region", "first_secretary_phone")}
NON_NEGATIVE_FIELDS = {"work_months", "public_post_months", "household_size", "term_months",
                       "agri_population", "total_households"}
YEAR_FIELDS = {"identified_year", "planned_exit_year", "exit_year", "year", "disability_year"}
MONTH_FIELDS = {"work_months", "public_post_months"}
FIRST_YEAR = 1950
YEARS_AHEAD = 10  # planned years may lie this far ahead
MAX_MONTHS = 12
# Dates that may lie in the future (a plan's start and end); any other *_date / *_on may not.
FUTURE_DATE_FIELDS = {"end_date", "start_date"}


def year_range(today: date) -> tuple[int, int]:
    """The years a year field accepts."""
    return FIRST_YEAR, today.year + YEARS_AHEAD


def in_future(on: date, today: date) -> bool:
    """A date after today (走访日期, 减少日期...): refused when stored, VS02 in the data check."""
    return on > today


# 扶贫小额信贷: 5 万元以下, 3 年以内 (domain.md §3.6); beyond that is allowed but worth a look (MS03).
LOAN_MAX_AMOUNT = Decimal(50000)
LOAN_MAX_MONTHS = 36
# Plausible areas (CO03, CO04).
MAX_ARABLE_MU = Decimal(200)
MAX_AREA_PER_PERSON = Decimal(200)
