"""Certification findings (`connectors.certification.analysis`, `traffic`, `callbacks`): what a
run finds wrong in the traffic between a connector and its agency, and in the agency's
callbacks, as an agency team reads it.

Against the mock agencies in-process: every shipped connector is certified with only the
findings the seed agencies legitimately have (national IDs in read URLs, a local test agency
over plain HTTP); the casework mocks' fault profiles (`legacy`, `sloppy`) are found out. Then
each analyser on hand-built exchanges and callbacks, and the masking of evidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
import string
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from stdnum.th import pin
from support import free_port

from connectors import ConnectorConfig
from connectors.api.casework import CaseworkConnector
from connectors.api.dlt import DltConnector
from connectors.certification import (
    DEMO_APPLICANT,
    Certification,
    Check,
    FaultKnobs,
    Outcome,
    StaffBackOffice,
    Subject,
    builtin_sample,
    certify,
    html_report,
    markdown_report,
    note_finding,
    registered_connector,
    report_data,
    text_report,
)
from connectors.certification.analysis import (
    TlsProbe,
    callback_findings,
    not_idempotent,
    personal_data_in_url,
    plain_http,
    secret_in_url,
    server_error_for_refusal,
    slower_than_declared,
    slower_than_declared_finding,
    status_outside_vocabulary,
    tls_not_required,
)
from connectors.certification.callbacks import CallbackReceiver, ReceivedCallback
from connectors.certification.findings import FINDINGS, finding
from connectors.certification.results import Evidence, Finding, Severity, merge_findings
from connectors.certification.traffic import (
    EnvironmentNetwork,
    Exchange,
    Masker,
    TrafficRecorder,
    mask_pids,
    masker_for,
)
from connectors.config import PolicyConfig
from mock_agencies.app import create_app as create_host
from mock_agencies.bma.portal import AgencyCredentials
from mock_agencies.casework import Rules, environment_options
from mock_agencies.cgd import app as cgd
from mock_agencies.dlt import app as dlt
from mock_agencies.dop import app as dop
from mock_agencies.nhso import app as nhso
from mock_agencies.pea import app as pea
from mock_agencies.pwa import app as pwa
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

KEY, SECRET = "findings-test", "findings-test-secret-0123456789abc"
CALLBACK_SECRET = "findings-callback-secret-0123456789"
AGENT = "3100100000014"
CASEWORK = {"DLT": dlt, "SSO": sso, "RD": rd, "PEA": pea}
SHIPPED = ["DLT", "SSO", "RD", "PEA", "PWA", "CGD", "NHSO", "DOP"]
#: What every seed agency's run legitimately finds: the AgentID (an officer's national ID) in
#: validate's query and the citizen's in the read APIs' paths (medium), and a test agency at
#: http://agencies.test (info). Neither blocks.
BASELINE = {"personal-data-in-url": Severity.MEDIUM, "plain-http": Severity.INFO}


def mock_agency(code: str, rules: Rules | None = None, *, callbacks: bool = True) -> FastAPI:
    if code == "PWA":
        return pwa.create_app(consumers={KEY: SECRET})
    if code in ("CGD", "NHSO"):
        return {"CGD": cgd, "NHSO": nhso}[code].create_app(consumers={KEY: SECRET})
    if code == "DOP":
        return dop.create_app(
            AgencyCredentials(KEY, SECRET, CALLBACK_SECRET), "http://gateway.invalid"
        )
    app: FastAPI = CASEWORK[code].create_app(
        consumers={KEY: SECRET},
        callback_secret=CALLBACK_SECRET,
        rules=rules,
        send_callbacks=callbacks,
    )
    return app


def config(code: str, **options: str) -> ConnectorConfig:
    return ConnectorConfig(
        agency_code=code,
        base_url=f"http://agencies.test/{code.lower()}",
        consumer_key=KEY,
        consumer_secret=SecretStr(SECRET),
        agent_id=AGENT,
        policy=PolicyConfig(max_attempts=1),
        options=options,
    )


@contextlib.asynccontextmanager
async def against_mock(
    code: str,
    *,
    rules: Rules | None = None,
    callback_secret: str | None = CALLBACK_SECRET,
    connector_config: ConnectorConfig | None = None,
    callbacks: bool = True,
) -> AsyncIterator[Subject]:
    """`code`'s registered connector against its mock (callbacks on, to wherever the filing
    says), with the host's fault knobs and the mock's staff."""
    agency = mock_agency(code, rules, callbacks=callbacks)
    transport = httpx.ASGITransport(app=create_host({code: agency}, seed=1, device_app=None))
    settings = connector_config or config(code)
    connector, factory = registered_connector(settings, transport=transport)
    try:
        yield Subject(
            connector,
            settings,
            factory,
            builtin_sample(code) or pytest.fail(f"no sample for {code}"),
            transport=transport,
            outages=FaultKnobs("http://agencies.test/faults", transport),
            back_office=StaffBackOffice(settings.base_url, transport),
            callback_secret=callback_secret,
        )
    finally:
        await connector.aclose()
        if (casework := getattr(agency.state, "casework", None)) is not None:
            await casework.aclose()


def found(run: Certification) -> dict[str, Severity]:
    return {finding.finding_id: finding.severity for finding in run.findings}


def shown(run: Certification) -> str:
    """Everything a report prints: the checks' details, the findings and the notes."""
    return text_report(run) + markdown_report(run) + json.dumps(report_data(run))


