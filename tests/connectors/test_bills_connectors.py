"""PEA, PWA and RD as billers (`Bills`): their connectors against the mock agencies over HTTP
in-process (httpx.ASGITransport through the mock-agencies host), and against answers that break
the Bills API contract."""

from __future__ import annotations

import contextlib
import datetime as dt
import tomllib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors import (
    GROUP,
    AgencyMisconfigured,
    AgencyPolicy,
    AgencyRejected,
    AgencyUnavailable,
    Bill,
    Bills,
    Cancels,
    Connector,
    ConnectorConfig,
    ConnectorRegistry,
    Fee,
    IssuesDocuments,
    PaymentNotice,
    PolicyConfig,
    ProvidesOnceOnlyData,
    ReceivesInformation,
)
from connectors.api import pea as pea_connector
from connectors.api import pwa as pwa_connector
from connectors.api import rd as rd_connector
from connectors.api.pea import PeaConnector
from connectors.api.pwa import PwaConnector
from connectors.api.rd import RdConnector
from mock_agencies.app import create_app as create_host
from mock_agencies.pea import app as pea
from mock_agencies.pwa import app as pwa
from mock_agencies.rd import app as rd

KEY, SECRET = "bills-test", "bills-test-secret-0123456789abcdef"
AGENT = "3100100000014"
NOW = 1_760_000_000.0  # 9 October 2025 in Bangkok: September's utility bills are out
SOMCHAI = "1100100001014"  # demo citizen 1: an electricity and a water bill, no tax bill
THONGBAI = "3340100007076"  # demo citizen 7: owes tax too
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def config(code: str, secret: str = SECRET) -> ConnectorConfig:
    return ConnectorConfig(
        agency_code=code,
        base_url=f"http://agencies.test/{code.lower()}",
        consumer_key=KEY,
        consumer_secret=SecretStr(secret),
        agent_id=AGENT,
        policy=PolicyConfig(max_attempts=3, base_delay_seconds=0),
    )


def mock(code: str) -> Any:
    if code == "PWA":
        return pwa.create_app(clock=lambda: NOW, consumers={KEY: SECRET})
    module = {"PEA": pea, "RD": rd}[code]
    return module.create_app(
        clock=lambda: NOW,
        consumers={KEY: SECRET},
        callback_secret="callbacks-unused",
        send_callbacks=False,
    )


CREATE = {"PEA": pea_connector.create, "PWA": pwa_connector.create, "RD": rd_connector.create}
PAYER = {"PEA": SOMCHAI, "PWA": SOMCHAI, "RD": THONGBAI}


@dataclass
class Agency:
    code: str
    http: httpx.AsyncClient  # to the host: the mock's own pages
    transport: httpx.AsyncBaseTransport

    async def listed(self, pid: str) -> list[dict[str, Any]]:
        """The bills as the mock lists them over plain HTTP."""
        base = f"/{self.code.lower()}"
        token = await self.http.get(
            f"{base}/gdx/auth/validate",
            params={"ConsumerSecret": SECRET, "AgentID": AGENT},
            headers={"Consumer-Key": KEY},
        )
        answer = await self.http.get(
            f"{base}/api/v1/bills",
            params={"pid": pid},
            headers={"Consumer-Key": KEY, "Token": token.json()["Result"]},
        )
        bills: list[dict[str, Any]] = answer.json()["bills"]
        return bills

    async def payments(self) -> list[dict[str, Any]]:
        answer = await self.http.get(f"/{self.code.lower()}/staff/bill-payments")
        payments: list[dict[str, Any]] = answer.json()["payments"]
        return payments


@contextlib.asynccontextmanager
async def serving(
    code: str, wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None
) -> AsyncIterator[tuple[Agency, Any]]:
    agency_app = mock(code)
    host = httpx.ASGITransport(app=create_host({code: agency_app}, seed=1, device_app=None))
    transport = wrap(host) if wrap else host
    connector = CREATE[code](config(code), transport)
    try:
        async with httpx.AsyncClient(transport=host, base_url="http://agencies.test") as http:
            yield Agency(code, http, host), connector
    finally:
        await connector.aclose()
        if (casework := getattr(agency_app.state, "casework", None)) is not None:
            await casework.aclose()


def paying(
    bill: Bill, *, key: str = "pay-1:bill", amount_satang: int | None = None
) -> PaymentNotice:
    amount = bill.amount_satang if amount_satang is None else amount_satang
    return PaymentNotice(
        idempotency_key=key,
        reference=bill.bill_id,
        payment_id="PAY00000001",
        receipt_number="PEA-2569-000001",
        amount_satang=amount,
        fees=(Fee(label=bill.title_th, amount_satang=amount),),
        paid_at=dt.datetime(2025, 10, 9, 3, 0, tzinfo=dt.UTC),
        channel="mobile",
    )


