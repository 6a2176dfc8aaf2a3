"""The data-exchange API every API-kind mock agency shares, as the gateway's connector sees it:
tokens, filing once per idempotency key, office routing (R-10.5), refusing another agency's
case (R-10.6), status with events, cancel, documents, and the host's fault knobs."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from casework_support import (
    AGENT_ID,
    BANGKOK_ADDRESS,
    CHIANG_MAI_ADDRESS,
    CHON_BURI_ADDRESS,
    KEY,
    OTHER_KEY,
    OTHER_SECRET,
    PHUKET_ADDRESS,
    SECRET,
    SOMCHAI,
    Served,
    assert_error,
    filing,
    serving,
)

from mock_agencies.app import create_app as create_host
from mock_agencies.casework import Rules
from mock_agencies.dlt import app as dlt
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

RENEWAL = "dlt-driving-licence-renewal"
MINUTE = 60.0


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    # DLT approves at once here (fees not collected): these tests are about cases and their
    # documents; fees and payments have their own (test_casework_payments.py).
    async with serving(dlt, "DLT", rules=Rules(collect_fees=False)) as served:
        yield served


# --- the data-exchange door ---------------------------------------------------------------


async def test_a_consumer_gets_a_token_and_a_wrong_secret_gets_nothing(agency: Served) -> None:
    assert await agency.token()
    refused = await agency.client.get(
        "/dlt/gdx/auth/validate",
        params={"ConsumerSecret": "wrong", "AgentID": AGENT_ID},
        headers={"Consumer-Key": KEY},
    )
    assert_error(refused, 401, "unauthorised")
    assert refused.headers["WWW-Authenticate"].startswith("Token ")
    no_agent = await agency.client.get(
        "/dlt/gdx/auth/validate",
        params={"ConsumerSecret": SECRET, "AgentID": "1234"},
        headers={"Consumer-Key": KEY},
    )
    assert_error(no_agent, 400, "invalid_agent_id")


@pytest.mark.parametrize(
    "path",
    [
        "/dlt/api/v1/applications/DLT-R-000001",
        "/dlt/api/v1/documents/DLT-DOC-000001",
        "/dlt/api/v1/licences/1100100001014",
    ],
)
async def test_nothing_but_health_answers_without_a_live_token(agency: Served, path: str) -> None:
    assert_error(await agency.client.get(path), 401, "unauthorised")
    forged = {"Consumer-Key": KEY, "Token": "not-a-token"}
    assert_error(await agency.client.get(path, headers=forged), 401, "unauthorised")
    other_token = await agency.token(OTHER_KEY, OTHER_SECRET)
    borrowed = {"Consumer-Key": KEY, "Token": other_token}
    assert_error(await agency.client.get(path, headers=borrowed), 401, "unauthorised")
    health = await agency.client.get("/dlt/api/v1/health")
    assert health.json() == {"status": "ok", "agency": "DLT"}


async def test_a_filing_needs_a_token_before_anything_else(agency: Served) -> None:
    response = await agency.client.post(
        "/dlt/api/v1/applications", json=filing(RENEWAL), headers={"Idempotency-Key": "k"}
    )
    assert_error(response, 401, "unauthorised")
    assert (await agency.client.get("/dlt/staff/applications")).json()["applications"] == []


async def test_a_token_lapses_after_sixty_idle_minutes_and_use_keeps_it_alive(
    agency: Served,
) -> None:
    headers = await agency.headers()
    licence = "/dlt/api/v1/licences/1100100001014"
    for _ in range(3):  # every use restarts the idle window
        agency.clock.advance(59 * MINUTE)
        assert (await agency.client.get(licence, headers=headers)).status_code == 200
    agency.clock.advance(60 * MINUTE)
    assert_error(await agency.client.get(licence, headers=headers), 401, "token_expired")
    # once lapsed it is forgotten; a new token works
    assert_error(await agency.client.get(licence, headers=headers), 401, "unauthorised")
    assert (await agency.client.get(licence, headers=await agency.headers())).status_code == 200


# --- filing -------------------------------------------------------------------------------


async def test_a_filing_is_received_with_its_fees_and_its_first_event(agency: Served) -> None:
    body = filing(RENEWAL, unit_code="DLT_BKK_AREA1")
    response = await agency.submit(body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["agency_ref"].startswith("DLT-R-")
    assert answer["status"] == "received"
    assert answer["seq"] == 1
    assert answer["unit_code"] == "DLT_BKK_AREA1"
    assert answer["received_at"].startswith("2025-10-09T")  # the agency's (fake) clock
    assert sum(fee["amount_satang"] for fee in answer["fees"]) == 50500
    assert all(fee["label"] and fee["label_en"] for fee in answer["fees"])

    case = await agency.client.get(
        f"/dlt/api/v1/applications/{answer['agency_ref']}", headers=await agency.headers()
    )
    assert case.status_code == 200
    view = case.json()
    assert view["agency_ref"] == answer["agency_ref"]
    assert view["application_number"] == body["application_number"]
    assert (view["status"], view["seq"]) == ("received", 1)
    assert view["events"] == [
        {
            "seq": 1,
            "at": answer["received_at"],
            "status": "received",
            "data": {"unit_code": "DLT_BKK_AREA1"},
        }
    ]
    assert view["updated_at"] == answer["received_at"]


async def test_the_same_key_again_answers_the_first_answer_and_files_nothing_new(
    agency: Served,
) -> None:
    body = filing(RENEWAL)
    first = await agency.submit(body, key="app-42:submit")
    assert first.status_code == 201
    agency.clock.advance(120)
    again = await agency.submit(body, key="app-42:submit")
    assert again.status_code == 200
    assert again.json() == first.json()
    cases = (await agency.client.get("/dlt/staff/applications")).json()["applications"]
    assert [case["agency_ref"] for case in cases] == [first.json()["agency_ref"]]


async def test_the_same_key_with_another_body_is_a_conflict(agency: Served) -> None:
    body = filing(RENEWAL)
    first = await agency.submit(body, key="app-7:submit")
    changed = {**body, "form": {"appointment_period": "morning"}}
    conflict = await agency.submit(changed, key="app-7:submit")
    refused = assert_error(conflict, 409, "idempotency_conflict")
    assert refused["agency_ref"] == first.json()["agency_ref"]
    assert len((await agency.client.get("/dlt/staff/applications")).json()["applications"]) == 1


async def test_keys_belong_to_their_consumer(agency: Served) -> None:
    first = await agency.submit(filing(RENEWAL), key="shared-key")
    theirs = await agency.submit(
        filing(RENEWAL), key="shared-key", headers=await agency.headers(OTHER_KEY, OTHER_SECRET)
    )
    assert theirs.status_code == 201
    assert theirs.json()["agency_ref"] != first.json()["agency_ref"]


async def test_a_filing_without_a_key_or_with_a_bad_body_is_refused(agency: Served) -> None:
    headers = await agency.headers()
    no_key = await agency.client.post(
        "/dlt/api/v1/applications", json=filing(RENEWAL), headers=headers
    )
    assert_error(no_key, 400, "idempotency_key_required")
    not_json = await agency.client.post(
        "/dlt/api/v1/applications",
        content=b"{nope",
        headers={**headers, "Idempotency-Key": "k1"},
    )
    assert_error(not_json, 400, "invalid_request")
    bad_pid = filing(RENEWAL)
    bad_pid["applicant"]["pid"] = "1100100001015"  # wrong check digit
    refused = assert_error(await agency.submit(bad_pid), 400, "invalid_request")
    assert refused["errors"][0]["field"] == "applicant/pid"
    no_number = {k: v for k, v in filing(RENEWAL).items() if k != "application_number"}
    assert_error(await agency.submit(no_number), 400, "invalid_request")
    assert (await agency.client.get("/dlt/staff/applications")).json()["applications"] == []


# --- routing (R-10.5, R-10.6) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit_code", "address", "extra", "status", "handled_by"),
    [
        ("DLT_HQ", CHIANG_MAI_ADDRESS, {}, "forwarded_within_agency", "DLT_CNX"),
        ("DLT_BKK_AREA1", PHUKET_ADDRESS, {}, "forwarded_within_agency", "DLT_PKT"),
        ("DLT_CNX", CHON_BURI_ADDRESS, {}, "forwarded_within_agency", "DLT_HQ"),  # no local
        ("DLT_BKK_AREA1", BANGKOK_ADDRESS, {"province_code": "TH-40"}, "forwarded_within_agency",
         "DLT_KKN"),  # an explicit province code wins over the address
        ("DLT_CNX", CHIANG_MAI_ADDRESS, {}, "received", "DLT_CNX"),
        (None, PHUKET_ADDRESS, {}, "received", "DLT_PKT"),  # addressed to no office
        ("DLT_PKT", None, {}, "received", "DLT_PKT"),  # no province known: trusted
    ],
)  # fmt: skip
async def test_a_filing_at_the_wrong_office_is_forwarded_to_the_right_one(
    agency: Served,
    unit_code: str | None,
    address: str | None,
    extra: dict[str, str],
    status: str,
    handled_by: str,
) -> None:
    response = await agency.submit(filing(RENEWAL, unit_code=unit_code, address=address, **extra))
    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["status"], answer["unit_code"]) == (status, handled_by)
    case = await agency.case(answer["agency_ref"])
    assert case["events"][0]["status"] == status
    assert case["events"][0]["data"]["unit_code"] == handled_by
    if status == "forwarded_within_agency":
        assert case["events"][0]["data"]["from_unit_code"] == unit_code


@pytest.mark.parametrize(
    ("service_id", "responsible"),
    [("sso-unemployment-benefit", "SSO"), ("rd-personal-income-tax-efiling", "RD"),
     ("bma-building-permit", "BMA")],
)  # fmt: skip
async def test_another_agencys_case_is_refused_naming_the_agency(
    agency: Served, service_id: str, responsible: str
) -> None:
    refused = assert_error(await agency.submit(filing(service_id)), 422, "not_our_case")
    assert refused["responsible_agency"] == responsible
    assert (await agency.client.get("/dlt/staff/applications")).json()["applications"] == []


async def test_an_unknown_service_is_refused(agency: Served) -> None:
    assert_error(await agency.submit(filing("dlt-appointment-booking")), 422, "unknown_service")
    assert_error(await agency.submit(filing("no-such-thing")), 422, "unknown_service")


# --- reading, cancelling ------------------------------------------------------------------


async def test_a_consumer_reads_only_its_own_cases(agency: Served) -> None:
    ref = await agency.filed(filing(RENEWAL))
    theirs = await agency.headers(OTHER_KEY, OTHER_SECRET)
    assert_error(
        await agency.client.get(f"/dlt/api/v1/applications/{ref}", headers=theirs),
        404,
        "not_found",
    )
    assert_error(
        await agency.client.post(f"/dlt/api/v1/applications/{ref}/cancel", headers=theirs),
        404,
        "not_found",
    )
    assert (await agency.case(ref))["status"] == "received"


async def test_cancel_closes_an_open_case_once_and_not_a_decided_one(agency: Served) -> None:
    headers = await agency.headers()
    ref = await agency.filed(filing(RENEWAL))
    assert (await agency.staff(ref, "accept")).status_code == 200
    cancelled = await agency.client.post(
        f"/dlt/api/v1/applications/{ref}/cancel", headers=headers, json={"reason": "withdrawn"}
    )
    assert cancelled.status_code == 200
    assert cancelled.json() == {"agency_ref": ref, "status": "cancelled", "seq": 3}
    again = await agency.client.post(f"/dlt/api/v1/applications/{ref}/cancel", headers=headers)
    assert again.json() == {"agency_ref": ref, "status": "cancelled", "seq": 3}
    case = await agency.case(ref)
    assert [e["status"] for e in case["events"]] == ["received", "in_review", "cancelled"]
    assert case["events"][-1]["data"]["reason"] == "withdrawn"
    assert_error(await agency.staff(ref, "approve"), 409, "invalid_transition")

    decided = await agency.filed(filing(RENEWAL))
    assert (await agency.staff(decided, "approve")).status_code == 200
    refused = await agency.client.post(
        f"/dlt/api/v1/applications/{decided}/cancel", headers=headers
    )
    assert_error(refused, 409, "not_cancellable")
    assert (await agency.case(decided))["status"] == "approved"


async def test_unknown_cases_are_not_found(agency: Served) -> None:
    headers = await agency.headers()
    for response in (
        await agency.client.get("/dlt/api/v1/applications/DLT-R-999999", headers=headers),
        await agency.client.post("/dlt/api/v1/applications/DLT-R-999999/cancel", headers=headers),
        await agency.client.get("/dlt/staff/applications/DLT-R-999999"),
        await agency.staff("DLT-R-999999", "accept"),
    ):
        assert_error(response, 404, "not_found")


# --- documents ----------------------------------------------------------------------------


async def test_an_approved_case_has_its_document_as_a_pdf(agency: Served) -> None:
    headers = await agency.headers()
    ref = await agency.filed(filing(RENEWAL, pid=SOMCHAI))
    assert (await agency.case(ref))["document_id"] is None
    approved = (await agency.staff(ref, "approve")).json()
    data = approved["events"][-1]["data"]
    document_id = approved["document_id"]
    assert data["document_id"] == document_id
    assert data["document_media_type"] == "application/pdf"
    response = await agency.client.get(f"/dlt/api/v1/documents/{document_id}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert ref.encode() in pdf
    assert hashlib.sha256(pdf).hexdigest() == data["document_sha256"]
    # the cross-reference table points at each object
    xref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref:].startswith(b"xref")
    theirs = await agency.headers(OTHER_KEY, OTHER_SECRET)
    assert_error(
        await agency.client.get(f"/dlt/api/v1/documents/{document_id}", headers=theirs),
        404,
        "not_found",
    )
    assert_error(
        await agency.client.get("/dlt/api/v1/documents/DLT-DOC-999999", headers=headers),
        404,
        "not_found",
    )


# --- the host's fault knobs ---------------------------------------------------------------


async def test_the_hosts_fault_knobs_apply_to_each_agency_on_its_own() -> None:
    apps = {
        "DLT": dlt.create_app(consumers={KEY: SECRET}, callback_secret="x" * 32),
        "SSO": sso.create_app(consumers={KEY: SECRET}, callback_secret="x" * 32),
        "RD": rd.create_app(consumers={KEY: SECRET}, callback_secret="x" * 32),
    }
    host = create_host(apps, seed=3)
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        listed = (await client.get("/")).json()["agencies"]
        assert {a["code"] for a in listed} == {"DLT", "SSO", "RD"}
        assert (await client.put("/faults/DLT", json={"outage": True})).status_code == 200
        assert (await client.get("/dlt/api/v1/health")).status_code == 503
        assert (await client.get("/sso/api/v1/health")).status_code == 200
        await client.put("/faults/RD", json={"error_rate": 1.0})
        assert (await client.get("/rd/api/v1/health")).status_code == 500
        assert (await client.delete("/faults")).status_code == 204
        for code in ("dlt", "sso", "rd"):
            assert (await client.get(f"/{code}/api/v1/health")).json()["status"] == "ok"
