"""House registrations (ทะเบียนบ้าน): who lives in each registered person's house, as the
registry lists them (house number, address, householder, members with their relation to the
householder and, as the registration form ท.ร.14 has them, their parents' names).

A household is drawn when it is asked for, from (seed, the person's ID): the same every time,
and building the population stays as fast as before. The other members are part of the draw,
not of the population index (children under 7 hold no card, so the card population has none
of them); their IDs are only ever shown masked. The named demo citizens 1, 2 and 8 live in
the fixed households docs/demo-citizens.md describes; the other demo citizens' are drawn.

Ages are as of the registry's `AS_OF` day, like the rest of its records.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import timedelta

from mock_agencies.dopa.data import FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, Name
from mock_agencies.dopa.population import (
    AS_OF,
    BE_OFFSET,
    DEMO_CITIZENS,
    Address,
    Person,
    Sex,
    be_date,
    national_id_check_digit,
)

MR, MRS, MISS, GIRL = ("นาย", "Mr."), ("นาง", "Mrs."), ("นางสาว", "Miss"), ("เด็กหญิง", "Miss")

#: Relation to the householder: code → (Thai, English).
RELATIONS = {
    "householder": ("เจ้าบ้าน", "householder"),
    "spouse": ("คู่สมรส", "spouse"),
    "child": ("บุตร", "child"),
    "father": ("บิดา", "father"),
    "mother": ("มารดา", "mother"),
    "grandchild": ("หลาน", "grandchild"),
    "resident": ("ผู้อาศัย", "resident"),
}


@dataclass(frozen=True, slots=True)
class Member:
    pid: str  # shown in full only to the person it is
    title: tuple[str, str]
    first_name: Name
    last_name: Name
    sex: Sex
    birth_date_be: str
    relation: str  # a key of RELATIONS
    father: Name | None  # full names, as the registration lists the parents
    mother: Name | None


@dataclass(frozen=True, slots=True)
class Household:
    house_id: str  # รหัสประจำบ้าน, 11 digits
    address: Address
    members: tuple[Member, ...]  # the householder first

    @property
    def householder(self) -> Member:
        return self.members[0]


def masked(pid: str) -> str:
    """Another member's ID as the registry discloses it: only the last three digits."""
    return f"x-xxxx-xxxxx-{pid[-3:-1]}-{pid[-1:]}"


def _title(sex: Sex, age: int, married: bool) -> tuple[str, str]:
    if age < 15:
        return ("เด็กชาย", "Master") if sex == "M" else ("เด็กหญิง", "Miss")
    if sex == "M":
        return "นาย", "Mr."
    return ("นาง", "Mrs.") if married else ("นางสาว", "Miss")


def _age(birth_be: str) -> int:
    year, month, day = (
        int(birth_be[:4]) - BE_OFFSET,
        int(birth_be[4:6]) or 1,
        int(birth_be[6:]) or 1,
    )
    return AS_OF.year - year - ((AS_OF.month, AS_OF.day) < (month, day))


def _pid(rng: random.Random, address: Address, birth_be: str) -> str:
    kind = "1" if int(birth_be[:4]) - BE_OFFSET >= 1984 else "3"
    first12 = f"{kind}{address.province.code}01{rng.randrange(10**7):07d}"
    return first12 + national_id_check_digit(first12)


def _self(person: Person, relation: str, father: Name | None, mother: Name | None) -> Member:
    return Member(
        person.pid,
        (person.title_th, person.title_en),
        person.first_name,
        person.last_name,
        person.sex,
        person.birth_date_be,
        relation,
        father,
        mother,
    )


class _Draw:
    """The members of one drawn household."""

    def __init__(self, rng: random.Random, person: Person) -> None:
        self.rng = rng
        self.person = person

    def member(
        self,
        sex: Sex,
        age: int,
        last_name: Name,
        relation: str,
        *,
        married: bool = False,
        father: Name | None = None,
        mother: Name | None = None,
        first_name: Name | None = None,
        birth_be: str | None = None,
    ) -> Member:
        if birth_be is None:
            birth = AS_OF - timedelta(days=int((max(age, 0) + self.rng.random()) * 365.2425))
            birth_be = be_date(birth)
        given = first_name
        while given is None or given == self.person.first_name:
            # Never the person's own given name: with the family's surname, the registration
            # would name someone else as the person (and their parent) by the same full name.
            given = self.rng.choice(MALE_GIVEN_NAMES if sex == "M" else FEMALE_GIVEN_NAMES)
        return Member(
            _pid(self.rng, self.person.address, birth_be),
            _title(sex, _age(birth_be), married),
            given,
            last_name,
            sex,
            birth_be,
            relation,
            father,
            mother,
        )


def _with_parents(draw: _Draw, age: int) -> list[Member]:
    """A young person in their parents' house: the father (or else the mother) is householder."""
    rng, person = draw.rng, draw.person
    if rng.random() < 0.85:
        father = draw.member("M", age + rng.randint(24, 36), person.last_name, "householder")
        mother = draw.member(
            "F", age + rng.randint(21, 33), person.last_name, "spouse", married=True
        )
        parents, dad = [father, mother], _full(father)
    else:  # the mother alone is the householder
        mother = draw.member("F", age + rng.randint(21, 33), person.last_name, "householder")
        parents, dad = [mother], None
    mum = _full(mother)
    members = [*parents, _self(person, "child", dad, mum)]
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        sibling_age = max(0, age + rng.choice((-1, 1)) * rng.randint(2, 8))
        sex: Sex = "M" if rng.random() < 0.5 else "F"
        members.append(
            draw.member(sex, sibling_age, person.last_name, "child", father=dad, mother=mum)
        )
    return members