def failing(run: Certification) -> set[str]:
    return {r.check_id for r in run.results if r.outcome in (Outcome.FAIL, Outcome.ERROR)}


# -- the shipped connectors and the mocks' fault profiles --------------------------------------


@pytest.mark.parametrize("code", SHIPPED)
async def test_every_shipped_connector_is_certified_with_only_the_baseline_findings(
    code: str,
) -> None:
    async with against_mock(code) as subject:
        run = await certify(subject)

    assert failing(run) == set(), [r.detail for r in run.results]
    assert found(run) == BASELINE
    assert run.blocking_findings == ()
    assert run.certified
    assert run.notes == ()  # callbacks (where the agency sends them) arrived and were judged
    assert SECRET not in shown(run)
    assert DEMO_APPLICANT.pid not in shown(run)
    assert AGENT not in shown(run)


async def test_the_callbacks_are_judged_with_the_callback_secret() -> None:
    """The same DLT run, told the wrong callback secret: every callback is unsigned for it."""
    async with against_mock("DLT", callback_secret="not-the-agencys-callback-secret") as subject:
        run = await certify(subject)

    assert set(found(run)) == set(BASELINE) | {"callback-unsigned"}
    unsigned = next(f for f in run.findings if f.finding_id == "callback-unsigned")
    assert "does not match the body" in unsigned.detail
    assert not run.certified
    assert run.checks_passed


async def test_without_a_callback_secret_the_report_says_signatures_went_unchecked() -> None:
    async with against_mock("DLT", callback_secret=None) as subject:
        run = await certify(subject)

    assert found(run) == BASELINE
    [note] = run.notes
    assert note.startswith("no callback secret given: callback signatures were not verified")
    # and every report says so
    assert f"Not judged:\n  {note}\n" in text_report(run)
    assert report_data(run)["notes"] == [note]
    assert "## Not judged" in markdown_report(run)
    assert "<h2>Not judged</h2>" in html_report(run)


async def test_an_agency_that_sends_no_callbacks_is_said_to_have_sent_none() -> None:
    async with against_mock("DLT", callbacks=False) as subject:
        run = await certify(subject)

    assert found(run) == BASELINE
    assert run.certified
    [note] = run.notes
    assert note.startswith("no callback arrived while")
    assert "callbacks not judged" in note


@pytest.mark.parametrize("code", list(CASEWORK))
async def test_the_legacy_profile_is_found_out(code: str) -> None:
    """Legacy: the consumer secret demanded in validate's query (the connector configured
    for it), business refusals answered HTTP 500 with their code."""
    async with against_mock(
        code,
        rules=Rules(profile="legacy"),
        connector_config=config(code, credentials_in="query"),
    ) as subject:
        run = await certify(subject)

    assert set(found(run)) == set(BASELINE) | {"secret-in-url", "server-error-for-refusal"}
    assert found(run)["secret-in-url"] is Severity.CRITICAL
    assert not run.certified
    assert SECRET not in shown(run)
    assert DEMO_APPLICANT.pid not in shown(run)
    assert AGENT not in shown(run)
    secret = next(f for f in run.findings if f.finding_id == "secret-in-url")
    assert "ConsumerSecret=***" in secret.evidence[0].request


