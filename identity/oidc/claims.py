"""Who logged in, as the verification flow hands it over, and the claims released about them.

`Subject.sub` is an opaque random identifier the caller owns the mapping of; it is never the
national ID. Names come in Thai (`given_name`, `family_name`, `name`) and English, as OIDC
language-tagged claims (`given_name#en`, `family_name#en`, `name#en`, OIDC Core §5.2). The
birth date is ISO 8601, partial when the registry does not know the day or month ("1987-03",
"1987"), as a Thai Buddhist-Era date with 00 for the unknown parts maps to it.

The personal claims are sealed (AES-GCM) before they are stored, bound to their token family.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from identity.oidc.scopes import BIRTHDATE, PROFILE
from kernel.buddhist_era import split_be_date

_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_SUB = re.compile(r"^[\x21-\x7e]{8,255}$")
_NATIONAL_ID_LIKE = re.compile(r"^\d{13}$")
_AMR = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_MAX_NAME = 100

NAME_CLAIMS = (
    "given_name",
    "family_name",
    "name",
    "given_name#en",
    "family_name#en",
    "name#en",
)


def birthdate_from_be(be_date: str) -> str:
    """A Buddhist-Era YYYYMMDD (00 for an unknown day or month) as an ISO date, partial where
    unknown: "25300315" -> "1987-03-15", "25300300" -> "1987-03", "25300000" -> "1987"."""
    iso_year, month, day = split_be_date(be_date)
    if iso_year <= 0:
        raise ValueError("the year is unknown")
    if month == 0:
        if day != 0:
            raise ValueError("a day without a month")
        return f"{iso_year:04d}"
    if day == 0:
        dt.date(iso_year, month, 1)  # the month must exist
        return f"{iso_year:04d}-{month:02d}"
    return dt.date(iso_year, month, day).isoformat()


def _check_birthdate(value: str) -> None:
    match = _ISO_PARTIAL.match(value)
    if match is None:
        raise ValueError("birthdate is YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    dt.date(int(year), int(month or 1), int(day or 1))  # ValueError for a date that is not


@dataclass(frozen=True)
class Subject:
    """The citizen who just proved who they are, as the verification flow reports it.

    sub        opaque, random, 8 to 255 printable characters; never the national ID
    acr        the assurance level reached, e.g. "IAL2.3" (card + face + liveness)
    amr        how, e.g. ("card", "face", "liveness")
    auth_time  when the proof was completed (aware datetime)
    names      Thai (`given_name`, `family_name`) and English; optional
    birthdate  ISO 8601, partial when unknown parts ("1987-03", "1987"); see birthdate_from_be
    """

    sub: str
    acr: str
    amr: tuple[str, ...]
    auth_time: dt.datetime
    given_name: str | None = None
    family_name: str | None = None
    given_name_en: str | None = None
    family_name_en: str | None = None
    birthdate: str | None = None

    def __post_init__(self) -> None:
        if not _SUB.match(self.sub):
            raise ValueError("sub is 8 to 255 printable ASCII characters")
        if _NATIONAL_ID_LIKE.match(self.sub):
            raise ValueError("sub must be an opaque identifier, never a national ID")
        if not self.amr or not all(_AMR.match(m) for m in self.amr):
            raise ValueError("amr lists at least one method, e.g. ('card', 'face', 'liveness')")
        if self.auth_time.tzinfo is None:
            raise ValueError("auth_time must carry a timezone")
        for name in ("given_name", "family_name", "given_name_en", "family_name_en"):
            value = getattr(self, name)
            if value is not None and not 0 < len(value) <= _MAX_NAME:
                raise ValueError(f"{name} has 1 to {_MAX_NAME} characters")
        if self.birthdate is not None:
            _check_birthdate(self.birthdate)

    def person_claims(self) -> dict[str, str]:
        """Every personal claim known about the subject (released later according to scope)."""
        claims: dict[str, str] = {}
        for suffix, given, family in (
            ("", self.given_name, self.family_name),
            ("#en", self.given_name_en, self.family_name_en),
        ):
            if given:
                claims[f"given_name{suffix}"] = given
            if family:
                claims[f"family_name{suffix}"] = family
            full = " ".join(part for part in (given, family) if part)
            if full:
                claims[f"name{suffix}"] = full
        if self.birthdate:
            claims[BIRTHDATE] = self.birthdate
        return claims


def released_claims(person: Mapping[str, str], scopes: Iterable[str]) -> dict[str, str]:
    """The personal claims a token with these scopes may carry: the names with `profile`, the
    birth date with `birthdate`, nothing otherwise."""
    granted = set(scopes)
    released: dict[str, str] = {}
    for key, value in person.items():
        if (key == BIRTHDATE and BIRTHDATE in granted) or (
            key in NAME_CLAIMS and PROFILE in granted
        ):
            released[key] = value
    return released


_NONCE_BYTES = 12


class ClaimsSealer:
    """AES-256-GCM over the personal claims, bound to the token family that owns them."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @staticmethod
    def _context(family_id: str) -> bytes:
        return f"oidc-claims:{family_id}".encode()

    def seal(self, claims: Mapping[str, str], family_id: str) -> bytes | None:
        if not claims:
            return None
        nonce = os.urandom(_NONCE_BYTES)
        plain = json.dumps(dict(claims), ensure_ascii=False, sort_keys=True).encode()
        return nonce + self._aead.encrypt(nonce, plain, self._context(family_id))

    def unseal(self, sealed: bytes | None, family_id: str) -> dict[str, str]:
        if not sealed:
            return {}
        try:
            plain = self._aead.decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], self._context(family_id)
            )
        except InvalidTag:
            # Another family's claims copied here, or a changed claims key: release nothing.
            return {}
        value = json.loads(plain)
        return {str(k): str(v) for k, v in value.items()}