def _own_house(draw: _Draw, age: int) -> list[Member]:
    """An adult's own house: a spouse, perhaps, and their children (young or grown)."""
    rng, person = draw.rng, draw.person
    married = person.title_en == "Mrs." or rng.random() < 0.6
    spouse = None
    if married:
        spouse_sex: Sex = "F" if person.sex == "M" else "M"
        spouse = draw.member(
            spouse_sex, max(20, age + rng.randint(-6, 6)), person.last_name, "spouse", married=True
        )
    me_first = spouse is None or person.sex == "M" or rng.random() < 0.3
    head = _self(person, "householder", None, None)
    members: list[Member] = [head]
    if spouse is not None:
        if me_first:
            members.append(spouse)
        else:  # the spouse is the householder: the citizen is listed as the spouse
            members = [replace(spouse, relation="householder"), _self(person, "spouse", None, None)]
    dad, mum = (person, spouse) if person.sex == "M" else (spouse, person)
    father = _full(dad)
    mother = _full(mum)
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        child_age = age - rng.randint(18, 42)  # born to a parent aged 18 to 42
        if child_age < 0:
            continue
        sex: Sex = "M" if rng.random() < 0.5 else "F"
        members.append(
            draw.member(sex, child_age, person.last_name, "child", father=father, mother=mother)
        )
    return members


def _full(who: Person | Member | None) -> Name | None:
    if who is None:
        return None
    return Name(
        f"{who.first_name.th} {who.last_name.th}", f"{who.first_name.en} {who.last_name.en}"
    )


def _house_id(person: Person, rng: random.Random) -> str:
    return f"{person.address.province.code}01{rng.randrange(10**6):06d}{rng.randrange(10)}"


#: The fixed households (docs/demo-citizens.md): per demo citizen (by number) the house ID and
#: the members in order, householder first. A member is the demo citizen ("self", with their
#: relation) or (ID, title, given names th/en, sex, birth date BE, relation, father's row,
#: mother's row), a parent named by its row in the same list (None: not listed).
_DEMO_TABLE: dict[int, tuple[str, list[tuple[object, ...]]]] = {
    1: ("10070012340", [
        ("self", "householder"),
        ("1100100101237", MRS, ("สุภาพร", "Supaporn"), "F", "25320508", "spouse", None, None),
        ("1100100101245", GIRL, ("ใบเตย", "Baitoey"), "F", "25660310", "child", 0, 1),
    ]),
    2: ("50130045030", [
        ("self", "householder"),
        ("3500100102017", MRS, ("คำปัน", "Kampan"), "F", "24970903", "spouse", None, None),
        ("3500100102033", MISS, ("พิมพ์ใจ", "Pimjai"), "F", "25240617", "child", 0, 1),
        ("1500100102041", MR, ("ธนากร", "Thanakorn"), "M", "25510221", "grandchild", None, 2),
    ]),
    8: ("12060059144", [
        ("3120100108018", MR, ("สุรชัย", "Surachai"), "M", "25150304", "householder", None, None),
        ("3120100108026", MRS, ("วันเพ็ญ", "Wanphen"), "F", "25180811", "spouse", None, None),
        ("self", "child", 0, 1),
    ]),
}  # fmt: skip


def _demo_households() -> dict[str, tuple[str, tuple[Member, ...]]]:
    """The fixed households of demo citizens 1, 2 and 8, from `_DEMO_TABLE`."""
    found = {}
    for number, (house_id, rows) in _DEMO_TABLE.items():
        person = DEMO_CITIZENS[number - 1]
        members: list[Member] = []
        for row in rows:
            if row[0] == "self":
                parents = row[2:] or (None, None)
                father, mother = (
                    _full(members[i]) if isinstance(i, int) else None for i in parents
                )
                members.append(_self(person, str(row[1]), father, mother))
                continue
            pid, title, given, sex, birth_be, relation, dad, mum = row
            assert isinstance(given, tuple)
            assert isinstance(title, tuple)
            members.append(
                Member(
                    str(pid),
                    (str(title[0]), str(title[1])),
                    Name(str(given[0]), str(given[1])),
                    person.last_name,
                    "M" if sex == "M" else "F",
                    str(birth_be),
                    str(relation),
                    _full(members[dad]) if isinstance(dad, int) else None,
                    _full(members[mum]) if isinstance(mum, int) else None,
                )
            )
        found[person.pid] = (house_id, tuple(members))
    return found


_DEMO = _demo_households()


def household_of(person: Person, seed: int) -> Household:
    """The house registration `person` is listed in (the same for the same seed and ID)."""
    if (demo := _DEMO.get(person.pid)) is not None:
        house_id, members = demo
        return Household(house_id, person.address, members)
    digest = hashlib.sha256(f"mock-dopa-household|{seed}|{person.pid}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:16], "big"))  # noqa: S311 - simulation
    draw = _Draw(rng, person)
    age = _age(person.birth_date_be)
    young = age < 22 or (age < 35 and person.title_en != "Mrs." and rng.random() < 0.35)
    drawn = _with_parents(draw, age) if young else _own_house(draw, age)
    return Household(_house_id(person, rng), person.address, tuple(drawn))