async def test_legacy_refusals_as_server_errors_name_their_codes() -> None:
    async with against_mock(
        "DLT", rules=Rules(profile="legacy"), connector_config=config("DLT", credentials_in="query")
    ) as subject:
        run = await certify(subject)

    refusal = next(f for f in run.findings if f.finding_id == "server-error-for-refusal")
    assert "invalid_transition" in refusal.detail
    assert "amount_mismatch" in refusal.detail
    assert refusal.evidence[0].response.startswith("500 {")
    # the gateway would retry them as outages: the checks that need a refusal fail too
    assert {"provide-info", "payment"} <= failing(run)


async def test_a_legacy_agency_refuses_the_shipped_header_credentials() -> None:
    async with against_mock("DLT", rules=Rules(profile="legacy")) as subject:
        run = await certify(subject)

    assert run.result("health").outcome is Outcome.FAIL
    assert "refused" in run.result("health").detail


@pytest.mark.parametrize("code", list(CASEWORK))
async def test_the_sloppy_profile_is_found_out(code: str) -> None:
    """Sloppy: the Idempotency-Key ignored (a repeat files another case), callbacks without
    X-Signature."""
    async with against_mock(code, rules=Rules(profile="sloppy")) as subject:
        run = await certify(subject)

    assert set(found(run)) == set(BASELINE) | {"not-idempotent", "callback-unsigned"}
    assert run.result("idempotent-submit").outcome is Outcome.FAIL  # the check's own verdict
    assert not run.certified
    unsigned = next(f for f in run.findings if f.finding_id == "callback-unsigned")
    assert "no X-Signature" in unsigned.evidence[0].request


async def test_a_profile_set_over_http_takes_effect() -> None:
    async with against_mock("SSO") as subject:
        async with httpx.AsyncClient(transport=subject.transport) as http:
            put = await http.put("http://agencies.test/sso/rules", json={"profile": "sloppy"})
            assert put.status_code == 200
            assert put.json()["profile"] == "sloppy"
        run = await certify(subject)

    assert {"not-idempotent", "callback-unsigned"} <= set(found(run))


def test_a_profile_is_set_at_start_from_the_environment() -> None:
    options = environment_options("DLT", {"MOCK_DLT_RULES": '{"profile": "legacy"}'})
    assert options["rules"] == Rules(profile="legacy")


class PlainHttpDlt(DltConnector):
    """Ignores require_tls: sends to an http:// agency even configured for production."""

    def __init__(self, cfg: ConnectorConfig, transport: httpx.AsyncBaseTransport | None) -> None:
        super().__init__(cfg.model_copy(update={"require_tls": False}), transport)


async def test_a_connector_that_does_not_require_tls_in_production_is_found_out() -> None:
    async with against_mock("DLT") as shipped:
        subject = Subject(
            PlainHttpDlt(shipped.config, shipped.transport),
            shipped.config,
            PlainHttpDlt,
            shipped.sample,
            transport=shipped.transport,
            callback_secret=CALLBACK_SECRET,
        )
        try:
            run = await certify(subject)
        finally:
            await subject.connector.aclose()

    assert found(run)["tls-not-required"] is Severity.HIGH
    tls = next(f for f in run.findings if f.finding_id == "tls-not-required")
    assert tls.evidence[0].request.startswith("GET http://agencies.test/dlt/")
    assert not run.certified


async def test_findings_can_be_left_out() -> None:
    async with against_mock("DLT", rules=Rules(profile="sloppy")) as subject:
        run = await certify(subject, findings=False)

    assert run.findings == ()
    assert run.result("idempotent-submit").outcome is Outcome.FAIL


# -- the analysers, on hand-built exchanges -------------------------------------------------------

CFG = config("DLT")
MASK = Masker([SECRET])
VALID_PID = "1100100001014"


def exchange(
    url: str,
    status: int | None = 200,
    body: Any = None,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    elapsed: float = 0.01,
) -> Exchange:
    raw = b"" if body is None else json.dumps(body).encode()
    return Exchange(
        method=method,
        url=url,
        request_headers=tuple((headers or {}).items()),
        request_body=b"",
        status=status,
        response_body=raw,
        elapsed_seconds=elapsed,
    )


