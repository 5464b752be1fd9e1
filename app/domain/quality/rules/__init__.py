"""The rules of domain.md §8, one module per family (registry.FAMILIES). Importing this package
registers every rule in registry.RULES; each message names the field and the value in Chinese."""

from app.domain.quality.rules import (  # noqa: F401 - each module registers its family's rules
    assistance,
    conditions,
    exited,
    household,
    identity,
    income,
    members,
    unmapped,
    villages,
    visits,
)
