"""Errors raised by the domain rules.

A DomainError carries the Chinese field label and a full Chinese message, so the UI can show it next
to the field and the data-quality report can print it as is. `rule` is the data-quality rule id of
domain.md §8 where the error is one of those checks.
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(ValueError):
    """A value that breaks a domain rule. `str(e)` is the message shown to the user."""

    def __init__(self, field: str, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.rule = rule

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r}, rule={self.rule!r})"


class ValidationErrors(DomainError):
    """Several DomainErrors at once (a form with more than one bad field)."""

    def __init__(self, errors: Iterable[DomainError]) -> None:
        self.errors: list[DomainError] = list(errors)
        fields = dict.fromkeys(e.field for e in self.errors)  # ordered, unique
        super().__init__("、".join(fields), "；".join(e.message for e in self.errors))

    @classmethod
    def raise_if_any(cls, errors: Iterable[DomainError]) -> None:
        """Raise the one error, or all of them together, or nothing."""
        errors = list(errors)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise cls(errors)