def test_a_secret_in_the_query_or_path_is_found_and_one_in_a_header_is_not() -> None:
    named = exchange("https://a.test/dlt/gdx/auth/validate?ConsumerSecret=abc&AgentID=1")
    token = "tok-0123456789abcdef"
    in_path = exchange(f"https://a.test/dlt/api/v1/x/{token}")
    with_token = exchange("https://a.test/dlt/api/v1/health", headers={"Token": token})
    in_header = exchange(
        "https://a.test/dlt/gdx/auth/validate", headers={"Consumer-Secret": SECRET}
    )
    the_secret = exchange(f"https://a.test/dlt/api/v1/lookup?q={SECRET}")

    assert secret_in_url([in_header, with_token], CFG, MASK) == []
    [finding] = secret_in_url([named], CFG, MASK)
    assert finding.severity is Severity.CRITICAL
    assert "ConsumerSecret" in finding.detail
    masker = masker_for([SECRET], [with_token, in_path])  # learns the token from its header
    [token_in_path] = secret_in_url([with_token, in_path], CFG, masker)
    assert [e.request for e in token_in_path.evidence] == ["GET https://a.test/dlt/api/v1/x/***"]
    assert secret_in_url([the_secret], CFG, MASK)[0].evidence[0].request.endswith("q=***")


def test_a_national_id_in_a_url_is_found_only_when_it_is_one() -> None:
    not_a_pid = "1100100001015"  # the check digit is wrong
    assert not pin.is_valid(not_a_pid)
    assert personal_data_in_url([exchange(f"https://a.test/x/{not_a_pid}")], MASK) == []
    [finding] = personal_data_in_url([exchange(f"https://a.test/x/{VALID_PID}?y=1")], MASK)
    assert finding.severity is Severity.MEDIUM
    assert finding.evidence[0].request == "GET https://a.test/x/1-1001-xxxxx-xx-4?y=1"
    [query] = personal_data_in_url([exchange(f"https://a.test/bills?pid={VALID_PID}")], MASK)
    assert "the pid parameter" in query.detail


def test_plain_http_is_high_unless_the_agency_is_local() -> None:
    assert plain_http("https://dlt.go.th/api", [], MASK) == []
    for local in ("http://127.0.0.1:8100/dlt", "http://localhost/dlt", "http://[::1]/x",
                  "http://agencies.test/dlt"):  # fmt: skip
        assert [f.severity for f in plain_http(local, [], MASK)] == [Severity.INFO], local
    [remote] = plain_http("http://dlt.go.th/api", [exchange("http://dlt.go.th/api/v1/h")], MASK)
    assert remote.severity is Severity.HIGH
    assert remote.evidence


def test_a_refusal_answered_as_a_server_error_is_found() -> None:
    refusal = exchange("https://a.test/x", 500, {"error": "not_our_case", "message": "…"})
    nested = exchange("https://a.test/x", 502, {"detail": {"error": "amount_mismatch"}})
    generic = exchange("https://a.test/x", 500, {"error": "internal_error"})
    outage = exchange("https://a.test/x", 503, {"error": "agency unavailable (simulated outage)"})
    as_4xx = exchange("https://a.test/x", 409, {"error": "invalid_transition"})

    assert server_error_for_refusal([generic, outage, as_4xx], MASK) == []
    [finding] = server_error_for_refusal([refusal, nested, generic], MASK)
    assert "amount_mismatch, not_our_case" in finding.detail
    assert len(finding.evidence) == 2


def test_a_status_outside_the_vocabulary_is_found_in_answers_and_callbacks() -> None:
    odd = exchange(
        "https://a.test/dlt/api/v1/applications/R1",
        body={"agency_ref": "R1", "status": "in_review", "seq": 2,
              "events": [{"seq": 2, "status": "pending_officer"}]},
    )  # fmt: skip
    health = exchange("https://a.test/dlt/api/v1/health", body={"status": "ok"})
    fine = exchange("https://a.test/dlt/api/v1/applications/R2", body={"status": "approved"})

    assert status_outside_vocabulary([health, fine], [], MASK) == []
    [answer] = status_outside_vocabulary([odd], [], MASK)
    assert "'pending_officer'" in answer.detail
    [told] = status_outside_vocabulary([], [callback({"agency_ref": "R1", "status": "done"})], MASK)
    assert "'done'" in told.detail
    assert told.evidence[0].request.startswith("POST /callbacks/DLT")