@pytest.mark.parametrize("code", ["PEA", "PWA", "RD"])
async def test_a_billers_connector_gives_the_bills_its_agency_lists(code: str) -> None:
    async with serving(code) as (agency, connector):
        bills = await connector.bills(PAYER[code])
        listed = await agency.listed(PAYER[code])
    assert bills
    assert [bill.bill_id for bill in bills] == [bill["bill_id"] for bill in listed]
    for bill, raw in zip(bills, listed, strict=True):
        assert isinstance(bill, Bill)
        assert bill == Bill(
            bill_id=raw["bill_id"],
            kind=raw["kind"],
            title_th=raw["title_th"],
            title_en=raw["title_en"],
            account_ref=raw["account_ref"],
            period=raw["period"],
            amount_satang=raw["amount_satang"],
            due_on=dt.date.fromisoformat(raw["due_on"]),
        )
    assert {bill.kind for bill in bills} == {
        "PEA": {"electricity"},
        "PWA": {"water"},
        "RD": {"tax"},
    }[code]


@pytest.mark.parametrize("code", ["PEA", "PWA", "RD"])
async def test_a_payment_is_reported_once_and_the_bill_is_settled(code: str) -> None:
    async with serving(code) as (agency, connector):
        bill = (await connector.bills(PAYER[code]))[0]
        with pytest.raises(AgencyRejected) as wrong:
            await connector.bill_paid(
                bill.bill_id, paying(bill, amount_satang=bill.amount_satang + 1)
            )
        assert wrong.value.code == "amount_mismatch"

        notice = paying(bill)
        await connector.bill_paid(bill.bill_id, notice)
        await connector.bill_paid(bill.bill_id, notice)  # the answer was lost: sent again

        assert bill not in await connector.bills(PAYER[code])
        [recorded] = await agency.payments()
        assert recorded["bill_id"] == bill.bill_id
        assert recorded["idempotency_key"] == "pay-1:bill"
        assert recorded["receipt_number"] == "PEA-2569-000001"
        assert recorded["payment_id"] == "PAY00000001"
        assert recorded["amount_satang"] == bill.amount_satang
        assert recorded["paid_at"] == "2025-10-09T03:00:00.000+00:00"
        assert recorded["channel"] == "mobile"

        with pytest.raises(AgencyRejected) as twice:
            await connector.bill_paid(bill.bill_id, paying(bill, key="pay-2:bill"))
        assert twice.value.code == "already_paid"
        never = replace(bill, bill_id=f"{code}0000")
        with pytest.raises(AgencyRejected) as unknown:
            await connector.bill_paid(never.bill_id, paying(never, key="pay-3:bill"))
        assert unknown.value.code == "bill_not_found"
        assert len(await agency.payments()) == 1


