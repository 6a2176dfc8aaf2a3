"""`ReceivesPayments` over the Agency Case API v1: the connector tells the agency that the
citizen paid (docs/agency-integration.md, "Fees and payments"), against the mock DLT and RD
served in-process (httpx.ASGITransport), and maps what goes wrong onto `connectors.errors`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
from fake_case_agency import T0, config
from pydantic import SecretStr

from connectors import (
    AgencyMisconfigured,
    AgencyPolicy,
    AgencyRejected,
    AgencyStatus,
    AgencyUnavailable,
    Applicant,
    ConnectorConfig,
    Fee,
    PaymentNotice,
    PolicyConfig,
    ReceivesPayments,
    Submission,
    SubmitResult,
)
from connectors.api import dlt, rd, sso
from connectors.api.casework import CaseworkConnector
from mock_agencies.app import create_app as create_host
from mock_agencies.dlt import app as mock_dlt
from mock_agencies.rd import app as mock_rd

KEY, SECRET = "payments-test", "payments-test-secret-0123456789"
MALEE = Applicant(
    pid="3400100003037",
    first_name_th="มาลี",
    last_name_th="ศรีสุข",
    birth_date="1979-03-21",
    address_th="7 ถนนมิตรภาพ ตำบลในเมือง อำเภอเมืองขอนแก่น จังหวัดขอนแก่น 40000",
)


@dataclass
class Agency:
    """A mock agency behind the host, its connector, and its staff's endpoints."""

    code: str
    connector: CaseworkConnector
    staff: httpx.AsyncClient
    filed: list[str] = field(default_factory=list)  # the application numbers, in order

    async def act(self, ref: str, *actions: str) -> None:
        for action in actions:
            response = await self.staff.post(f"/staff/applications/{ref}/{action}")
            assert response.status_code == 200, response.text

    async def file(self, service_id: str, form: dict[str, Any] | None = None) -> SubmitResult:
        number = f"{self.code}-2568-{len(self.filed) + 1:06d}"
        self.filed.append(number)
        return await self.connector.submit(
            Submission(
                idempotency_key=f"{number}:submit",
                application_id=f"app-{number}",
                application_number=number,
                service_id=service_id,
                unit_code=None,
                applicant=MALEE,
                form=form or {},
                attachments=(),
                arrived_at=T0,
                deemed_received_at=T0,
                callback_url=f"https://gateway.invalid/v1/agency/callbacks/{self.code}",
            )
        )


def settings(code: str) -> ConnectorConfig:
    return ConnectorConfig(
        agency_code=code,
        base_url=f"http://agencies.test/{code.lower()}",
        consumer_key=KEY,
        consumer_secret=SecretStr(SECRET),
        agent_id="3100100000014",
    )


@pytest.fixture(params=["DLT"])
async def agency(request: pytest.FixtureRequest) -> AsyncIterator[Agency]:
    code: str = request.param
    module, factory = {"DLT": (mock_dlt, dlt.create), "RD": (mock_rd, rd.create)}[code]
    app = module.create_app(
        consumers={KEY: SECRET}, callback_secret="callbacks-off", send_callbacks=False
    )
    transport = httpx.ASGITransport(app=create_host({code: app}, seed=1, device_app=None))
    connector = factory(settings(code), transport)
    base = f"http://agencies.test/{code.lower()}"
    async with httpx.AsyncClient(transport=transport, base_url=base) as staff:
        yield Agency(code, connector, staff)
    await connector.aclose()
    await app.state.casework.aclose()


def notice(
    filed: SubmitResult, number: str, key: str = "pay-1:agency", **changes: Any
) -> PaymentNotice:
    fees = tuple(filed.fees)
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "reference": number,
        "payment_id": "PAY-00000001",
        "receipt_number": "RC-DLT-000001",
        "amount_satang": sum(fee.amount_satang for fee in fees),
        "fees": fees,
        "paid_at": T0 + dt.timedelta(days=2),
        "channel": "mobile",
        **changes,
    }
    return PaymentNotice(**fields)


# -- against the mock agencies ------------------------------------------------------------------


async def test_every_case_api_connector_hears_of_payments() -> None:
    for create, code in ((dlt.create, "DLT"), (sso.create, "SSO"), (rd.create, "RD")):
        connector = create(config(code), httpx.MockTransport(lambda r: httpx.Response(500)))
        assert isinstance(connector, ReceivesPayments), code
        await connector.aclose()


