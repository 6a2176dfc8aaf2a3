"""Know, against the mocks: every connector that holds citizen data (the registered ones, as
pyproject.toml declares them, and the civil registry's) answers for the demo citizens what
docs/demo-citizens.md says the agencies hold about them ("What the agencies hold about the
demo citizens"), the agencies agreeing with each other (one health scheme each, a pensioner's
CSMBS, the s.33 insured's SSS). All the mocks are served by one host, as `make run` serves
them; the connectors reach it over HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr
from test_connectors_against_mocks import DECLARED

from connectors.api.dopa import DopaConfig, DopaRegistry
from connectors.base import CitizenData, HoldsCitizenData
from connectors.certification import registered_connector
from connectors.config import ConnectorConfig, PolicyConfig
from connectors.errors import AgencyUnavailable
from mock_agencies.app import create_app as create_host
from mock_agencies.bma.portal import AgencyCredentials
from mock_agencies.cgd import app as cgd
from mock_agencies.dlt import app as dlt
from mock_agencies.dop import app as dop
from mock_agencies.dopa import app as dopa
from mock_agencies.dopa.population import build_population
from mock_agencies.nhso import app as nhso
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

KEY, SECRET, AGENT = "know-test", "know-test-secret-0123456789", "3100100000014"
POPULATION = build_population(seed=2565, size=400)
#: The day children's ages are counted on (demo citizen 1's daughter, born 10 March 2023, is 3).
TODAY = dt.date(2026, 7, 1)

SOMCHAI, BOONMEE, THONGBAI, NATTHIDA = (
    "1100100001014",
    "3500100002021",
    "3340100007076",
    "1120100008086",
)
#: docs/demo-citizens.md, "What the agencies hold about the demo citizens": the facts.
FACTS: dict[str, dict[str, object]] = {
    SOMCHAI: {
        "birth_date_be": "25300115",
        "nationality": "TH",
        "province": "TH-10",
        "children_under_6": 1,
        "sso_insured": True,
        "sso_section": 33,
        "receives_state_pension": False,
        "owns_vehicle": True,
        "has_taxable_income": True,
    },
    BOONMEE: {
        "birth_date_be": "24940412",
        "nationality": "TH",
        "province": "TH-50",
        "children_under_6": 0,
        "sso_insured": False,  # his s.33 insurance ended (the record still shows it)
        "receives_state_pension": False,
        "owns_vehicle": True,
        "has_taxable_income": True,
    },
    THONGBAI: {
        "birth_date_be": "24900000",
        "nationality": "TH",
        "province": "TH-34",
        "children_under_6": 0,
        "sso_insured": False,
        "receives_state_pension": True,
        "owns_vehicle": True,
        "has_taxable_income": True,
    },
    NATTHIDA: {
        "birth_date_be": "25470620",
        "nationality": "TH",
        "province": "TH-12",
        "children_under_6": 0,
        "sso_insured": True,
        "sso_section": 33,
        "receives_state_pension": False,
        "owns_vehicle": True,
        "has_taxable_income": True,
    },
}
#: The same table: each one's health scheme, benefits and tax refund.
SCHEME = {SOMCHAI: "SSS", BOONMEE: "UC", THONGBAI: "CSMBS", NATTHIDA: "SSS"}
BENEFITS = {
    SOMCHAI: {"health_coverage"},
    BOONMEE: {"health_coverage"},
    THONGBAI: {"health_coverage", "state_pension"},
    NATTHIDA: {"health_coverage"},
}
REFUND = {SOMCHAI: "paid", BOONMEE: "none", THONGBAI: "none", NATTHIDA: "processing"}
KNOWING = ("CGD", "DLT", "DOP", "NHSO", "RD", "SSO")


@dataclass
class Know:
    transport: httpx.AsyncBaseTransport
    holders: dict[str, HoldsCitizenData]

    async def everything(self, pid: str) -> dict[str, CitizenData]:
        return {code: await holder.citizen_data(pid) for code, holder in self.holders.items()}


def config(code: str) -> ConnectorConfig:
    return ConnectorConfig(
        agency_code=code,
        base_url=f"http://agencies.test/{code.lower()}",
        consumer_key=KEY,
        consumer_secret=SecretStr(SECRET),
        agent_id=AGENT,
        policy=PolicyConfig(max_attempts=1),
    )


@pytest.fixture
async def know() -> AsyncIterator[Know]:
    consumers = {KEY: SECRET}
    casework = {
        code: module.create_app(consumers=consumers, callback_secret="off", send_callbacks=False)
        for code, module in {"SSO": sso, "DLT": dlt, "RD": rd}.items()
    }
    agencies = {
        **casework,
        "DOPA": dopa.create_app(POPULATION, consumers=consumers),
        "CGD": cgd.create_app(population=POPULATION, consumers=consumers),
        "NHSO": nhso.create_app(population=POPULATION, consumers=consumers),
        "DOP": dop.create_app(
            AgencyCredentials(KEY, SECRET, "off"), "http://gateway.invalid", population=POPULATION
        ),
    }
    transport = httpx.ASGITransport(app=create_host(agencies, seed=1, device_app=None))
    holders: dict[str, HoldsCitizenData] = {
        "DOPA": DopaRegistry(
            DopaConfig("http://agencies.test/dopa", KEY, SECRET, AGENT),
            transport,
            today=lambda: TODAY,
        )
    }
    for code in KNOWING:
        connector, _ = registered_connector(
            config(code), transport=transport, entry_points=DECLARED
        )
        assert isinstance(connector, HoldsCitizenData), code
        holders[code] = connector
    yield Know(transport, holders)
    for holder in holders.values():
        await holder.aclose()  # type: ignore[attr-defined]
    for app in casework.values():
        await app.state.casework.aclose()


async def test_every_registered_connector_that_knows_citizens_is_tested_here() -> None:
    """A newly registered connector with HoldsCitizenData joins KNOWING (and the table)."""
    knowing = set()
    for entry_point in DECLARED:
        connector = entry_point.load()(config(entry_point.name.upper()))
        if isinstance(connector, HoldsCitizenData):
            knowing.add(entry_point.name.upper())
        await connector.aclose()
    assert knowing == set(KNOWING)


@pytest.mark.parametrize("pid", sorted(FACTS))
async def test_the_agencies_hold_the_documented_facts_of_each_demo_citizen(
    know: Know, pid: str
) -> None:
    held = await know.everything(pid)
    facts: dict[str, object] = {}
    for code, data in held.items():
        declared = know.holders[code].citizen_facts
        # Only facts the agency declares; every one of them unless it does not apply (the
        # section of someone not insured).
        assert set(data.facts) <= declared, (code, declared, data.facts)
        assert declared - set(data.facts) <= {"sso_section"}, (code, declared, data.facts)
        assert not set(facts) & set(data.facts), f"{code} decides a fact another agency decides"
        facts.update(data.facts)
    assert facts == FACTS[pid]


@pytest.mark.parametrize("pid", sorted(FACTS))
async def test_each_demo_citizen_has_one_health_scheme_and_the_documented_benefits(
    know: Know, pid: str
) -> None:
    held = await know.everything(pid)
    coverage = [r for data in held.values() for r in data.records if r.kind == "health_coverage"]
    assert [record.data["scheme"] for record in coverage] == [SCHEME[pid]]
    benefits = {b.kind for data in held.values() for b in data.benefits}
    assert benefits == BENEFITS[pid]
    refunds = [r.data["status"] for r in held["RD"].records if r.kind == "tax_refund"]
    assert refunds == [REFUND[pid]]


async def test_a_pensioners_pension_and_cover_agree(know: Know) -> None:
    held = await know.everything(THONGBAI)
    (pension,) = held["CGD"].benefits
    assert (pension.kind, pension.service_id, pension.period) == (
        "state_pension",
        "cgd-pension-information",
        "month",
    )
    assert pension.amount_satang == 1_850_000
    assert pension.since == dt.date(2007, 10, 1)  # retired at the end of fiscal year 2007
    (record,) = held["CGD"].records
    assert record.data["csmbs"] is True
    assert held["SSO"].records == []  # a retired civil servant, not insured at SSO


async def test_demo_citizen_1s_house_registration_lists_his_family(know: Know) -> None:
    data = await know.holders["DOPA"].citizen_data(SOMCHAI)
    house = next(r for r in data.records if r.kind == "house_registration")
    members = house.data["members"]
    assert [(m["first_name_en"], m["relation"]) for m in members] == [
        ("Somchai", "householder"),
        ("Supaporn", "spouse"),
        ("Baitoey", "child"),
    ]
    assert members[0]["pid"] == SOMCHAI  # his own ID in full
    assert [m["pid"] for m in members[1:]] == ["x-xxxx-xxxxx-23-7", "x-xxxx-xxxxx-24-5"]
    assert house.data["householder"]["pid"] == SOMCHAI
    card = next(r for r in data.records if r.kind == "identity_card")
    assert card.data == {
        "status": "active",
        "issued_on_be": "25650115",
        "expires_on_be": "25730115",
        "lifelong": False,
    }
    assert "laser" not in repr(data)


async def test_a_child_counts_as_under_6_until_the_sixth_birthday(know: Know) -> None:
    counted = {}
    for day in (dt.date(2029, 3, 9), dt.date(2029, 3, 10)):
        registry = DopaRegistry(
            DopaConfig("http://agencies.test/dopa", KEY, SECRET, AGENT),
            know.transport,
            today=lambda day=day: day,
        )
        counted[day] = (await registry.citizen_data(SOMCHAI)).facts["children_under_6"]
        await registry.aclose()
    assert counted == {dt.date(2029, 3, 9): 1, dt.date(2029, 3, 10): 0}


async def test_demo_citizen_2_is_enrolled_for_the_allowance_only_once_approved(
    know: Know,
) -> None:
    """Before the portal, DOP's register does not list him: registering is his to try."""
    assert (await know.holders["DOP"].citizen_data(BOONMEE)).benefits == []


@pytest.mark.parametrize("code", ["CGD", "NHSO", "DOP"])
async def test_an_agency_outage_makes_its_connector_unavailable(know: Know, code: str) -> None:
    async with httpx.AsyncClient(transport=know.transport, base_url="http://agencies.test") as host:
        knobs = await host.put(f"/faults/{code}", json={"outage": True})
        assert knobs.status_code == 200, knobs.text
        with pytest.raises(AgencyUnavailable):
            await know.holders[code].citizen_data(THONGBAI)
        await host.delete("/faults")
    assert isinstance(await know.holders[code].citizen_data(THONGBAI), CitizenData)


def _names(data: Mapping[str, CitizenData]) -> set[str]:
    return {record.kind for held in data.values() for record in held.records}


async def test_every_kind_of_record_is_held_for_someone(know: Know) -> None:
    kinds = set()
    for pid in FACTS:
        kinds |= _names(await know.everything(pid))
    assert kinds == {
        "house_registration",
        "identity_card",
        "social_security",
        "state_pension",
        "health_coverage",
        "driving_licence",
        "vehicle",
        "tax_refund",
    }
