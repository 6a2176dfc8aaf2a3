"""The mock civil registry's people: a deterministic synthetic population plus named demo citizens.

`build_population(seed, size)` always yields the same people for the same seed and size; the
host builds it once from MOCK_DOPA_SEED (default 2565) and MOCK_DOPA_POPULATION (default 10,000)
through `default_population()`. The demo citizens (docs/demo-citizens.md) are part of every
population, with fixed data, whatever the seed.

Registry conventions kept here: birth dates are Buddhist Era strings YYYYMMDD (BE = CE + 543)
with "00" for an unknown day, "0000" for an unknown month and day; a card is valid for 8 years
and expires on the holder's birthday, and a card issued at 70 or older is valid for life. Card
status is the registry's record as of `AS_OF`: the mock does not age cards with the clock.

Each person's reference face template (a unit vector of 128 floats) is derived from (seed, ID)
on demand, so building the index stays fast and no template is stored.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import os
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from mock_agencies.dopa.data import (
    FEMALE_GIVEN_NAMES,
    MALE_GIVEN_NAMES,
    PROVINCES,
    PROVINCES_BY_ISO,
    SURNAMES,
    District,
    Name,
    Province,
    Subdistrict,
)

DEFAULT_SEED = 2565
DEFAULT_SIZE = 10_000
MAX_SIZE = 1_000_000
FACE_TEMPLATE_DIMENSIONS = 128
BE_OFFSET = 543

#: The day the registry's records describe: ages, titles and card states are as of this date.
AS_OF = date(2025, 10, 1)
CARD_VALID_YEARS = 8
LIFELONG_CARD_AGE = 70
FIRST_CARD_AGE = 7

Sex = Literal["M", "F"]


class CardStatus(StrEnum):
    ACTIVE = "active"
    VOID_ADDRESS_CHANGE = "void_address_change"
    EXPIRED = "expired"
    LOST_OR_REVOKED = "lost_or_revoked"


# --- identity numbers -----------------------------------------------------------------------


def national_id_check_digit(first12: str) -> str:
    """(11 − Σ dᵢ·(14−i) mod 11) mod 10 over the first 12 digits (RULES.md, Identity facts)."""
    total = sum(int(digit) * (13 - index) for index, digit in enumerate(first12))
    return str((11 - total % 11) % 10)


def is_valid_national_id(pid: str) -> bool:
    """13 ASCII digits, a first digit (the kind of registration) of 1–8, the right check digit."""
    return (
        len(pid) == 13
        and pid.isascii()
        and pid.isdigit()
        and pid[0] in "12345678"
        and national_id_check_digit(pid[:12]) == pid[12]
    )


def be_date(day: date) -> str:
    """A date as the registry writes it: YYYYMMDD in the Buddhist Era."""
    return f"{day.year + BE_OFFSET:04d}{day.month:02d}{day.day:02d}"


def ce_date(be: str) -> date | None:
    """The CE date of a complete BE string, or None when the day or month is unknown."""
    year, month, day = int(be[:4]) - BE_OFFSET, int(be[4:6]), int(be[6:8])
    return date(year, month, day) if month and day else None


# --- people ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    """A house-registration (ทะเบียนบ้าน) address."""

    house_no: str
    moo: int | None  # village number; Bangkok addresses have none
    subdistrict: Subdistrict
    district: District
    province: Province

    @property
    def postcode(self) -> str:
        return self.subdistrict.postcode

    @property
    def text_th(self) -> str:
        moo = f" หมู่ {self.moo}" if self.moo else ""
        if self.province.is_bangkok:
            area = f"แขวง{self.subdistrict.th} เขต{self.district.th} {self.province.th}"
        else:
            area = f"ตำบล{self.subdistrict.th} อำเภอ{self.district.th} จังหวัด{self.province.th}"
        return f"{self.house_no}{moo} {area} {self.postcode}"

    @property
    def text_en(self) -> str:
        moo = f" Moo {self.moo}" if self.moo else ""
        return (
            f"{self.house_no}{moo}, {self.subdistrict.en}, {self.district.en}, "
            f"{self.province.en} {self.postcode}"
        )


@dataclass(frozen=True, slots=True)
class Person:
    pid: str
    title_th: str
    title_en: str
    first_name: Name
    last_name: Name
    sex: Sex
    birth_date_be: str  # YYYYMMDD, BE; "00" for an unknown day or month
    laser: str  # 2 letters + 10 digits, no hyphens
    card_status: CardStatus
    card_issued_be: str
    card_expiry_be: str | None  # None: a lifelong card
    address: Address


def _title(sex: Sex, age: int, married: bool) -> tuple[str, str]:
    if age < 15:
        return ("เด็กชาย", "Master") if sex == "M" else ("เด็กหญิง", "Miss")
    if sex == "M":
        return "นาย", "Mr."
    return ("นาง", "Mrs.") if married else ("นางสาว", "Miss")


def _place(
    iso: str, district_en: str, subdistrict_en: str
) -> tuple[Province, District, Subdistrict]:
    province = PROVINCES_BY_ISO[iso]
    district = next(d for d in province.districts if d.en == district_en)
    subdistrict = next(s for s in district.subdistricts if s.en == subdistrict_en)
    return province, district, subdistrict


def _demo(
    pid: str,
    laser: str,
    title: tuple[str, str],
    first: tuple[str, str],
    last: tuple[str, str],
    sex: Sex,
    birth_be: str,
    status: CardStatus,
    issued_be: str,
    expiry_be: str | None,
    house_no: str,
    moo: int | None,
    place: tuple[str, str, str],
) -> Person:
    province, district, subdistrict = _place(*place)
    return Person(
        pid=pid,
        title_th=title[0],
        title_en=title[1],
        first_name=Name(*first),
        last_name=Name(*last),
        sex=sex,
        birth_date_be=birth_be,
        laser=laser,
        card_status=status,
        card_issued_be=issued_be,
        card_expiry_be=expiry_be,
        address=Address(house_no, moo, subdistrict, district, province),
    )


MR, MRS, MISS = ("นาย", "Mr."), ("นาง", "Mrs."), ("นางสาว", "Miss")

#: Named people to try, with fixed data: documented in docs/demo-citizens.md (a test keeps the
#: two in step). Laser codes read JT0-1234567-0N on the card, N the demo's number.
DEMO_CITIZENS: tuple[Person, ...] = (
    _demo("1100100001014", "JT0123456701", MR, ("สมชาย", "Somchai"), ("ใจดี", "Jaidee"), "M",
          "25300115", CardStatus.ACTIVE, "25650115", "25730115",
          "99/1", None, ("TH-10", "Pathum Wan", "Lumphini")),
    _demo("3500100002021", "JT0123456702", MR, ("บุญมี", "Boonmee"), ("มีสุข", "Meesuk"), "M",
          "24940412", CardStatus.ACTIVE, "25660520", None,
          "45", 3, ("TH-50", "Hang Dong", "Hang Dong")),
    _demo("3400100003037", "JT0123456703", MISS, ("มาลี", "Malee"), ("ศรีสุข", "Srisuk"), "F",
          "25200800", CardStatus.ACTIVE, "25660301", "25740301",
          "12", 5, ("TH-40", "Mueang Khon Kaen", "Sila")),
    _demo("1200100004047", "JT0123456704", MR, ("ประเสริฐ", "Prasert"),
          ("แสงทอง", "Saengthong"), "M",
          "25270922", CardStatus.VOID_ADDRESS_CHANGE, "25640922", "25720922",
          "88/12", 2, ("TH-20", "Si Racha", "Surasak")),
    _demo("1900100005055", "JT0123456705", MISS, ("สุดา", "Suda"), ("ทองคำ", "Thongkham"), "F",
          "25351130", CardStatus.EXPIRED, "25591130", "25671130",
          "7/3", 1, ("TH-90", "Hat Yai", "Kho Hong")),
    _demo("1300100006065", "JT0123456706", MR, ("วิชัย", "Wichai"), ("รักไทย", "Rakthai"), "M",
          "25280704", CardStatus.LOST_OR_REVOKED, "25630704", "25710704",
          "150", 8, ("TH-30", "Pak Chong", "Pak Chong")),
    _demo("3340100007076", "JT0123456707", MRS, ("ทองใบ", "Thongbai"), ("บุญมา", "Boonma"), "F",
          "24900000", CardStatus.ACTIVE, "25650610", None,
          "23", 6, ("TH-34", "Warin Chamrap", "That")),
    _demo("1120100008086", "JT0123456708", MISS, ("ณัฐธิดา", "Natthida"),
          ("วงศ์สวัสดิ์", "Wongsawat"), "F",
          "25470620", CardStatus.ACTIVE, "25660620", "25740620",
          "59/144", 4, ("TH-12", "Pak Kret", "Bang Talat")),
)  # fmt: skip


# --- nationality ----------------------------------------------------------------------------

#: Nationalities of the non-Thai residents the registry lists (ID first digit 6, 7 or 8).
FOREIGN_NATIONALITIES = ("MM", "LA", "KH", "CN", "IN", "JP", "GB", "US")


def nationality(person: Person) -> str:
    """ISO 3166-1 alpha-2 nationality, from the kind of registration the ID's first digit
    records: 1-5 are Thai nationals; 6 and 7 (a child of 6 born in Thailand) are foreigners
    (mostly from the neighbouring countries); 8 are foreigners with residence and the
    naturalised, of whom a stable third are Thai. The demo citizens are all Thai."""
    kind = person.pid[0]
    draw = int.from_bytes(hashlib.sha256(f"nationality|{person.pid}".encode()).digest()[:4], "big")
    if kind in "12345" or (kind == "8" and draw % 3 == 0):
        return "TH"
    if kind in "67":
        return FOREIGN_NATIONALITIES[draw % 3]
    return FOREIGN_NATIONALITIES[draw % len(FOREIGN_NATIONALITIES)]


# --- the population -------------------------------------------------------------------------


class Population:
    """Every registered person, indexed by national ID."""

    def __init__(self, seed: int, persons: tuple[Person, ...]) -> None:
        self.seed = seed
        self.persons = persons
        self._by_pid = {person.pid: person for person in persons}
        if len(self._by_pid) != len(persons):
            raise ValueError("national IDs must be unique")
        self.by_status: Mapping[CardStatus, tuple[Person, ...]] = {
            status: tuple(p for p in persons if p.card_status is status) for status in CardStatus
        }

    def __len__(self) -> int:
        return len(self.persons)

    def __iter__(self) -> Iterator[Person]:
        return iter(self.persons)

    def __contains__(self, pid: object) -> bool:
        return pid in self._by_pid

    def get(self, pid: str) -> Person | None:
        return self._by_pid.get(pid)

    def face_template(self, pid: str) -> list[float]:
        """The registry's reference face template: a unit vector derived from (seed, ID)."""
        digest = hashlib.sha256(f"mock-dopa-face|{self.seed}|{pid}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:16], "big"))  # noqa: S311 - simulation
        vector = [rng.gauss(0.0, 1.0) for _ in range(FACE_TEMPLATE_DIMENSIONS)]
        norm = math.sqrt(math.fsum(x * x for x in vector))
        return [x / norm for x in vector]


# Ages of card holders (7 and over), weighted roughly like Thailand's age pyramid.
_AGES = list(range(FIRST_CARD_AGE, 101))
_AGE_WEIGHTS = [
    0.8 if age < 20 else 1.0 if age < 60 else 0.9 if age < 70 else 0.5 if age < 80 else
    0.2 if age < 90 else 0.04
    for age in _AGES
]  # fmt: skip
_AGE_CUMULATIVE = list(itertools.accumulate(_AGE_WEIGHTS))
_PROVINCE_CUMULATIVE = list(itertools.accumulate(province.weight for province in PROVINCES))
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _on_birthday(year: int, birth: date) -> date:
    """`birth`'s month and day in `year` (29 Feb falls on 28 Feb in a common year)."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _type_digit(rng: random.Random, birth_year: int) -> str:
    """The ID's first digit: 1/2 for those born from 1984 on, 3/4 for earlier residents; a few
    of the other registered kinds (5, 7, 8). Never 0 or 9 here."""
    roll = rng.random()
    if birth_year >= 1984:
        return "1" if roll < 0.95 else "2" if roll < 0.985 else "5" if roll < 0.993 else "7"
    return "3" if roll < 0.94 else "4" if roll < 0.97 else "5" if roll < 0.985 else "8"


def _card_dates(
    rng: random.Random, birth: date, birthday_known: bool, status: CardStatus
) -> tuple[CardStatus, date, date | None]:
    """Issue and expiry of the current card. An expired card was issued 9–11 years ago; any other
    within the last 8, so its expiry is after AS_OF. Status falls back to active when the person
    could not hold an expired card (too young for one, or a lifelong card)."""
    first_possible = _on_birthday(birth.year + FIRST_CARD_AGE, birth)
    back = rng.randint(9, 11) if status is CardStatus.EXPIRED else rng.randint(0, 7)
    issued = date(AS_OF.year - back, 1, 1) + timedelta(days=rng.randrange(365))
    issued = min(max(issued, first_possible), AS_OF)
    if _years_between(birth, issued) >= LIFELONG_CARD_AGE:
        expiry = None
    else:
        anchor = birth if birthday_known else issued
        expiry = _on_birthday(issued.year + CARD_VALID_YEARS, anchor)
    if status is CardStatus.EXPIRED and (expiry is None or expiry >= AS_OF):
        return _card_dates(rng, birth, birthday_known, CardStatus.ACTIVE)
    return status, issued, expiry


def _status(rng: random.Random) -> CardStatus:
    roll = rng.random()  # about 90% active; the rest void, expired, lost/revoked
    if roll < 0.90:
        return CardStatus.ACTIVE
    if roll < 0.94:
        return CardStatus.VOID_ADDRESS_CHANGE
    if roll < 0.975:
        return CardStatus.EXPIRED
    return CardStatus.LOST_OR_REVOKED


def _generate(rng: random.Random, pids: set[str], lasers: set[str]) -> Person:
    age = rng.choices(_AGES, cum_weights=_AGE_CUMULATIVE)[0]
    birth = AS_OF - timedelta(days=int((age + rng.random()) * 365.2425))
    # Older people more often have no recorded birth day or month (late registration).
    unknown_day, unknown_month = (0.09, 0.025) if age >= 60 else (0.03, 0.004)
    roll = rng.random()
    if roll < unknown_month:
        birth_be = f"{birth.year + BE_OFFSET:04d}0000"
    elif roll < unknown_day:
        birth_be = be_date(birth)[:6] + "00"
    else:
        birth_be = be_date(birth)

    sex: Sex = "M" if rng.random() < 0.49 else "F"
    given = rng.choice(MALE_GIVEN_NAMES if sex == "M" else FEMALE_GIVEN_NAMES)
    title = _title(sex, age, married=age >= 25 and rng.random() < 0.65)

    province = rng.choices(PROVINCES, cum_weights=_PROVINCE_CUMULATIVE)[0]
    district = rng.choice(province.districts)
    subdistrict = rng.choice(district.subdistricts)
    house_no = (
        str(rng.randint(1, 399))
        if rng.random() < 0.6
        else f"{rng.randint(1, 199)}/{rng.randint(1, 250)}"
    )
    moo = None if province.is_bangkok else rng.randint(1, 15)

    # Digits 2–5: the registration office (province + district) where the ID was first given.
    office = (
        province
        if rng.random() < 0.75
        else rng.choices(PROVINCES, cum_weights=_PROVINCE_CUMULATIVE)[0]
    )
    office_district = rng.randint(1, len(office.districts))
    while True:
        first12 = (
            f"{_type_digit(rng, birth.year)}{office.code}{office_district:02d}"
            f"{rng.randrange(10**7):07d}"
        )
        pid = first12 + national_id_check_digit(first12)
        if pid not in pids:
            pids.add(pid)
            break
    while True:
        third = rng.choices("0123", (6, 2, 1, 1))[0]  # mostly 0: hence the OCR O/0 slip
        laser = f"{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}{third}{rng.randrange(10**9):09d}"
        if laser not in lasers:
            lasers.add(laser)
            break

    status, issued, expiry = _card_dates(rng, birth, birth_be[6:] != "00", _status(rng))
    return Person(
        pid=pid,
        title_th=title[0],
        title_en=title[1],
        first_name=given,
        last_name=rng.choice(SURNAMES),
        sex=sex,
        birth_date_be=birth_be,
        laser=laser,
        card_status=status,
        card_issued_be=be_date(issued),
        card_expiry_be=be_date(expiry) if expiry else None,
        address=Address(house_no, moo, subdistrict, district, province),
    )


def build_population(seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE) -> Population:
    """`size` people in all: the demo citizens first, then generated ones, the same every time
    for the same seed and size."""
    if not len(DEMO_CITIZENS) <= size <= MAX_SIZE:
        raise ValueError(f"population size must be {len(DEMO_CITIZENS)}..{MAX_SIZE}, got {size}")
    rng = random.Random(f"mock-dopa-population|{seed}")  # noqa: S311 - simulation
    pids = {person.pid for person in DEMO_CITIZENS}
    lasers = {person.laser for person in DEMO_CITIZENS}
    generated = tuple(_generate(rng, pids, lasers) for _ in range(size - len(DEMO_CITIZENS)))
    return Population(seed, DEMO_CITIZENS + generated)


def population_settings(environ: Mapping[str, str] = os.environ) -> tuple[int, int]:
    """(seed, size) from MOCK_DOPA_SEED and MOCK_DOPA_POPULATION."""
    try:
        seed = int(environ.get("MOCK_DOPA_SEED", DEFAULT_SEED))
        size = int(environ.get("MOCK_DOPA_POPULATION", DEFAULT_SIZE))
    except ValueError as error:
        raise ValueError(
            f"MOCK_DOPA_SEED and MOCK_DOPA_POPULATION must be integers: {error}"
        ) from None
    return seed, size


@functools.lru_cache(maxsize=4)
def _cached_population(seed: int, size: int) -> Population:
    return build_population(seed, size)


def default_population() -> Population:
    """The population the host serves, built once per process for the configured seed and size."""
    return _cached_population(*population_settings())
