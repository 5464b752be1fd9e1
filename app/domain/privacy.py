"""Masking for anything printed for posting or shown in lists (domain.md §4)."""

from __future__ import annotations

import re

from app.domain.text import squeeze

# An ID number inside free text (a note, a log line): the 18-character form and the old 15-digit
# one, and lengths between, so a mistyped number is hidden too. Letters may touch it.
ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{14,17}[0-9Xx](?![0-9])")


def _mask(text: str, head: int, tail: int) -> str:
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail:]


def mask_id(number: object) -> str:
    """450881********123X: first 6 and last 4 of an 18-character number.

    Other lengths keep the same shape; short texts show at most a quarter at each end, so no more
    than 10 characters are ever revealed.
    """
    text = squeeze(number)
    if len(text) > 10:
        return _mask(text, 6, 4)
    return _mask(text, len(text) // 4, len(text) // 4)


def mask_phone(phone: object) -> str:
    """138****5678: first 3 and last 4 of a mobile number; at least four digits always hidden."""
    text = squeeze(phone)
    if len(text) >= 11:
        return _mask(text, 3, 4)
    return _mask(text, 0, min(4, len(text) // 2))
