"""Text normalisation shared by the domain parsers (ID numbers, codes, phones, money).

Real data arrives from Excel and keyboards with full-width digits and brackets, ideographic spaces
and stray blanks; every parser folds those the same way here.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def halfwidth(text: object) -> str:
    """Full-width letters, digits, brackets and spaces to their ASCII forms (NFKC), stripped."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip()


def squeeze(text: object) -> str:
    """halfwidth() with every inner blank removed too (for numbers and codes, never for prose)."""
    if type(text) is str and text.isascii() and text.isalnum():
        return text  # nothing to fold (stored codes and numbers): the common case, made cheap
    return _SPACES.sub("", halfwidth(text))