async def test_the_payment_makes_dlt_issue_the_licence_as_the_next_event(agency: Agency) -> None:
    filed = await agency.file("dlt-driving-licence-renewal")
    assert [fee.amount_satang for fee in filed.fees] == [50000, 500]
    await agency.act(filed.agency_ref, "accept", "approve")
    waiting = await agency.connector.status(filed.agency_ref)
    assert (waiting.status, waiting.seq) == (AgencyStatus.AWAITING_PAYMENT, 3)
    assert waiting.events[-1].data["approved"] is True
    assert waiting.events[-1].data["amount_satang"] == 50500

    await agency.connector.payment_received(filed.agency_ref, notice(filed, agency.filed[-1]))

    issued = await agency.connector.status(filed.agency_ref)
    assert [(e.seq, e.status) for e in issued.events[-2:]] == [
        (3, AgencyStatus.AWAITING_PAYMENT),
        (4, AgencyStatus.APPROVED),
    ]
    data = issued.events[-1].data
    assert data["payment"]["receipt_number"] == "RC-DLT-000001"
    assert "licence" in data
    pdf = await agency.connector.document(data["document_id"])
    assert pdf.startswith(b"%PDF-")
    assert b"RC-DLT-000001" in pdf


async def test_the_same_notice_again_records_nothing_and_another_is_refused(
    agency: Agency,
) -> None:
    filed = await agency.file("dlt-driving-licence-renewal")
    await agency.act(filed.agency_ref, "approve")
    paid = notice(filed, agency.filed[-1])
    await agency.connector.payment_received(filed.agency_ref, paid)
    after = await agency.connector.status(filed.agency_ref)

    await agency.connector.payment_received(filed.agency_ref, paid)  # a lost answer, sent again

    again = await agency.connector.status(filed.agency_ref)
    assert (again.seq, len(again.events)) == (after.seq, len(after.events))
    case = (await agency.staff.get(f"/staff/applications/{filed.agency_ref}")).json()
    assert len(case["payments"]) == 1
    with pytest.raises(AgencyRejected) as caught:
        await agency.connector.payment_received(
            filed.agency_ref, replace(paid, idempotency_key="pay-2:agency")
        )
    assert caught.value.code == "already_paid"
    assert not caught.value.retryable


async def test_what_the_case_does_not_wait_for_is_a_refusal(agency: Agency) -> None:
    filed = await agency.file("dlt-driving-licence-renewal")
    number = agency.filed[-1]
    with pytest.raises(AgencyRejected) as caught:
        await agency.connector.payment_received(filed.agency_ref, notice(filed, number))
    assert caught.value.code == "not_awaiting_payment"  # not approved yet
    await agency.act(filed.agency_ref, "approve")
    short = notice(filed, number, amount_satang=500, fees=(Fee("ค่าคำขอ", 500),))
    with pytest.raises(AgencyRejected) as caught:
        await agency.connector.payment_received(filed.agency_ref, short)
    assert caught.value.code == "amount_mismatch"
    elsewhere = notice(filed, "DLT-2568-999999")
    with pytest.raises(AgencyRejected) as caught:
        await agency.connector.payment_received(filed.agency_ref, elsewhere)
    assert caught.value.code == "reference_mismatch"
    with pytest.raises(AgencyRejected) as caught:
        await agency.connector.payment_received("DLT-R-999999", notice(filed, number))
    assert caught.value.code == "not_found"
    status = await agency.connector.status(filed.agency_ref)
    assert status.status is AgencyStatus.AWAITING_PAYMENT  # nothing was recorded


@pytest.mark.parametrize("agency", ["RD"], indirect=True)
async def test_rd_records_tax_paid_at_filing_and_the_case_goes_on(agency: Agency) -> None:
    form = {"tax_year": 2567, "return_type": "PND91", "other_income_satang": 200_000_000}
    filed = await agency.file("rd-personal-income-tax-efiling", form)
    assert [fee.amount_satang > 0 for fee in filed.fees] == [True]

    await agency.connector.payment_received(
        filed.agency_ref, notice(filed, agency.filed[-1], receipt_number="RC-RD-000001")
    )

    status = await agency.connector.status(filed.agency_ref)
    assert (status.status, status.seq) == (AgencyStatus.RECEIVED, 1)  # no status change
    case = (await agency.staff.get(f"/staff/applications/{filed.agency_ref}")).json()
    assert case["fees_paid"] is True


# -- the exchange itself (a scripted agency) -----------------------------------------------------


