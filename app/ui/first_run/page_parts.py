"""What the set-up wizard's pages share: their ids (the order they come in) and the labels of a
hint and of an inline message."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

LOCATION, MODE, REGIONS, ADMIN, SUMMARY = range(5)


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def message_label() -> QLabel:
    label = QLabel()
    label.setObjectName("saveReason")  # the red of inline messages (resources/kace.qss)
    label.setWordWrap(True)
    return label
