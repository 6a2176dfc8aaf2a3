"""My entitlements, as the app shows them, when the sources behave badly: a slow agency makes its
facts `unknown` and the answer still arrives; a down one says so; answers are reused within
their freshness bound and asked again after it; a consent gates the agencies that need one.

The sources here are stand-ins for connectors (the real ones, against the mock agencies, are in
test_demo_citizens.py), so each misbehaviour can be made to happen exactly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from support import (
    NATTHIDA,
    SOMCHAI,
    SSO_FORM,
    SSO_UNEMPLOYMENT,
    Stack,
    assert_problem,
    bearer,
    draft,
    hold_read_caches,
    login,
    set_clock,
)

from connectors.base import Benefit, CitizenData, CitizenRecord, FactValue
from connectors.errors import AgencyUnavailable
from gateway.know.gathering import Basis, Source

OLDER_PERSONS = "dop-older-persons-allowance-registration"
UNEMPLOYMENT = "sso-unemployment-benefit"
CHANGE_HOSPITAL = "nhso-change-primary-care-unit"


@dataclass
class FakeSource:
    """A source agency: its facts per national ID, and what it does when asked."""

    citizen_facts: frozenset[str]
    facts: Mapping[str, FactValue]
    citizen_data_fresh_for: dt.timedelta = dt.timedelta(hours=1)
    down: bool = False
    hold: asyncio.Event | None = None  # answer only once this is set
    asked: list[str] = field(default_factory=list)
    benefits: tuple[Benefit, ...] = ()

    async def citizen_data(self, pid: str) -> CitizenData:
        self.asked.append(pid)
        if self.hold is not None:
            await self.hold.wait()
        if self.down:
            raise AgencyUnavailable("TEST", "down for the test")
        record = CitizenRecord(
            kind="test_record",
            title_th="ข้อมูลทดสอบ",
            title_en="Test record",
            data={"facts": dict(self.facts)},
            as_of=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        )
        return CitizenData(facts=dict(self.facts), records=[record], benefits=list(self.benefits))


@dataclass
class Sources:
    dopa: FakeSource
    sso: FakeSource
    cgd: FakeSource
    nhso: FakeSource


@pytest.fixture
async def sources(stack: Stack) -> AsyncIterator[Sources]:
    assert stack.app is not None
    know = stack.app.state.know
    fakes = Sources(
        dopa=FakeSource(
            frozenset({"nationality", "province", "children_under_6"}),
            {"nationality": "TH", "province": "TH-10", "children_under_6": 0},
        ),
        sso=FakeSource(
            frozenset({"sso_insured", "sso_section"}), {"sso_insured": True, "sso_section": 33}
        ),
        cgd=FakeSource(frozenset({"receives_state_pension"}), {"receives_state_pension": False}),
        nhso=FakeSource(frozenset(), {}),
    )
    saved = know.gatherer.sources, know.gatherer.timeout
    know.gatherer.sources = [
        Source("DOPA", fakes.dopa, Basis.LAW),
        Source("SSO", fakes.sso, Basis.LAW),
        Source("CGD", fakes.cgd, Basis.LAW),
        Source("NHSO", fakes.nhso, Basis.CONSENT),
    ]
    know.cache.clear()
    yield fakes
    for fake in (fakes.dopa, fakes.sso, fakes.cgd, fakes.nhso):
        if fake.hold is not None:
            fake.hold.set()
    await know.settle()
    know.gatherer.sources, know.gatherer.timeout = saved
    know.cache.clear()


async def entitlements(stack: Stack, headers: dict[str, str], lang: str = "en") -> dict[str, Any]:
    r = await stack.gateway.get("/v1/me/entitlements", headers={**headers, "Accept-Language": lang})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body: dict[str, Any] = r.json()
    return body


def entitlement(body: dict[str, Any], service_id: str) -> dict[str, Any]:
    (found,) = [e for e in body["entitlements"] if e["service_id"] == service_id]
    return found


def source(body: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [s for s in body["sources"] if s["agency"]["code"] == code]
    return found


async def test_each_condition_says_what_decided_it(stack: Stack, sources: Sources) -> None:
    headers = bearer(await login(stack))
    body = await entitlements(stack, headers)

    older = entitlement(body, OLDER_PERSONS)
    assert older["status"] == "not_eligible"  # demo citizen 1 was born in 2530 BE
    assert [c["text"] for c in older["conditions"]] == [
        "aged 60 or over: no — born 2530 BE",
        "Thai nationality: yes — according to the Department of Provincial Administration (TH)",
        "not receiving a state pension: yes — according to the Comptroller General's Department",
    ]
    assert older["conditions"][0]["met"] is False
    assert older["start"] == {
        "method": "POST",
        "href": "/v1/applications",
        "body": {"service_id": OLDER_PERSONS},
    }
    unemployment = entitlement(body, UNEMPLOYMENT)
    assert unemployment["status"] == "eligible"
    assert all(c["met"] is True for c in unemployment["conditions"])
    assert [c["source"] for c in unemployment["conditions"]] == ["SSO", "SSO"]

    thai = await entitlements(stack, headers, lang="th")
    assert entitlement(thai, OLDER_PERSONS)["conditions"][0]["text"] == (
        "อายุ 60 ปีขึ้นไป: ไม่ใช่ — เกิดปี พ.ศ. 2530"
    )


async def test_a_slow_agency_leaves_its_facts_unknown_and_the_answer_still_arrives(
    stack: Stack, sources: Sources
) -> None:
    assert stack.app is not None
    # SSO answers only when the test lets it, and is given half a second (its own timeout);
    # the others answer at once, well within theirs (the suite's 30 s).
    gatherer = stack.app.state.know.gatherer
    gatherer.sources = [
        dataclasses.replace(s, timeout=0.5) if s.code == "SSO" else s for s in gatherer.sources
    ]
    sources.sso.hold = asyncio.Event()
    headers = bearer(await login(stack))

    body = await entitlements(stack, headers)

    assert source(body, "SSO")["outcome"] == "timed_out"
    assert source(body, "DOPA")["outcome"] == "answered"
    unemployment = entitlement(body, UNEMPLOYMENT)
    assert unemployment["status"] == "unknown"
    first = unemployment["conditions"][0]
    assert first["met"] is None
    assert first["unknown_because"] == "timed_out"
    assert first["text"] == (
        "insured with the Social Security Office: unknown — "
        "the Social Security Office did not answer in time"
    )
    # What the others decide is still decided.
    assert entitlement(body, OLDER_PERSONS)["status"] == "not_eligible"

    # The late answer is kept: the next request has it without asking SSO again.
    sources.sso.hold.set()
    await stack.app.state.know.settle()
    again = await entitlements(stack, headers)
    assert source(again, "SSO")["outcome"] == "answered"
    assert entitlement(again, UNEMPLOYMENT)["status"] == "eligible"
    assert len(sources.sso.asked) == 1


async def test_an_agency_that_is_down_is_named_as_the_reason(
    stack: Stack, sources: Sources
) -> None:
    sources.cgd.down = True
    headers = bearer(await login(stack))
    body = await entitlements(stack, headers)
    assert source(body, "CGD")["outcome"] == "unavailable"
    pension = entitlement(body, OLDER_PERSONS)["conditions"][2]
    assert pension["fact"] == "receives_state_pension"
    assert pension["met"] is None
    assert pension["unknown_because"] == "unavailable"
    assert pension["text"].startswith("not receiving a state pension: unknown — the ")
    assert pension["text"].endswith(" did not answer")


async def test_answers_are_reused_while_fresh_and_asked_again_after(
    stack: Stack, sources: Sources
) -> None:
    await set_clock(stack, "2026-12-07T09:00:00+07:00")
    headers = bearer(await login(stack))
    first = await entitlements(stack, headers)
    second = await entitlements(stack, headers)
    assert len(sources.sso.asked) == 1
    assert source(second, "SSO")["fetched_at"] == source(first, "SSO")["fetched_at"]

    # The portal keeps no answer longer than its own bound (15 minutes by default).
    await set_clock(stack, "2026-12-07T09:20:00+07:00")
    third = await entitlements(stack, bearer(await login(stack)))  # the old token lapsed
    assert len(sources.sso.asked) == 2
    assert source(third, "SSO")["fetched_at"] != source(first, "SSO")["fetched_at"]


async def test_a_consent_gates_the_agencies_that_need_one(stack: Stack, sources: Sources) -> None:
    headers = bearer(await login(stack))
    body = await entitlements(stack, headers)
    assert sources.nhso.asked == []  # never asked without consent
    assert source(body, "NHSO")["outcome"] == "consent_required"
    assert body["consents_needed"] == [
        {"purpose": "entitlements", "agencies": ["NHSO"], "href": "/v1/me/consents/entitlements"}
    ]

    given = await stack.gateway.put("/v1/me/consents/entitlements", headers=headers)
    assert given.status_code == 200, given.text
    assert given.json()["granted"] is True
    body = await entitlements(stack, headers)
    assert source(body, "NHSO")["outcome"] == "answered"
    assert body["consents_needed"] == []
    assert len(sources.nhso.asked) == 1

    # Agreeing to one purpose is not agreeing to another.
    records = await stack.gateway.get("/v1/me/records", headers=headers)
    assert source(records.json(), "NHSO")["outcome"] == "consent_required"
    assert source(records.json(), "NHSO")["records"] == []

    withdrawn = await stack.gateway.delete("/v1/me/consents/entitlements", headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["granted"] is False
    assert withdrawn.json()["revoked_at"] is not None
    body = await entitlements(stack, headers)
    assert source(body, "NHSO")["outcome"] == "consent_required"
    assert len(sources.nhso.asked) == 1  # the withdrawn consent stopped the fetch

    listed = await stack.gateway.get("/v1/me/consents", headers=headers)
    assert {c["purpose"]: c["granted"] for c in listed.json()["items"]} == {
        "entitlements": False,
        "records": False,
    }


async def test_an_unknown_consent_purpose_is_refused(stack: Stack, sources: Sources) -> None:
    headers = bearer(await login(stack))
    r = await stack.gateway.put("/v1/me/consents/marketing", headers=headers)
    assert_problem(r, 404, "consent_purpose_not_found")


async def test_one_citizen_never_gets_another_citizens_answers(
    stack: Stack, sources: Sources
) -> None:
    somchai = bearer(await login(stack))
    natthida = bearer(await login(stack, person=NATTHIDA))
    await entitlements(stack, somchai)
    await entitlements(stack, natthida)
    assert sources.sso.asked == [SOMCHAI["national_id"], NATTHIDA["national_id"]]
    records = (await stack.gateway.get("/v1/me/records", headers=natthida)).json()
    assert source(records, "SSO")["records"][0]["title"] == "ข้อมูลทดสอบ"


async def test_an_entitlement_that_starts_within_a_year_is_announced(
    stack: Stack, sources: Sources
) -> None:
    # Demo citizen 2 (born 12 April 2494 BE) on 1 October 2010: 59, turns 60 on 12 April 2011.
    await set_clock(stack, "2010-10-01T09:00:00+07:00")
    boonmee = {
        "national_id": "3500100002021",
        "laser_code": "JT0123456702",
        "first_name_th": "บุญมี",
        "last_name_th": "มีสุข",
        "birth_date_be": "24940412",
    }
    headers = bearer(await login(stack, person=boonmee))
    body = await entitlements(stack, headers)
    assert entitlement(body, OLDER_PERSONS)["status"] == "not_eligible"
    assert {u["service_id"]: u["starts_on"] for u in body["upcoming"]}[OLDER_PERSONS] == (
        "2011-04-12"
    )


async def test_what_the_citizen_already_receives_is_listed(stack: Stack, sources: Sources) -> None:
    sources.cgd.benefits = (
        Benefit(
            kind="state_pension",
            title_th="บำนาญ",
            title_en="Civil service pension",
            service_id="cgd-pension-information",
            amount_satang=2_500_000,
            period="month",
            since=dt.date(2020, 10, 1),
        ),
    )
    headers = bearer(await login(stack))
    body = await entitlements(stack, headers)
    assert body["receiving"] == [
        {
            "kind": "state_pension",
            "title": "Civil service pension",
            "agency": {"code": "CGD", "name": body["receiving"][0]["agency"]["name"]},
            "service_id": "cgd-pension-information",
            "amount_satang": 2_500_000,
            "period": "month",
            "since": "2020-10-01",
        }
    ]
    # The service it comes from says so; the others do not.
    assert entitlement(body, "cgd-pension-information")["receiving"] is True
    assert entitlement(body, OLDER_PERSONS)["receiving"] is False


async def test_signing_in_is_required(stack: Stack, sources: Sources) -> None:
    for path in ("/v1/me/entitlements", "/v1/me/records", "/v1/me/consents"):
        r = await stack.gateway.get(path)
        assert r.status_code == 401, path


async def test_a_warm_answer_reads_three_statements_and_asks_no_agency(
    stack: Stack, sources: Sources
) -> None:
    assert stack.app is not None
    headers = bearer(await login(stack))
    await hold_read_caches(stack)
    await entitlements(stack, headers)
    await stack.app.state.know.settle()  # the first answer's fetches are logged
    asked = len(sources.sso.asked)
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = stack.app.state.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        body = await entitlements(stack, headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert entitlement(body, UNEMPLOYMENT)["status"] == "eligible"
    assert len(sources.sso.asked) == asked
    # The verified profile, the consents and when the citizen's cases last changed; the
    # catalog's rules and the recent revocations are kept in the process.
    assert len(seen) == 3, seen


async def test_each_fetch_is_in_the_citizens_data_access_log_and_no_one_elses(
    stack: Stack, sources: Sources
) -> None:
    assert stack.app is not None
    somchai = bearer(await login(stack))
    natthida = bearer(await login(stack, person=NATTHIDA))
    await entitlements(stack, somchai)
    await entitlements(stack, somchai)  # answered from the cache: no new fetch
    await stack.app.state.know.settle()

    def fetched(body: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        return sorted(
            (i["who"]["code"], i["data"]["key"], i["source"]["code"], i["purpose"]["kind"])
            for i in body["items"]
            if i["purpose"]["kind"] in ("entitlements", "records")
        )

    mine = (await stack.gateway.get("/v1/me/data-access", headers=somchai)).json()
    assert fetched(mine) == [
        ("portal", f"{code}.citizen_data", code, "entitlements") for code in ("CGD", "DOPA", "SSO")
    ]
    theirs = (await stack.gateway.get("/v1/me/data-access", headers=natthida)).json()
    assert fetched(theirs) == []


async def test_a_kept_answer_is_asked_again_once_the_agency_has_a_new_case(
    stack: Stack, sources: Sources
) -> None:
    headers = bearer(await login(stack))
    await entitlements(stack, headers)
    await entitlements(stack, headers)
    assert len(sources.sso.asked) == 1
    # A case at SSO (here a draft) may change what SSO holds: its answer is not reused.
    await draft(stack, headers, SSO_UNEMPLOYMENT, SSO_FORM)
    await entitlements(stack, headers)
    assert len(sources.sso.asked) == 2
    assert len(sources.cgd.asked) == 1  # the others' answers stand