def test_an_answer_slower_than_declared_is_found() -> None:
    declared = config("DLT").model_copy(update={"timeout_seconds": 10.0})
    quick, slow = (
        exchange("https://a.test/q", elapsed=9.9),
        exchange("https://a.test/s", elapsed=12),
    )

    assert slower_than_declared([quick], declared, MASK) == []
    [finding] = slower_than_declared([quick, slow], declared, MASK)
    assert finding.severity is Severity.MEDIUM
    assert "12.00 s" in finding.detail
    tighter = declared.model_copy(update={"policy": PolicyConfig(attempt_timeout_seconds=5)})
    assert slower_than_declared([quick], tighter, MASK)
    burst = slower_than_declared_finding("a burst's p95", 2.5, 2.0, [Evidence("50 filings")])
    assert burst.finding_id == "slower-than-declared"
    assert burst.evidence[0].request == "50 filings"

    # Found twice (an exchange, then the burst): reported once, with both.
    [both] = merge_findings([finding, burst])
    assert both.detail == f"{finding.detail}\n{burst.detail}"
    assert both.evidence == (*finding.evidence, *burst.evidence)


FINDING_IDS = st.sampled_from(["secret-in-url", "plain-http", "slower-than-declared"])
EVIDENCE = st.builds(Evidence, st.sampled_from(["GET /a", "GET /b", "POST /c"]))
FOUND = st.lists(
    st.builds(
        Finding,
        FINDING_IDS,
        st.sampled_from(list(Severity)),
        st.just("title"),
        st.sampled_from(["seen once", "seen again"]),
        st.lists(EVIDENCE, max_size=3).map(tuple),
    ),
    max_size=8,
)


@given(FOUND)
def test_merged_findings_keep_each_id_once_at_its_worst_with_all_its_evidence(
    found: list[Finding],
) -> None:
    merged = merge_findings(found)
    assert [f.finding_id for f in merged] == list(dict.fromkeys(f.finding_id for f in found))
    for one in merged:
        same = [f for f in found if f.finding_id == one.finding_id]
        assert one.severity.rank == min(f.severity.rank for f in same)
        assert set(one.evidence) == {e for f in same for e in f.evidence}
        assert set(one.detail.split("\n")) == {f.detail for f in same}
        if len(same) == 1:
            assert one == same[0]  # found once: as it was found
        else:
            assert len(one.evidence) == len(set(one.evidence))


def test_a_repeated_key_that_makes_a_second_case_is_found() -> None:
    def filed(ref: str, key: str = "k-1") -> Exchange:
        return exchange(
            "https://a.test/dlt/api/v1/applications",
            201,
            {"agency_ref": ref, "status": "received"},
            method="POST",
            headers={"Idempotency-Key": key},
        )

    assert not_idempotent([filed("R1"), filed("R1"), filed("R2", "k-2")], MASK) == []
    [finding] = not_idempotent([filed("R1"), filed("R2")], MASK)
    assert "R1, R2" in finding.detail
    assert "idempotency-key: k-1" in finding.evidence[0].request.lower()


def test_tls_not_required_comes_from_the_probe() -> None:
    assert tls_not_required(TlsProbe("http://a.test", refused=True, how="refused"), MASK) == []
    sent = (exchange("http://a.test/dlt/api/v1/health", 503),)
    [finding] = tls_not_required(TlsProbe("http://a.test", False, "sent 1 request", sent), MASK)
    assert finding.severity is Severity.HIGH
    assert finding.evidence


# -- callbacks ----------------------------------------------------------------------------------


