"""The Agency Case API v1 client against a fake agency served in-process.

The contract is docs/agency-integration.md, "The API-kind agency back end".
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fake_case_agency import AGENT, KEY, PDF, SECRET, T0, FakeAgency, config, error
from starlette.responses import Response

from connectors import (
    AgencyMisconfigured,
    AgencyRejected,
    AgencyStatus,
    AgencyUnavailable,
    Applicant,
    AttachmentRef,
    Cancels,
    Connector,
    Fee,
    IssuesDocuments,
    NotOurCase,
    ProvidesOnceOnlyData,
    Submission,
)
from connectors.api.casework import CaseworkConnector


def submission(key: str = "app-1:submit", **changes: Any) -> Submission:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "application_id": "app-1",
        "application_number": "DLT-2568-000001",
        "service_id": "dlt-driving-licence-renewal",
        "unit_code": "1000",
        "applicant": Applicant(
            pid="1101700230705",
            first_name_th="สมชาย",
            last_name_th="ใจดี",
            birth_date="1987-01-16",
            address_th="กรุงเทพมหานคร",
        ),
        "form": {"digital_licence": True},
        "attachments": [
            AttachmentRef(
                document="medical-certificate",
                filename="medical.pdf",
                media_type="application/pdf",
                size=1234,
                sha256="ab" * 32,
                url="http://gateway.test/v1/agency/attachments/xyz",
            )
        ],
        "arrived_at": T0,
        "deemed_received_at": T0 + dt.timedelta(hours=1),
        "callback_url": "http://gateway.test/v1/agency/callbacks/DLT",
        **changes,
    }
    return Submission(**fields)


@pytest.fixture
def agency() -> FakeAgency:
    return FakeAgency()


@pytest.fixture
async def connector(agency: FakeAgency) -> AsyncIterator[CaseworkConnector]:
    connector = CaseworkConnector(config(), transport=agency.transport())
    yield connector
    await connector.aclose()


async def answering(handler: Callable[[httpx.Request], httpx.Response]) -> CaseworkConnector:
    """A connector whose every API call (after a good validate) gets `handler`'s answer."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gdx/auth/validate"):
            return httpx.Response(200, json={"Result": "token"})
        return handler(request)

    return CaseworkConnector(config(), transport=httpx.MockTransport(route))


# -- capabilities ---------------------------------------------------------------------------


async def test_it_is_a_connector_that_cancels_and_issues_documents(
    connector: CaseworkConnector,
) -> None:
    assert isinstance(connector, Connector)
    assert isinstance(connector, Cancels)
    assert isinstance(connector, IssuesDocuments)
    assert not isinstance(connector, ProvidesOnceOnlyData)  # the agency modules add that
    assert connector.agency_code == "DLT"


# -- credentials ----------------------------------------------------------------------------


