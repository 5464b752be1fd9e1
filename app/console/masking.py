"""ID numbers and phone numbers in console lists: masked (domain/privacy), also inside free text."""

from __future__ import annotations

import re

from app.domain.privacy import mask_id, mask_phone

ID_FIELDS = {"id_number", "head_id_number", "id_number_reversed"}
PHONE_FIELDS = {"phone", "first_secretary_phone", "bank_account"}
ID_LIKE = re.compile(r"(?<![0-9])[0-9]{14,17}[0-9Xx](?![0-9])")


def scrub(text: object) -> str:
    """Any ID-number-like run of digits in a free text, masked (lists never show a whole ID)."""
    return ID_LIKE.sub(lambda m: mask_id(m.group(0)), str(text or ""))


def masked_value(field: str, text: str) -> str:
    """A field's value as a list shows it: an ID number or phone masked, any other text scrubbed."""
    if text and field in ID_FIELDS:
        return mask_id(text)
    if text and field in PHONE_FIELDS:
        return mask_phone(text)
    return scrub(text)