def callback(
    payload: dict[str, Any],
    *,
    secret: str | None = CALLBACK_SECRET,
    nonce: str | None = "n0nce-0123456789abcdef",
    timestamp: float | None = None,
    received_at: float | None = None,
) -> ReceivedCallback:
    body = json.dumps(payload).encode()
    now = time.time() if received_at is None else received_at
    stamp = int(now if timestamp is None else timestamp)
    headers = [("X-Agency", "DLT"), ("X-Timestamp", str(stamp))]
    if nonce is not None:
        headers.append(("X-Nonce", nonce))
    if secret is not None:
        message = f"{stamp}.{nonce}.".encode() + body
        signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        headers.append(("X-Signature", f"v1={signature}"))
    return ReceivedCallback("POST", "/callbacks/DLT", tuple(headers), body, now)


def ids(findings: list[Any]) -> set[str]:
    return {f.finding_id for f in findings}


def test_a_signed_fresh_callback_shows_nothing() -> None:
    one = callback({"agency_ref": "R1", "seq": 2}, nonce="nonce-aaaaaaaaaaaaaaaa")
    two = callback({"agency_ref": "R1", "seq": 3}, nonce="nonce-bbbbbbbbbbbbbbbb")
    assert callback_findings([one, two], CALLBACK_SECRET, MASK) == []


def test_an_unsigned_or_wrongly_signed_callback_is_found() -> None:
    unsigned = callback({"seq": 2}, secret=None)
    forged = callback({"seq": 3}, secret="someone-else", nonce="nonce-cccccccccccccccc")

    [finding] = callback_findings([unsigned, forged], CALLBACK_SECRET, MASK)
    assert finding.finding_id == "callback-unsigned"
    assert finding.severity is Severity.CRITICAL
    assert finding.detail.startswith("2 of 2 callback(s): no X-Signature")
    # without the secret only a missing signature can be told
    assert len(callback_findings([unsigned, forged], None, MASK)[0].evidence) == 1


def test_a_replayable_callback_is_found() -> None:
    first = callback({"seq": 2})
    replayed = first  # the same nonce and signature arriving again
    no_nonce = callback({"seq": 3}, nonce=None)

    [finding] = callback_findings([first, replayed], CALLBACK_SECRET, MASK)
    assert finding.finding_id == "callback-replayable"
    assert finding.severity is Severity.HIGH
    assert "came before" in finding.detail
    assert ids(callback_findings([no_nonce], None, MASK)) == {"callback-replayable"}
    assert "no X-Nonce" in callback_findings([no_nonce], None, MASK)[0].detail


def test_a_callback_stamped_outside_the_window_is_found() -> None:
    now = 1_800_000_000.0
    inside = callback(
        {"seq": 2}, timestamp=now - 299, received_at=now, nonce="nonce-dddddddddddddddd"
    )
    stale = callback(
        {"seq": 3}, timestamp=now - 301, received_at=now, nonce="nonce-eeeeeeeeeeeeeeee"
    )
    ahead = callback(
        {"seq": 4}, timestamp=now + 400, received_at=now, nonce="nonce-ffffffffffffffff"
    )

    assert callback_findings([inside], CALLBACK_SECRET, MASK) == []
    [finding] = callback_findings([inside, stale, ahead], CALLBACK_SECRET, MASK)
    assert finding.finding_id == "callback-stale-timestamp"
    assert finding.detail.startswith("2 of 3 callback(s): X-Timestamp")
    assert "301 s behind" in finding.detail


async def test_the_receiver_keeps_what_arrives_on_its_loopback_port() -> None:
    async with CallbackReceiver() as receiver:
        url = receiver.url_for("DLT")
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as http:
            answer = await http.post(url, content=b'{"seq": 2}', headers={"X-Nonce": "n"})
        assert answer.status_code == 200
        assert await receiver.wait_for(lambda got: len(got) == 1, seconds=5)
    [got] = receiver.received
    assert got.path == "/callbacks/DLT"
    assert got.header("x-nonce") == "n"
    assert got.payload() == {"seq": 2}


async def test_the_receiver_keeps_only_callbacks_to_an_address_it_handed_out() -> None:
    """Listening where other machines reach it, it must not judge a stranger's request (a
    scanner's GET, a POST to another path) as the agency's unsigned callback."""
    async with CallbackReceiver() as receiver:
        url = receiver.url_for("DLT")
        root = url.removesuffix("/callbacks/DLT")
        async with httpx.AsyncClient() as http:
            strangers = [
                await http.get(url),
                await http.post(f"{root}/", content=b"{}"),
                await http.post(f"{root}/callbacks/RD", content=b"{}"),  # not told this one
            ]
            kept = await http.post(url, content=b'{"seq": 2}')
    assert [r.status_code for r in strangers] == [404, 404, 404]
    assert kept.status_code == 200
    assert [c.payload() for c in receiver.received] == [{"seq": 2}]