async def test_one_validated_token_serves_every_call(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    await connector.submit(submission())
    await connector.status("DLT-00001")
    await connector.health()

    validate = agency.seen[0]
    assert validate.path == "/dlt/gdx/auth/validate"
    assert validate.headers["consumer-key"] == KEY
    assert validate.headers["consumer-secret"] == SECRET  # in a header: URLs end up in logs
    assert validate.query == {"AgentID": AGENT}
    assert agency.validations == 1
    calls = agency.api_calls()
    assert len(calls) == 3
    assert all(c.headers["consumer-key"] == KEY for c in calls)
    assert all(c.headers["token"] == "token-1" for c in calls)


async def test_credentials_in_query_sends_the_legacy_form(agency: FakeAgency) -> None:
    """What a team facing a legacy data exchange configures: ?ConsumerSecret=… (which
    certification reports as secret-in-url)."""
    connector = CaseworkConnector(
        config(options={"credentials_in": "query"}), transport=agency.transport()
    )
    try:
        await connector.health()
    finally:
        await connector.aclose()

    validate = agency.seen[0]
    assert validate.query == {"ConsumerSecret": SECRET, "AgentID": AGENT}
    assert "consumer-secret" not in validate.headers


def test_an_unknown_credentials_option_is_misconfigured() -> None:
    with pytest.raises(AgencyMisconfigured, match="credentials_in"):
        CaseworkConnector(config(options={"credentials_in": "body"}))


def test_production_refuses_an_agency_over_plain_http() -> None:
    """require_tls (the gateway sets it in production): an http:// agency is refused before
    anything is sent; an https:// one is taken."""
    with pytest.raises(AgencyMisconfigured, match="TLS is required"):
        CaseworkConnector(config(require_tls=True))
    CaseworkConnector(config(require_tls=True, base_url="https://agencies.test/dlt"))


async def test_a_lapsed_token_is_renewed_once_and_the_call_goes_through(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    result = await connector.submit(submission())
    agency.forget_tokens()

    report = await connector.status(result.agency_ref)

    assert report.agency_ref == result.agency_ref
    assert agency.validations == 2
    assert agency.api_calls()[-1].headers["token"] == "token-2"


async def test_concurrent_calls_renew_a_lapsed_token_only_once(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    result = await connector.submit(submission())
    agency.forget_tokens()

    reports = await asyncio.gather(*(connector.status(result.agency_ref) for _ in range(5)))

    assert {r.agency_ref for r in reports} == {result.agency_ref}
    assert agency.validations == 2


async def test_a_refused_fresh_token_is_a_misconfiguration(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    agency.refuse_tokens = True

    with pytest.raises(AgencyMisconfigured, match="freshly validated token"):
        await connector.submit(submission())
    assert agency.validations == 2  # renewed once, then gave up
    assert len(agency.api_calls()) == 2


async def test_a_wrong_consumer_secret_is_a_misconfiguration(agency: FakeAgency) -> None:
    connector = CaseworkConnector(
        config(consumer_secret="not-the-secret"), transport=agency.transport()
    )
    with pytest.raises(AgencyMisconfigured, match="invalid_consumer"):
        await connector.submit(submission())
    assert agency.api_calls() == []
    await connector.aclose()


# -- submit ---------------------------------------------------------------------------------


async def test_submit_sends_the_documented_body_with_the_idempotency_key(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    result = await connector.submit(submission())

    call = agency.api_calls()[0]
    assert (call.method, call.path) == ("POST", "/dlt/api/v1/applications")
    assert call.headers["idempotency-key"] == "app-1:submit"
    assert call.body == {
        "application_number": "DLT-2568-000001",
        "application_id": "app-1",
        "service_id": "dlt-driving-licence-renewal",
        "unit_code": "1000",
        "applicant": {
            "pid": "1101700230705",
            "first_name_th": "สมชาย",
            "last_name_th": "ใจดี",
            "birth_date": "1987-01-16",
            "address_th": "กรุงเทพมหานคร",
        },
        "form": {"digital_licence": True},
        "attachments": [
            {
                "document": "medical-certificate",
                "filename": "medical.pdf",
                "media_type": "application/pdf",
                "size": 1234,
                "sha256": "ab" * 32,
                "url": "http://gateway.test/v1/agency/attachments/xyz",
            }
        ],
        "arrived_at": "2025-03-03T02:00:00+00:00",
        "deemed_received_at": "2025-03-03T03:00:00+00:00",
        "callback_url": "http://gateway.test/v1/agency/callbacks/DLT",
    }
    assert result.agency_ref == "DLT-00001"
    assert result.status is AgencyStatus.RECEIVED
    assert result.received_at == T0
    assert result.received_at.tzinfo is not None
    assert result.seq == 1
    assert result.unit_code is None
    assert result.fees == (Fee("licence fee", 50500),)


async def test_the_same_key_again_gets_the_first_answer_and_files_once(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    first = await connector.submit(submission())
    again = await connector.submit(submission())
    other = await connector.submit(submission(key="app-2:submit", application_id="app-2"))

    assert again == first
    assert other.agency_ref != first.agency_ref
    assert len(agency.cases) == 2
    assert [c.headers["idempotency-key"] for c in agency.api_calls()] == [
        "app-1:submit",
        "app-1:submit",
        "app-2:submit",
    ]


async def test_a_case_for_another_office_comes_back_forwarded_within_the_agency(
    connector: CaseworkConnector,
) -> None:
    result = await connector.submit(submission(unit_code="1001"))

    assert result.status is AgencyStatus.FORWARDED_WITHIN_AGENCY
    assert result.unit_code == "1002"


async def test_forwarded_within_agency_without_the_office_breaks_the_contract() -> None:
    connector = await answering(
        lambda _: httpx.Response(
            201,
            json={
                "agency_ref": "R1",
                "status": "forwarded_within_agency",
                "received_at": T0.isoformat(),
                "seq": 1,
            },
        )
    )
    with pytest.raises(AgencyMisconfigured, match="unit_code"):
        await connector.submit(submission())
    await connector.aclose()


async def test_not_our_case_names_the_responsible_agency(connector: CaseworkConnector) -> None:
    with pytest.raises(NotOurCase) as caught:
        await connector.submit(submission(service_id="sso-unemployment"))

    assert caught.value.responsible_agency == "SSO"
    assert caught.value.code == "not_our_case"
    assert caught.value.agency == "DLT"
    assert isinstance(caught.value, AgencyRejected)  # a refusal: never retried


async def test_not_our_case_without_the_responsible_agency_breaks_the_contract(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    agency.canned.append(error(422, "not_our_case"))
    with pytest.raises(AgencyMisconfigured, match="responsible_agency"):
        await connector.submit(submission())


# -- error mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "invalid_form"),
        (404, "unknown_service"),
        (409, "duplicate_application"),
        (422, "not_eligible"),
    ],
)
async def test_a_refusal_is_agency_rejected_with_its_code(
    agency: FakeAgency, connector: CaseworkConnector, status: int, code: str
) -> None:
    agency.canned.append(error(status, code, "ไม่รับคำขอ"))

    with pytest.raises(AgencyRejected) as caught:
        await connector.submit(submission())

    assert type(caught.value) is AgencyRejected
    assert caught.value.code == code
    assert caught.value.message == "ไม่รับคำขอ"


async def test_a_refusal_in_fastapi_detail_form_is_read_too(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    agency.canned.append(Response(b'{"detail": {"error": "invalid_form", "message": "x"}}', 400))
    with pytest.raises(AgencyRejected) as caught:
        await connector.submit(submission())
    assert caught.value.code == "invalid_form"


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_busy_or_failing_agencies_are_unavailable(
    agency: FakeAgency, connector: CaseworkConnector, status: int
) -> None:
    agency.canned.append(error(status, "busy"))
    with pytest.raises(AgencyUnavailable) as caught:
        await connector.submit(submission())
    assert caught.value.retryable


async def test_retry_after_is_passed_on(agency: FakeAgency, connector: CaseworkConnector) -> None:
    agency.canned.append(Response(b'{"error": "slow_down"}', 429, {"Retry-After": "7"}))
    with pytest.raises(AgencyUnavailable) as caught:
        await connector.submit(submission())
    assert caught.value.retry_after == 7.0


async def test_a_4xx_without_an_error_code_is_a_misconfiguration(
    agency: FakeAgency,
) -> None:
    # the base URL misses the agency's prefix: the host answers a bare 404
    connector = CaseworkConnector(
        config(base_url="http://agencies.test/dlt/wrong"), transport=agency.transport()
    )
    with pytest.raises(AgencyMisconfigured):
        await connector.status("DLT-00001")
    await connector.aclose()


async def test_403_is_a_misconfiguration(agency: FakeAgency, connector: CaseworkConnector) -> None:
    agency.canned.append(error(403, "forbidden_scope"))
    with pytest.raises(AgencyMisconfigured, match="forbidden_scope"):
        await connector.status("DLT-00001")


async def test_a_garbled_reply_is_unavailable(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    # what the mock agencies' malformed_rate fault sends: worth a retry with the same key
    agency.canned.append(Response(b'{"status": "ok", "resu', 200, media_type="application/json"))
    with pytest.raises(AgencyUnavailable, match="garbled"):
        await connector.submit(submission())


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"status": "received", "received_at": T0.isoformat(), "seq": 1}, "agency_ref"),
        ({"agency_ref": "R", "status": "received", "received_at": T0.isoformat()}, "seq"),
        ({"agency_ref": "R", "status": "filed", "received_at": T0.isoformat(), "seq": 1}, "status"),
        (
            {"agency_ref": "R", "status": "received", "received_at": "2025-03-03T09:00", "seq": 1},
            "received_at",
        ),
        (
            {"agency_ref": "R", "status": "received", "received_at": "yesterday", "seq": 1},
            "received_at",
        ),
        (
            {"agency_ref": "R", "status": "received", "received_at": T0.isoformat(), "seq": "1"},
            "seq",
        ),
        (
            {
                "agency_ref": "R",
                "status": "received",
                "received_at": T0.isoformat(),
                "seq": 1,
                "fees": [{"label": "fee", "amount_satang": 505.0}],
            },
            "amount_satang",
        ),
        (["not", "an", "object"], "object"),
    ],
)
async def test_an_answer_missing_documented_fields_is_a_misconfiguration(
    answer: Any, field: str
) -> None:
    connector = await answering(lambda _: httpx.Response(201, json=answer))
    with pytest.raises(AgencyMisconfigured, match=field):
        await connector.submit(submission())
    await connector.aclose()


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadError("connection reset"),
        httpx.ReadTimeout("too slow"),
        httpx.ConnectTimeout("too slow"),
        httpx.RemoteProtocolError("server hung up"),
    ],
)
async def test_network_failures_are_unavailable(failure: httpx.HTTPError) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    connector = CaseworkConnector(config(), transport=httpx.MockTransport(fail))
    with pytest.raises(AgencyUnavailable):
        await connector.submit(submission())
    await connector.aclose()


async def test_a_failure_after_validation_is_unavailable_too() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    connector = await answering(fail)
    with pytest.raises(AgencyUnavailable, match=r"no answer within 10\.0s"):
        await connector.status("R1")
    await connector.aclose()


# -- status, cancel, documents, health ------------------------------------------------------


async def test_status_events_come_in_seq_order_with_aware_times(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    result = await connector.submit(submission())
    agency.decide(result.agency_ref, "in_review")
    agency.decide(result.agency_ref, "needs_info", items=["medical-certificate"])
    agency.decide(result.agency_ref, "in_review")

    report = await connector.status(result.agency_ref)

    assert agency.api_calls()[-1].path == f"/dlt/api/v1/applications/{result.agency_ref}"
    assert report.status is AgencyStatus.IN_REVIEW
    assert report.seq == 4
    assert [e.seq for e in report.events] == [1, 2, 3, 4]
    assert [e.status for e in report.events] == [
        AgencyStatus.RECEIVED,
        AgencyStatus.IN_REVIEW,
        AgencyStatus.NEEDS_INFO,
        AgencyStatus.IN_REVIEW,
    ]
    assert report.events[2].data == {"items": ["medical-certificate"]}
    assert report.events[1].at == T0 + dt.timedelta(hours=1)
    assert all(e.at.tzinfo is not None for e in report.events)
    assert report.updated_at == T0 + dt.timedelta(hours=3)


async def test_status_of_an_unknown_case_is_rejected(connector: CaseworkConnector) -> None:
    with pytest.raises(AgencyRejected) as caught:
        await connector.status("DLT-99999")
    assert caught.value.code == "unknown_case"


async def test_a_reference_cannot_reach_another_path() -> None:
    sent: list[bytes] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.raw_path)
        return httpx.Response(404, json={"error": "unknown_case"})

    connector = await answering(record)
    with pytest.raises(AgencyRejected):
        await connector.status("../documents/DOC-1")
    assert sent == [b"/dlt/api/v1/applications/..%2Fdocuments%2FDOC-1"]
    await connector.aclose()


async def test_cancel_returns_the_cancelled_event(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    result = await connector.submit(submission())

    event = await connector.cancel(result.agency_ref)

    cancel, look_up = agency.api_calls()[-2:]
    assert (cancel.method, cancel.path) == (
        "POST",
        f"/dlt/api/v1/applications/{result.agency_ref}/cancel",
    )
    assert (look_up.method, look_up.path) == (
        "GET",
        f"/dlt/api/v1/applications/{result.agency_ref}",
    )
    assert event.status is AgencyStatus.CANCELLED
    assert event.seq == 2
    assert event.at == T0 + dt.timedelta(hours=1)  # the agency's time, from the case's events
    assert agency.cases[result.agency_ref]["events"][-1]["status"] == "cancelled"


async def test_a_decided_case_cannot_be_cancelled(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    result = await connector.submit(submission())
    agency.decide(result.agency_ref, "approved")

    with pytest.raises(AgencyRejected) as caught:
        await connector.cancel(result.agency_ref)
    assert caught.value.code == "already_decided"


async def test_cancel_takes_the_agency_time_when_given() -> None:
    at = "2025-03-04T10:00:00+07:00"
    connector = await answering(
        lambda _: httpx.Response(200, json={"status": "cancelled", "seq": 3, "at": at, "by": "x"})
    )
    event = await connector.cancel("R1")
    assert event.at == dt.datetime.fromisoformat(at)
    assert event.data == {"by": "x"}
    await connector.aclose()


async def test_cancel_falls_back_to_the_clock_when_the_agency_gives_no_time() -> None:
    class Clock:
        def now(self) -> dt.datetime:
            return T0 + dt.timedelta(days=1)

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gdx/auth/validate"):
            return httpx.Response(200, json={"Result": "token"})
        if request.url.path.endswith("/cancel"):
            return httpx.Response(200, json={"status": "cancelled", "seq": 2})
        return httpx.Response(503, json={"error": "outage"})  # the status look-up fails

    connector = CaseworkConnector(config(), httpx.MockTransport(route), clock=Clock())
    event = await connector.cancel("R1")
    assert (event.seq, event.at) == (2, T0 + dt.timedelta(days=1))
    await connector.aclose()


async def test_document_returns_the_issued_bytes(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    assert await connector.document("DOC-1") == PDF
    assert agency.api_calls()[-1].path == "/dlt/api/v1/documents/DOC-1"
    with pytest.raises(AgencyRejected) as caught:
        await connector.document("DOC-404")
    assert caught.value.code == "unknown_document"


async def test_health_reports_without_raising(
    agency: FakeAgency, connector: CaseworkConnector
) -> None:
    healthy = await connector.health()
    agency.canned.append(error(503, "outage"))
    outage = await connector.health()
    agency.refuse_tokens = True
    refused = await connector.health()

    assert healthy.ok
    assert not outage.ok
    assert "AgencyUnavailable" in outage.detail
    assert not refused.ok
    assert "AgencyMisconfigured" in refused.detail
