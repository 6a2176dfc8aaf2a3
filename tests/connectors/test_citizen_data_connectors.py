"""Know, connector by connector, against a scripted agency (`httpx.MockTransport`): what an
answer that holds nothing decides, which answers break the contract, and the day "last year"
is counted from. The connectors against the real mocks: tests/contract/test_citizen_data.py."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.api import cgd, dlt, dop, nhso, rd, sso
from connectors.base import HoldsCitizenData
from connectors.config import ConnectorConfig, PolicyConfig
from connectors.errors import AgencyMisconfigured, AgencyUnavailable

PID = "1100100001014"
Answer = tuple[int, Any]


class FixedClock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


def agency(
    answers: Callable[[httpx.Request], Answer], seen: list[httpx.Request]
) -> httpx.MockTransport:
    """An agency behind the data-exchange door answering `answers` for every other call."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gdx/auth/validate"):
            return httpx.Response(200, json={"Result": "token"})
        seen.append(request)
        status, body = answers(request)
        return httpx.Response(status, content=json.dumps(body).encode())

    return httpx.MockTransport(handle)


def connect(module: Any, code: str, answers: Callable[[httpx.Request], Answer], **kw: Any) -> Any:
    config = ConnectorConfig(
        agency_code=code,
        base_url=f"http://agencies.test/{code.lower()}",
        consumer_key="k",
        consumer_secret=SecretStr("s"),
        agent_id="3100100000014",
        policy=PolicyConfig(max_attempts=1),
    )
    seen: list[httpx.Request] = []
    connector = module.create(config, agency(answers, seen))
    connector.seen = seen
    assert isinstance(connector, HoldsCitizenData)
    return connector


NOT_FOUND: Answer = (404, {"error": "not_found", "message": "no record"})


@pytest.mark.parametrize(
    ("module", "code", "facts"),
    [
        (sso, "SSO", {"sso_insured": False}),
        (dlt, "DLT", {"owns_vehicle": False}),
        (rd, "RD", {"has_taxable_income": False}),
        (nhso, "NHSO", {}),
    ],
)
async def test_holding_no_record_decides_the_facts_and_shows_nothing(
    module: Any, code: str, facts: dict[str, object]
) -> None:
    connector = connect(module, code, lambda _: NOT_FOUND)
    data = await connector.citizen_data(PID)
    assert (dict(data.facts), list(data.records), list(data.benefits)) == (facts, [], [])
    assert set(facts) <= connector.citizen_facts
    assert connector.citizen_facts - set(facts) <= {"sso_section"}  # not insured: no section
    await connector.aclose()


async def test_not_a_pensioner_and_not_enrolled_are_answers_too() -> None:
    pension = connect(cgd, "CGD", lambda _: (200, {"pid": PID, "status": "none"}))
    assert (await pension.citizen_data(PID)).facts == {"receives_state_pension": False}
    allowance = connect(dop, "DOP", lambda _: (200, {"pid": PID, "enrolled": False}))
    held = await allowance.citizen_data(PID)
    assert (held.records, held.benefits) == ([], [])
    for connector in (pension, allowance):
        await connector.aclose()


@pytest.mark.parametrize(
    ("module", "code", "answer", "field"),
    [
        (cgd, "CGD", {"status": "retired"}, "status"),
        (cgd, "CGD", {"status": "pensioner", "kind": "บำนาญ"}, "monthly_satang"),
        (
            nhso,
            "NHSO",
            {"scheme": "GOLD", "scheme_name_th": "x", "scheme_name_en": "x", "since": "2020-01-01"},
            "scheme",
        ),
        (dop, "DOP", {"enrolled": "yes"}, "enrolled"),
        (sso, "SSO", {"section": "33"}, "section"),
    ],
)
async def test_an_answer_that_breaks_the_contract_is_misconfigured(
    module: Any, code: str, answer: dict[str, Any], field: str
) -> None:
    connector = connect(module, code, lambda _: (200, answer))
    with pytest.raises(AgencyMisconfigured, match=field):
        await connector.citizen_data(PID)
    await connector.aclose()


@pytest.mark.parametrize(("module", "code"), [(cgd, "CGD"), (nhso, "NHSO"), (dop, "DOP")])
async def test_an_agency_that_cannot_answer_is_unavailable(module: Any, code: str) -> None:
    connector = connect(module, code, lambda _: (503, {"error": "down"}))
    with pytest.raises(AgencyUnavailable):
        await connector.citizen_data(PID)
    assert not (await connector.health()).ok
    await connector.aclose()


async def test_rd_asks_for_the_calendar_year_before_its_today_in_bangkok() -> None:
    """31 December 2026, 18:00 UTC is already 1 January 2027 in Bangkok: the last tax year is
    2026."""
    config = ConnectorConfig(
        agency_code="RD",
        base_url="http://agencies.test/rd",
        consumer_key="k",
        consumer_secret=SecretStr("s"),
        agent_id="3100100000014",
    )
    seen: list[httpx.Request] = []

    def answers(request: httpx.Request) -> Answer:
        if "/withholding/" in request.url.path:
            return 200, {"totals": {"income_satang": 0}}
        return NOT_FOUND

    connector = rd.RdConnector(
        config,
        agency(answers, seen),
        clock=FixedClock(dt.datetime(2026, 12, 31, 18, tzinfo=dt.UTC)),
    )
    data = await connector.citizen_data(PID)
    assert seen[0].url.params["year"] == "2026"
    assert data.facts == {"has_taxable_income": False}  # certificates reporting no income
    await connector.aclose()


async def test_the_cgd_connector_files_nothing() -> None:
    connector = connect(cgd, "CGD", lambda _: NOT_FOUND)
    with pytest.raises(AgencyMisconfigured, match="takes no applications"):
        await connector.status("CGD-1")
    assert connector.seen == []
    await connector.aclose()