async def test_callbacks_come_through_the_address_the_agency_is_given() -> None:
    """An agency on another machine is given --callback-url (here `localhost`, standing for a
    tunnel or proxy) for the port the run listens on: the filings name it, the agency's
    callbacks come in through it and are judged."""
    port = free_port()
    receiver = CallbackReceiver(port_wanted=port, public_url=f"http://localhost:{port}/cb/")
    assert receiver.url_for("DLT") == f"http://localhost:{port}/cb/DLT"
    async with against_mock("DLT") as subject:
        run = await certify(subject, receiver=receiver)

    assert run.notes == ()  # every callback owed arrived, and was judged
    assert found(run) == BASELINE
    assert receiver.received
    assert {c.header("host") for c in receiver.received} == {f"localhost:{port}"}
    assert {c.path for c in receiver.received} == {"/cb/DLT"}


async def test_a_remote_agency_told_to_call_a_loopback_receiver_is_said_to_be_unjudged() -> None:
    remote = config("DLT").model_copy(update={"base_url": "http://agency.example.org/dlt"})
    async with against_mock("DLT", connector_config=remote) as subject:
        run = await certify(subject)
    [note] = [n for n in run.notes if n.startswith("the agency (agency.example.org)")]
    assert "certify --callback-listen HOST:PORT --callback-url URL" in note

    port = free_port()
    reachable = CallbackReceiver(port_wanted=port, public_url=f"http://localhost:{port}/cb")
    async with against_mock("DLT", connector_config=remote) as subject:
        run = await certify(subject, receiver=reachable)
    assert not [n for n in run.notes if n.startswith("the agency (")]


def test_the_network_goes_through_the_proxy_the_environment_names() -> None:
    proxies = {"http": "http://proxy.example:3128", "no": "localhost, .internal.example,10.0.0.1"}
    network = EnvironmentNetwork(proxies)
    assert network.proxy_for(httpx.URL("http://agency.example.org/dlt")) == proxies["http"]
    for direct in (
        "http://localhost:8100/dlt",
        "http://api.internal.example/x",
        "http://internal.example/x",
        "http://10.0.0.1/x",
        "https://agency.example.org/dlt",  # no HTTPS_PROXY, no ALL_PROXY
    ):
        assert network.proxy_for(httpx.URL(direct)) is None, direct
    assert network.proxy_for(httpx.URL("http://notinternal.example/x")) == proxies["http"]
    everything = EnvironmentNetwork({"all": "http://proxy.example:3128"})
    assert everything.proxy_for(httpx.URL("https://a.example")) == "http://proxy.example:3128"
    nothing = EnvironmentNetwork({"all": "http://proxy.example:3128", "no": "*"})
    assert nothing.proxy_for(httpx.URL("https://a.example")) is None


