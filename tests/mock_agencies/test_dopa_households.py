"""The mock registry's house registrations (`POST /dopa/gdx/linkage/house`) and nationality:
the demo citizens' fixed households (docs/demo-citizens.md), drawn ones for everyone else,
the same every time, other members' IDs only masked."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dopa_support import SMALL_POPULATION, Host, serving
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_agencies.dopa.households import household_of
from mock_agencies.dopa.population import DEMO_CITIZENS, build_population, nationality

HOUSE, PERSON = "/dopa/gdx/linkage/house", "/dopa/gdx/linkage/person"
MASKED = re.compile(r"x-xxxx-xxxxx-\d\d-\d")
BE_DATE = re.compile(r"2[45]\d\d(0[0-9]|1[0-2])([0-2]\d|3[01])")


@pytest.fixture
async def host() -> AsyncIterator[Host]:
    async with serving() as served:
        yield served


async def house(host: Host, pid: str) -> dict[str, Any]:
    r = await host.client.post(HOUSE, json={"pid": pid}, headers=await host.auth_headers())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def listed(body: dict[str, Any]) -> list[tuple[str, str, str, str | None, str | None]]:
    return [
        (
            m["firstName"]["en"],
            m["relation"]["code"],
            m["birthDate"],
            (m["fatherName"] or {}).get("en"),
            (m["motherName"] or {}).get("en"),
        )
        for m in body["members"]
    ]


async def test_demo_citizen_1_lives_with_his_wife_and_their_young_daughter(host: Host) -> None:
    body = await house(host, "1100100001014")
    assert body["houseNo"] == "99/1"
    assert body["address"]["province"]["iso"] == "TH-10"
    assert body["householder"] == {
        "pid": "1100100001014",
        "name": {"th": "นายสมชาย ใจดี", "en": "Mr. Somchai Jaidee"},
    }
    assert listed(body) == [
        ("Somchai", "householder", "25300115", None, None),
        ("Supaporn", "spouse", "25320508", None, None),
        ("Baitoey", "child", "25660310", "Somchai Jaidee", "Supaporn Jaidee"),
    ]
    assert [m["pid"] for m in body["members"]] == [
        "1100100001014",
        "x-xxxx-xxxxx-23-7",
        "x-xxxx-xxxxx-24-5",
    ]
    assert [m["self"] for m in body["members"]] == [True, False, False]
    assert body["members"][2]["relation"] == {"code": "child", "th": "บุตร", "en": "child"}


async def test_demo_citizen_2_lives_with_family_and_no_young_children(host: Host) -> None:
    assert listed(await house(host, "3500100002021")) == [
        ("Boonmee", "householder", "24940412", None, None),
        ("Kampan", "spouse", "24970903", None, None),
        ("Pimjai", "child", "25240617", "Boonmee Meesuk", "Kampan Meesuk"),
        ("Thanakorn", "grandchild", "25510221", None, "Pimjai Meesuk"),
    ]


async def test_demo_citizen_8_lives_in_her_parents_house(host: Host) -> None:
    body = await house(host, "1120100008086")
    assert body["householder"]["name"]["en"] == "Mr. Surachai Wongsawat"
    assert body["householder"]["pid"] == "x-xxxx-xxxxx-01-8"
    assert listed(body) == [
        ("Surachai", "householder", "25150304", None, None),
        ("Wanphen", "spouse", "25180811", None, None),
        ("Natthida", "child", "25470620", "Surachai Wongsawat", "Wanphen Wongsawat"),
    ]


async def test_everyone_is_listed_once_in_a_registration_only_their_own_id_in_full(
    host: Host,
) -> None:
    headers = await host.auth_headers()
    for person in list(host.population)[:120]:
        r = await host.client.post(HOUSE, json={"pid": person.pid}, headers=headers)
        body = r.json()
        own = [m for m in body["members"] if m["self"]]
        assert [m["pid"] for m in own] == [person.pid]
        assert own[0]["birthDate"] == person.birth_date_be
        others = [m["pid"] for m in body["members"] if not m["self"]]
        assert all(MASKED.fullmatch(pid) for pid in others), others
        assert body["members"][0]["relation"]["code"] == "householder"
        assert [m["relation"]["code"] for m in body["members"]].count("householder") == 1
        assert all(BE_DATE.fullmatch(m["birthDate"]) for m in body["members"])
        assert body["address"]["text"]["th"] == person.address.text_th
        assert person.pid not in str(others)


async def test_a_house_registration_needs_a_registered_id(host: Host) -> None:
    headers = await host.auth_headers()
    unknown = await host.client.post(HOUSE, json={"pid": "1101700230708"}, headers=headers)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    bad = await host.client.post(HOUSE, json={"pid": "123"}, headers=headers)
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_pid")


async def test_the_person_record_gives_the_nationality(host: Host) -> None:
    r = await host.client.post(
        PERSON, json={"pid": "1100100001014"}, headers=await host.auth_headers()
    )
    assert r.json()["nationality"] == "TH"


def test_nationality_follows_the_kind_of_registration() -> None:
    people = build_population(seed=7, size=3000)
    assert {nationality(person) for person in DEMO_CITIZENS} == {"TH"}
    by_kind: dict[str, set[str]] = {}
    for person in people:
        by_kind.setdefault(person.pid[0], set()).add(nationality(person))
    for kind in "12345":
        assert by_kind.get(kind, {"TH"}) == {"TH"}
    assert "TH" not in by_kind["7"]
    assert "TH" in by_kind["8"]
    assert len(by_kind["8"]) > 1  # the naturalised and foreign residents


@settings(max_examples=40, deadline=None)
@given(index=st.integers(min_value=0, max_value=len(SMALL_POPULATION) - 1), seed=st.integers(0, 9))
def test_a_household_is_drawn_the_same_every_time_and_is_plausible(index: int, seed: int) -> None:
    person = list(SMALL_POPULATION)[index]
    drawn = household_of(person, seed)
    assert drawn == household_of(person, seed)
    assert [m.pid for m in drawn.members].count(person.pid) == 1
    me = next(m for m in drawn.members if m.pid == person.pid)
    mine = f"{me.first_name.th} {me.last_name.th}"
    for member in drawn.members:
        parents = {name.th for name in (member.father, member.mother) if name is not None}
        if mine in parents:  # the person's own children are younger than them
            assert member.birth_date_be[:4] > person.birth_date_be[:4]
