"""The editor's data-quality hints: the domain's own rules (app/domain/quality/unsaved.py) run on a
form's values as typed. A hint is the rule's message, with its id and severity, under the rule's
field; it never blocks saving (the save itself refuses what may not be stored)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from app.domain.errors import DomainError
from app.domain.quality.engine import Finding
from app.domain.quality.unsaved import UNSAVED, check_unsaved
from app.ops.validation import clean
from app.ui.record_form import Form


def hint_text(f: Finding) -> str:
    return f"{f.message}（{f.rule} {f.severity}）"


def as_stored(table: str, values: dict, today: date) -> dict:
    """Each value as the save would store it (250 亩 as 250.00), so a hint words it as the check
    will; a value the save refuses stays as typed (its field shows why)."""
    out = dict(values)
    for name, value in values.items():
        try:
            out.update(clean(table, {name: value}, today))
        except (DomainError, KeyError):
            continue
    return out


class RuleHints:
    """A form's warning check: `context(values)` gives check_unsaved its keyword arguments (the form's
    record among them, its values as stored); the findings on that record, by field, are kept in
    `findings`."""

    def __init__(self, table: str, rule_ids: Iterable[str], context: Callable[[dict], dict],
                 today: Callable[[], date]):
        self.table = table
        self.rule_ids = tuple(rule_ids)
        self.context = context
        self.today = today
        self.findings: dict[str, list[Finding]] = {}

    def __call__(self, values: dict) -> dict[str, str]:
        found: dict[str, list[Finding]] = {}
        stored = as_stored(self.table, values, self.today())
        for f in check_unsaved(self.rule_ids, **self.context(stored)):
            if f.table == self.table and f.row_id == UNSAVED:
                found.setdefault(f.field, []).append(f)
        self.findings = found
        return {name: "；".join(hint_text(f) for f in fs) for name, fs in found.items()}


def add_rule_hints(form: Form, rule_ids: Iterable[str], context: Callable[[dict], dict]) -> RuleHints:
    """Show the given rules' hints on `form` (kept as form.rule_hints for whoever asks what is shown)."""
    hints = RuleHints(form.table, rule_ids, context, form.today)
    form.add_warning(hints)
    form.rule_hints = hints
    return hints
