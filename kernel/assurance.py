"""Identity assurance levels of the Thai digital ID standard, lowest first.

Services declare the minimum they need (the catalog); logins reach a level (identity).
"""

from __future__ import annotations

from enum import StrEnum


class AssuranceLevel(StrEnum):
    """Identity assurance levels of the Thai digital ID standard, lowest first."""

    NONE = "none"  # reading public information needs no login
    IAL1_1 = "IAL1.1"
    IAL1_2 = "IAL1.2"
    IAL1_3 = "IAL1.3"
    IAL2_1 = "IAL2.1"
    IAL2_2 = "IAL2.2"
    IAL2_3 = "IAL2.3"
    IAL3 = "IAL3"

    @property
    def rank(self) -> int:
        return list(AssuranceLevel).index(self)


def rank(level: str | None) -> int:
    """Position of a level; an unknown or missing level counts as the lowest."""
    try:
        return AssuranceLevel(level).rank if level is not None else 0
    except ValueError:
        return 0