class LosesFirstPaymentAnswer(httpx.AsyncBaseTransport):
    """Delivers every request, but the answer to the first payment is lost on the way back."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/payments") and not self.lost:
            self.lost += 1
            await response.aread()
            raise httpx.ReadError("connection reset while reading the answer", request=request)
        return response


async def test_a_payment_whose_answer_was_lost_is_sent_again_under_the_policy_once() -> None:
    lossy: list[LosesFirstPaymentAnswer] = []

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        lossy.append(LosesFirstPaymentAnswer(inner))
        return lossy[0]

    async def no_wait(_: float) -> None:
        return None

    async with serving("PEA", wrap) as (agency, connector):
        bill = (await connector.bills(SOMCHAI))[0]
        policy = AgencyPolicy.from_config(config("PEA"))
        await policy.call(lambda: connector.bill_paid(bill.bill_id, paying(bill)), sleep=no_wait)
        assert lossy[0].lost == 1
        assert [payment["bill_id"] for payment in await agency.payments()] == [bill.bill_id]
        assert bill not in await connector.bills(SOMCHAI)


@pytest.mark.parametrize("code", ["PEA", "PWA", "RD"])
async def test_an_outage_is_unavailable_and_a_wrong_secret_misconfigured(code: str) -> None:
    async with serving(code) as (agency, connector):
        await agency.http.put(f"/faults/{code}", json={"outage": True})
        with pytest.raises(AgencyUnavailable, match="agency answered 503"):
            await connector.bills(PAYER[code])
        await agency.http.delete("/faults")
        impostor = CREATE[code](config(code, secret="not-the-secret-0123456789"), agency.transport)
        with pytest.raises(AgencyMisconfigured, match="consumer key or secret was refused"):
            await impostor.bills(PAYER[code])
        await impostor.aclose()


async def test_pwa_takes_no_applications_and_offers_only_bills() -> None:
    async with serving("PWA") as (_, connector):
        assert isinstance(connector, PwaConnector)
        assert isinstance(connector, Connector)
        assert isinstance(connector, Bills)
        for capability in (Cancels, ReceivesInformation, IssuesDocuments, ProvidesOnceOnlyData):
            assert not isinstance(connector, capability), capability
        assert (await connector.health()).ok
        with pytest.raises(AgencyMisconfigured, match="PWA takes no applications"):
            await connector.status("PWA-R-000001")


async def test_pea_and_rd_are_case_api_agencies_that_bill_too() -> None:
    async with serving("PEA") as (_, pea_client), serving("RD") as (_, rd_client):
        for connector in (pea_client, rd_client):
            for capability in (Connector, Cancels, ReceivesInformation, IssuesDocuments, Bills):
                assert isinstance(connector, capability), (connector, capability)
            assert (await connector.health()).ok
        assert not isinstance(pea_client, ProvidesOnceOnlyData)
        assert isinstance(rd_client, ProvidesOnceOnlyData)


def test_the_declared_entry_points_load_pea_and_pwa() -> None:
    """pyproject.toml registers them (an install of the package makes these the installed
    entry points, as the registry reads them by default)."""
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][GROUP]
    entry_points = [EntryPoint(name, value, GROUP) for name, value in declared.items()]
    registry = ConnectorRegistry.load(
        {code: config(code) for code in ("PEA", "PWA", "RD")}, entry_points=entry_points
    )
    assert registry.broken == {}
    assert isinstance(registry.get("PEA"), PeaConnector)
    assert isinstance(registry.get("PWA"), PwaConnector)
    assert isinstance(registry.get("RD"), RdConnector)


# -- answers that break the contract ------------------------------------------------------------


def biller_answering(bills: object, payment: object = None) -> PwaConnector:
    """A PWA connector whose agency validates tokens and answers the bills and the payment
    with what is given."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gdx/auth/validate"):
            return httpx.Response(200, json={"Result": "token-1"})
        if request.url.path.endswith("/payments"):
            return httpx.Response(201, json=payment)
        return httpx.Response(200, json={"pid": SOMCHAI, "bills": bills})

    return PwaConnector(config("PWA"), httpx.MockTransport(handle))


GOOD = {
    "bill_id": "PWA065650883942509",
    "kind": "water",
    "title_th": "ค่าน้ำประปาเดือนกันยายน 2568",
    "title_en": "Water, September 2025",
    "account_ref": "06565088394",
    "period": "2025-09",
    "amount_satang": 17548,
    "due_on": "2025-10-15",
}


@pytest.mark.parametrize(
    ("bills", "complaint"),
    [
        ([{**GOOD, "bill_id": "pwa065650883942509"}], "0.bill_id"),
        ([{**GOOD, "bill_id": "PWA0656508839425090000"}], "0.bill_id"),  # over 20: not a Ref1
        ([{**GOOD, "amount_satang": 0}], "0.amount_satang"),
        ([{**GOOD, "amount_satang": "175.48"}], "0.amount_satang"),
        ([{**GOOD, "due_on": "next week"}], "0.due_on"),
        ([{k: v for k, v in GOOD.items() if k != "title_th"}], "0.title_th"),
        ([GOOD, GOOD], "lists a bill twice"),
        ("none", "bills: Input should be a valid list"),
    ],
)
async def test_a_listing_that_breaks_the_contract_is_a_misconfiguration(
    bills: object, complaint: str
) -> None:
    connector = biller_answering(bills)
    with pytest.raises(AgencyMisconfigured, match="bills answer") as caught:
        await connector.bills(SOMCHAI)
    assert complaint in caught.value.message
    await connector.aclose()


async def test_a_payment_answer_for_another_bill_is_a_misconfiguration() -> None:
    connector = biller_answering([GOOD], {"bill_id": "PWA000", "status": "paid"})
    bill = (await connector.bills(SOMCHAI))[0]
    with pytest.raises(AgencyMisconfigured, match="payment answer for bill 'PWA000'"):
        await connector.bill_paid(bill.bill_id, paying(bill))
    await connector.aclose()


async def test_ids_are_checked_before_anything_is_sent() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"Result": "token-1"})

    connector = PwaConnector(config("PWA"), httpx.MockTransport(record))
    with pytest.raises(ValueError, match="13 digits"):
        await connector.bills("../../health")
    bill = Bill("PWA1", "water", "น้ำ", "Water", "1", None, 100, dt.date(2025, 10, 15))
    with pytest.raises(ValueError, match="Ref1"):
        await connector.bill_paid("../../x", paying(bill))
    assert sent == []
    await connector.aclose()
