"""The civil-registry port: what the gateway asks of the central registration office (DOPA).

RULES.md R-9.1: the ID card check goes to the registry electronically and its answer is used
as given; the gateway never second-guesses a result code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol


class CardCheckCode(IntEnum):
    """DOPA `CheckCardByLaser` result codes (0, 2, 4, 5), plus the simulator's 6 and 7."""

    NORMAL = 0  # card valid, data match
    VOID_ADDRESS_CHANGE = 2  # card cancelled after a change of address
    MISMATCH = 4  # laser not found, or names / birth date do not match the ID
    INCOMPLETE = 5  # input incomplete or malformed
    EXPIRED = 6  # the simulator's own: card past its expiry date
    REVOKED = 7  # the simulator's own: card reported lost or revoked


@dataclass(frozen=True)
class CardQuery:
    national_id: str  # 13 digits
    first_name_th: str
    last_name_th: str
    birth_date_be: str  # YYYYMMDD, Buddhist Era, 00 for unknown parts
    laser_code: str  # 12 characters, no hyphens


@dataclass(frozen=True)
class CardCheck:
    code: CardCheckCode
    description_th: str
    description_en: str


@dataclass(frozen=True)
class PersonRecord:
    """What the registry holds about a person with an active card (used for prefill)."""

    national_id: str
    first_name_th: str
    last_name_th: str
    first_name_en: str
    last_name_en: str
    birth_date_be: str
    sex: str
    province_code: str | None
    address_th: str | None


class CivilRegistry(Protocol):
    async def check_card_by_laser(self, query: CardQuery) -> CardCheck: ...

    async def person(self, national_id: str) -> PersonRecord: ...

    async def face_reference(self, national_id: str) -> tuple[float, ...]:
        """The registry's reference face template for comparison on the gateway's side."""
        ...

    async def aclose(self) -> None:
        """Release connections (the gateway calls it at shutdown)."""
        ...