def scripted(
    *answers: httpx.Response | Exception,
) -> tuple[CaseworkConnector, list[httpx.Request]]:
    """A connector whose payment calls get `answers` in turn (validate always succeeds)."""
    seen: list[httpx.Request] = []
    queue = list(answers)

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gdx/auth/validate"):
            return httpx.Response(200, json={"Result": "token-1"})
        seen.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return CaseworkConnector(config(), transport=httpx.MockTransport(route)), seen


PAID = PaymentNotice(
    idempotency_key="app-1:payment",
    reference="DLT-2568-000001",
    payment_id="PAY-1",
    receipt_number="RC-1",
    amount_satang=50500,
    fees=(Fee("ค่าธรรมเนียม", 50000), Fee("ค่าคำขอ", 500)),
    paid_at=T0,
    channel="7-eleven",
)
RECORDED = httpx.Response(
    201, json={"agency_ref": "DLT-R-1", "status": "approved", "seq": 4, "payment": {}}
)


async def test_the_documented_request_with_the_idempotency_key() -> None:
    connector, seen = scripted(RECORDED)
    await connector.payment_received("DLT-R-1/../x", PAID)
    request = seen[0]
    assert request.method == "POST"
    assert request.url.raw_path == b"/dlt/api/v1/applications/DLT-R-1%2F..%2Fx/payments"
    assert request.headers["idempotency-key"] == "app-1:payment"
    assert (request.headers["consumer-key"], request.headers["token"]) == ("gateway-key", "token-1")
    assert json.loads(request.content) == {
        "idempotency_key": "app-1:payment",
        "reference": "DLT-2568-000001",
        "payment_id": "PAY-1",
        "receipt_number": "RC-1",
        "amount_satang": 50500,
        "fees": [
            {"label": "ค่าธรรมเนียม", "amount_satang": 50000},
            {"label": "ค่าคำขอ", "amount_satang": 500},
        ],
        "paid_at": "2025-03-03T02:00:00+00:00",
        "channel": "7-eleven",
    }
    await connector.aclose()


async def test_already_paid_with_our_own_key_is_done_and_with_another_a_refusal() -> None:
    ours = httpx.Response(
        409,
        json={"error": "already_paid", "message": "paid", "idempotency_key": "app-1:payment"},
    )
    connector, seen = scripted(ours)
    await connector.payment_received("DLT-R-1", PAID)  # no error: our payment is on record
    assert len(seen) == 1
    await connector.aclose()

    theirs = httpx.Response(
        409, json={"error": "already_paid", "message": "paid", "idempotency_key": "other"}
    )
    for answer in (theirs, httpx.Response(409, json={"error": "already_paid", "message": "p"})):
        connector, _ = scripted(answer)
        with pytest.raises(AgencyRejected) as caught:
            await connector.payment_received("DLT-R-1", PAID)
        assert caught.value.code == "already_paid"
        await connector.aclose()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(503, json={"error": "down", "message": "down"}), AgencyUnavailable),
        (httpx.Response(500, text="oops"), AgencyUnavailable),
        (httpx.ConnectError("refused"), AgencyUnavailable),
        (httpx.ReadTimeout("slow"), AgencyUnavailable),
        (
            httpx.Response(409, json={"error": "invalid_transition", "message": "no"}),
            AgencyRejected,
        ),
        (httpx.Response(409, text="<html>conflict</html>"), AgencyMisconfigured),
        (httpx.Response(201, json={"status": "approved"}), AgencyMisconfigured),
        (httpx.Response(204), AgencyMisconfigured),
    ],
)
async def test_failures_map_onto_the_connector_errors(
    answer: httpx.Response | Exception, error: type[Exception]
) -> None:
    connector, _ = scripted(answer)
    with pytest.raises(error):
        await connector.payment_received("DLT-R-1", PAID)
    await connector.aclose()


async def test_the_gateways_policy_retries_an_outage_with_the_same_key() -> None:
    outage = httpx.Response(503, json={"error": "down", "message": "down"})
    connector, seen = scripted(outage, outage, RECORDED)
    policy = AgencyPolicy.from_config(
        config(policy=PolicyConfig(max_attempts=3, base_delay_seconds=0.0))
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    def call() -> Awaitable[None]:
        return connector.payment_received("DLT-R-1", PAID)

    await policy.call(call, sleep=sleep)
    assert len(seen) == 3
    assert {request.headers["idempotency-key"] for request in seen} == {"app-1:payment"}
    assert len(slept) == 2
    await connector.aclose()
