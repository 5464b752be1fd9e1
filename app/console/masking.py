"""ID numbers and phone numbers in console lists: masked (domain/privacy), also inside free text."""

from __future__ import annotations

from app.domain.privacy import ID_IN_TEXT, mask_id, mask_phone

ID_FIELDS = {"id_number", "head_id_number", "id_number_reversed"}
PHONE_FIELDS = {"phone", "first_secretary_phone", "bank_account"}


def scrub(text: object) -> str:
    """Any ID-number-like run of digits in a free text, masked (lists never show a whole ID)."""
    return ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), str(text or ""))


def masked_value(field: str, text: str) -> str:
    """A field's value as a list shows it: an ID number or phone masked, any other text scrubbed."""
    if text and field in ID_FIELDS:
        return mask_id(text)
    if text and field in PHONE_FIELDS:
        return mask_phone(text)
    return scrub(text)
