"""The rules on records as typed (app/domain/quality/unsaved.py, the editor's hints) give the findings
the data check gives on the same records stored."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from app.domain import quality
from app.domain.quality.unsaved import UNSAVED, check_unsaved
from tests.quality.builders import clean_dataset
from tests.quality.test_rules import CASES

# The rules the household editor and the visit dialog hint, by the record they judge.
ON_ONE_RECORD = ("EX05", "HH08", "HH18", "MB01", "MB03", "MB07", "MB11", "MB12", "MB13", "CO01", "CO02",
                 "CO03", "IN04", "MS03", "VS02")


def _key(f):
    return f.rule, f.severity, f.table, f.field, f.value, f.message


@pytest.mark.parametrize("rule_id", ON_ONE_RECORD)
def test_a_rule_on_unsaved_values_gives_the_checks_finding(rule_id):
    ds = clean_dataset()
    CASES[rule_id](ds)
    stored = [f for f in quality.run(ds, [rule_id]) if f.household_code == ds.households[0].code]
    assert stored, f"{rule_id} did not trip"
    h = ds.households[0]
    unsaved = []
    for year, income in sorted(ds.incomes[h.id].items()):  # a form shows one year at a time
        unsaved += check_unsaved(
            [rule_id], ds.today, household=asdict(h), members=[asdict(m) for m in ds.members[h.id]],
            conditions=asdict(ds.conditions[h.id]), income=asdict(income),
            loans=[asdict(x) for x in ds.loans[h.id]], visits=[asdict(v) for v in ds.visits[h.id]],
            village_code=ds.villages[h.village_id].code, lines=ds.lines)
    assert {_key(f) for f in unsaved} == {_key(f) for f in stored}


def test_a_form_record_without_an_id_is_the_unsaved_one():
    (f,) = check_unsaved(["MB13"], clean_dataset().today,
                         members=[{"name": "李四", "medical_insured": True, "employee_medical": True}])
    assert (f.row_id, f.field, f.severity) == (UNSAVED, "employee_medical", quality.WARNING)
    assert f.message == "李四同时参加了城乡居民基本医疗保险和城镇职工基本医疗保险"


def test_dataset_rules_are_not_judged_on_one_record():
    with pytest.raises(ValueError):
        check_unsaved(["ID09"], clean_dataset().today)