async def test_a_recorded_run_reaches_the_agency_through_the_environment_s_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As the gateway's connectors would (httpx reads HTTP_PROXY): the request goes to the
    proxy, which here answers for the agency, and is recorded."""
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readline())
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        body = b'{"status": "ok"}'
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        writer.write(head + b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    recorder = TrafficRecorder()
    try:
        async with server, httpx.AsyncClient(transport=recorder) as client:
            answer = await client.get("http://agency.example.org/dlt/health")
    finally:
        await recorder.close()
    assert answer.json() == {"status": "ok"}
    assert seen == [b"GET http://agency.example.org/dlt/health HTTP/1.1\r\n"]
    [exchange] = recorder.exchanges
    assert (exchange.url, exchange.status) == ("http://agency.example.org/dlt/health", 200)


# -- masking ---------------------------------------------------------------------------------------

pids = st.from_regex(r"[1-8][0-9]{12}", fullmatch=True)
secret_texts = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.~+/=!$", min_size=12, max_size=40
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(pid=pids, secret=secret_texts, token=secret_texts)
def test_evidence_never_shows_a_national_id_or_a_secret(pid: str, secret: str, token: str) -> None:
    assume(any(c.isalpha() and c != "x" for c in secret + token))
    dashed = f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"
    sent = Exchange(
        method="GET",
        url=(
            f"https://agency.test/api/v1/people/{pid}/{quote(token, safe='')}"
            f"?ConsumerSecret={quote_plus(secret)}&pid={pid}&q={quote(secret, safe='')}&d={dashed}"
        ),
        request_headers=(("Token", token), ("X-Who", f"pid {pid} / {dashed}")),
        request_body=pid.encode(),
        status=500,
        response_body=json.dumps({"pid": pid, "echo": secret, "t": token, "d": dashed}).encode(),
    )
    masker = masker_for([secret], [sent])
    evidence = sent.evidence(masker, f"{pid} {secret} {token}", headers=("Token", "X-Who"))

    for text in (evidence.request, evidence.response, evidence.note):
        for hidden in (pid, dashed, secret, token):
            for form in {hidden, quote(hidden, safe=""), quote_plus(hidden)}:
                assert form not in text, (form, text)


@settings(max_examples=100)
@given(pid=pids, secret=secret_texts, cut=st.integers(170, 210))
def test_an_answer_cut_to_an_excerpt_shows_no_part_of_a_national_id_or_a_secret(
    pid: str, secret: str, cut: int
) -> None:
    """A long answer is cut for the evidence: a national ID or a secret across the cut is
    masked whole, not left half shown."""
    body = f'{{"pad": "{"p" * cut}", "pid": "{pid}", "echo": "{secret}"}}'.encode()
    sent = Exchange("GET", "https://agency.test/x", (), b"", 200, response_body=body)
    signed = ReceivedCallback("POST", "/callbacks/DLT", (), body, time.time())
    masker = Masker([secret])

    for text in (
        sent.evidence(masker).response,
        callback_findings([signed], None, masker)[0].evidence[0].request,
    ):
        assert not re.search(r"[0-9]{5}", text), text
        for start in range(len(secret) - 7):
            assert secret[start : start + 8] not in text, text


@given(pid=pids)
def test_a_national_id_is_shown_by_its_first_five_and_last_digits(pid: str) -> None:
    assert mask_pids(f"id {pid}.") == f"id {pid[0]}-{pid[1:5]}-xxxxx-xx-{pid[12]}."
    assert mask_pids(f"{pid}99") == "*" * 15  # a longer run of digits: all of it


def test_every_finding_the_analysers_make_is_catalogued() -> None:
    assert set(FINDINGS) >= {
        "secret-in-url",
        "personal-data-in-url",
        "plain-http",
        "tls-not-required",
        "server-error-for-refusal",
        "callback-unsigned",
        "callback-replayable",
        "callback-stale-timestamp",
        "not-idempotent",
        "status-outside-vocabulary",
        "slower-than-declared",
    }


async def test_the_shipped_connector_sends_no_secret_in_the_url() -> None:
    """The Case API client's default: the consumer secret in the Consumer-Secret header."""
    seen: list[httpx.Request] = []

    def agency(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"Result": "t-1", "status": "ok"})

    connector = CaseworkConnector(config("DLT"), httpx.MockTransport(agency))
    await connector.health()
    await connector.aclose()
    assert SECRET not in str(seen[0].url)
    assert seen[0].headers["Consumer-Secret"] == SECRET


async def test_a_finding_s_detail_is_masked_like_its_evidence() -> None:
    """What a finding quotes of the agency (a status, a reason) can hold a national ID."""

    async def quoting(subject: Subject) -> str:
        note_finding(
            finding(
                "status-outside-vocabulary",
                f"the agency reported status 'closed-for-{DEMO_APPLICANT.pid}'",
            )
        )
        return "quoted the agency"

    async with against_mock("DLT") as subject:
        run = await certify(subject, [Check("quoting", "quotes the agency", quoting)])

    [quoted] = [f for f in run.findings if f.finding_id == "status-outside-vocabulary"]
    assert DEMO_APPLICANT.pid not in shown(run)
    assert "closed-for-1-" in quoted.detail  # the ID, as the masker shows one
