"""DLT, SSO and RD: the Case API plus each agency's once-only data call (R-12.1)."""

from __future__ import annotations

from typing import Any

import pytest
from fake_case_agency import FakeAgency, config

from connectors import (
    AgencyMisconfigured,
    AgencyRejected,
    Cancels,
    Connector,
    IssuesDocuments,
    ProvidesOnceOnlyData,
)
from connectors.api import dlt, rd, sso

PID = "1101700230705"

LICENCE = {"pid": PID, "licence_number": "64012345", "type": "private_car_5y"}
INSURED = {"pid": PID, "section": 33, "insured": True, "contributions_months": 84}
WITHHOLDING = {"pid": PID, "year": 2024, "certificates": [{"payer": "ACME", "tax_satang": 1}]}

CASES = [
    pytest.param(dlt.create, "DLT", "licences", {}, f"licences/{PID}", LICENCE, id="DLT"),
    pytest.param(sso.create, "SSO", "insured", {}, f"insured/{PID}", INSURED, id="SSO"),
    pytest.param(
        rd.create, "RD", "withholding", {"year": 2024}, f"withholding/{PID}", WITHHOLDING, id="RD"
    ),
]


@pytest.mark.rule("R-12.1")
@pytest.mark.parametrize(("create", "code", "kind", "params", "path", "record"), CASES)
async def test_each_agency_gives_its_once_only_record(
    create: Any, code: str, kind: str, params: dict[str, Any], path: str, record: dict[str, Any]
) -> None:
    agency = FakeAgency(code=code, once_only={path: record})
    connector = create(config(code), agency.transport())

    got = await connector.once_only(kind, PID, **params)

    assert got == record
    call = agency.api_calls()[-1]
    assert call.path == f"/{code.lower()}/api/v1/{path}"
    assert call.headers["token"] == "token-1"
    assert call.query == {k: str(v) for k, v in params.items()}
    assert connector.once_only_kinds == {kind}
    await connector.aclose()


@pytest.mark.parametrize(("create", "code", "kind", "params", "path", "record"), CASES)
async def test_each_agency_is_a_full_case_api_connector(
    create: Any, code: str, kind: str, params: dict[str, Any], path: str, record: dict[str, Any]
) -> None:
    connector = create(config(code), FakeAgency(code=code).transport())

    assert connector.agency_code == code
    for protocol in (Connector, Cancels, IssuesDocuments, ProvidesOnceOnlyData):
        assert isinstance(connector, protocol), protocol
    assert (await connector.health()).ok
    await connector.aclose()


@pytest.mark.parametrize(("create", "code", "kind", "params", "path", "record"), CASES)
async def test_no_record_is_a_refusal_and_an_unknown_kind_a_misconfiguration(
    create: Any, code: str, kind: str, params: dict[str, Any], path: str, record: dict[str, Any]
) -> None:
    agency = FakeAgency(code=code)
    connector = create(config(code), agency.transport())

    with pytest.raises(AgencyRejected) as caught:
        await connector.once_only(kind, PID, **params)
    assert caught.value.code == "no_record"
    with pytest.raises(AgencyMisconfigured, match="no once-only data of kind 'payslips'"):
        await connector.once_only("payslips", PID, **params)
    with pytest.raises(ValueError, match="13 digits"):
        await connector.once_only(kind, "../../health", **params)
    await connector.aclose()


async def test_a_list_answer_is_given_as_items() -> None:
    agency = FakeAgency(code="RD", once_only={f"withholding/{PID}": [{"payer": "ACME"}]})  # type: ignore[dict-item]
    connector = rd.create(config("RD"), agency.transport())
    assert await connector.once_only("withholding", PID, year="2024") == {
        "items": [{"payer": "ACME"}]
    }
    await connector.aclose()


@pytest.mark.parametrize("params", [{}, {"year": "last"}, {"year": True}])
async def test_withholding_needs_the_tax_year(params: dict[str, Any]) -> None:
    agency = FakeAgency(code="RD")
    connector = rd.create(config("RD"), agency.transport())
    with pytest.raises(ValueError, match="tax year"):
        await connector.once_only("withholding", PID, **params)
    assert agency.seen == []
    await connector.aclose()
