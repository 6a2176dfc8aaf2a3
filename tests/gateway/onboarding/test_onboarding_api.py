"""The onboarding procedure through the operators' API (`/v1/admin/onboarding`): a service
walked from selection to live, the manual's three loops, the step-10 gate on the connector's
signed certification, go-live publishing in the catalog (or refused by its lint), overdue steps
on the working calendar, the summary, and two operators acting at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from support import assert_problem, published_services

from gateway.catalog.loader import load_catalog
from gateway.onboarding.repository import OnboardingRepository
from gateway.receipts.signer import CertificationSigner

pytestmark = pytest.mark.usefixtures("no_onboarding")

#: The conftest withdraws the services these tests publish (their ids start with it).
TEST_SERVICE = "onb-test-"

BASE = "/v1/admin/onboarding"
CATALOG = load_catalog()

#: What each step takes on the happy path, and who does it.
HAPPY: dict[int, tuple[str, str]] = {
    1: ("complete", "opdc_officer"),
    2: ("approve", "opdc_management"),
    3: ("complete", "opdc_officer"),
    4: ("accept", "agency_executive"),
    5: ("complete", "opdc_officer"),
    6: ("complete", "opdc_officer"),
    7: ("complete", "agency_coordinator"),
    8: ("complete", "dga_officer"),
    9: ("complete", "agency_it"),
    10: ("pass", "dga_officer"),
    11: ("complete", "agency_coordinator"),
    12: ("complete", "dga_officer"),
    13: ("complete", "dga_officer"),
}

FLOW_MODEL: dict[str, Any] = {
    "journey": {
        "citizen": ["ยืนยันตัวตนด้วย ThaiD", "กรอกคำขอ", "ติดตามสถานะ"],
        "staff": ["รับคำขอจากระบบกลาง", "พิจารณา", "แจ้งผล"],
        "administrator": ["กำหนดสิทธิ์เจ้าหน้าที่", "ดูแลการเชื่อมต่อ"],
    },
    "capabilities": {
        "identity_level": "IAL2.3",
        "payment": False,
        "e_document": False,
        "forwarding": "api",
    },
}


def new_service_id() -> str:
    return f"{TEST_SERVICE}{uuid.uuid4().hex[:10]}"


def definition(service_id: str, based_on: str, **changes: Any) -> dict[str, Any]:
    """A seed service's definition under a new id: a complete manual that passes the lint."""
    seed = next(s for s in CATALOG.services if s.id == based_on)
    draft = seed.model_copy(update={"id": service_id, "status": "draft", **changes})
    return draft.model_dump(mode="json", by_alias=True, exclude_none=True)


async def open_case(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    agency: str = "SSO",
    category: str = "welfare",
    **extra: Any,
) -> dict[str, Any]:
    body = {"agency": agency, "service_id": new_service_id(), "category": category, **extra}
    r = await client.post(f"{BASE}/cases", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    case: dict[str, Any],
    action: str,
    role: str,
    **extra: Any,
) -> httpx.Response:
    body = {"action": action, "actor_role": role, "version": case["version"], **extra}
    return await client.post(f"{BASE}/cases/{case['id']}/actions", json=body, headers=headers)


async def step_on(
    client: httpx.AsyncClient, headers: dict[str, str], case: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """The happy path's action on the case's current step, with what the step needs."""
    step = case["step"]["step"]
    action, role = HAPPY[step]
    if step == 4:
        extra.setdefault("coordinator", "นางสาวผู้ประสานงาน")
    if step == 6 and case["flow_model_version"] is None:
        r = await client.put(
            f"{BASE}/cases/{case['id']}/flow-model", json=FLOW_MODEL, headers=headers
        )
        assert r.status_code == 200, r.text
        case = await read(client, headers, case)  # a new flow model moves the version on
    r = await act(client, headers, case, action, role, **extra)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def walk_to(
    client: httpx.AsyncClient, headers: dict[str, str], case: dict[str, Any], step: int
) -> dict[str, Any]:
    while case["step"]["step"] < step:
        case = await step_on(client, headers, case)
    assert case["step"]["step"] == step
    return case


#: The report.json a summary below is signed over (its text, as certify writes it).
REPORT = '{\n  "format": "certification-report/1",\n  "checks": []\n}\n'


def summary_jws(
    app: FastAPI,
    *,
    agency: str = "SSO",
    version: str = "1.4.0",
    certified: bool = True,
    issued_at: dt.datetime | None = None,
    signer: CertificationSigner | None = None,
    report: str = REPORT,
) -> str:
    """A certification summary signed as the gateway signs one (or by another key)."""
    moment = issued_at or app.state.runtime.clock.now()
    claims = {
        "iss": "http://gateway.test",
        "sub": agency,
        "agency": agency,
        "connector": f"{agency.title()}Connector",
        "connector_version": version,
        "base_url": f"http://agencies.test/{agency.lower()}",
        "verdict": "certified" if certified else "not_certified",
        "iat": int(moment.timestamp()),
        "report_sha256": hashlib.sha256(report.encode()).hexdigest(),
        "checks": {"pass": 11, "fail": 0 if certified else 1, "error": 0, "skip": 1},
        "findings": [] if certified else [{"id": "CONN-AUTH-001", "severity": "critical"}],
        "blocking": [] if certified else ["CONN-AUTH-001"],
        "policy": ["critical", "high"],
    }
    return (signer or app.state.certification_signer).sign(claims)


async def certify(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    case: dict[str, Any],
    jws: str,
    report: str | None = REPORT,
) -> httpx.Response:
    body = {"jws": jws} if report is None else {"jws": jws, "report": report}
    return await client.post(
        f"{BASE}/cases/{case['id']}/certifications", json=body, headers=headers
    )


async def read(
    client: httpx.AsyncClient, headers: dict[str, str], case: dict[str, Any]
) -> dict[str, Any]:
    r = await client.get(f"{BASE}/cases/{case['id']}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def set_clock(client: httpx.AsyncClient, headers: dict[str, str], instant: str) -> None:
    r = await client.post("/v1/admin/clock", json={"set": instant}, headers=headers)
    assert r.status_code == 200, r.text


# -- the whole walk ------------------------------------------------------------------------------


async def test_a_service_walks_from_selection_to_live_and_is_then_in_the_catalog(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    case = await open_case(client, h, connector_version="1.4.0")
    service_id = case["service_id"]
    assert (case["step"]["key"], case["status"], case["connector_required"]) == (
        "select",
        "open",
        True,
    )
    before = await published_services(client)
    assert service_id not in [s["id"] for s in before]

    case = await walk_to(client, h, case, 6)
    # Two versions of the flow model: both kept, the latest counts.
    for citizen_steps in (["ยื่นคำขอ"], ["ยืนยันตัวตน", "ยื่นคำขอ"]):
        model = {**FLOW_MODEL, "journey": {**FLOW_MODEL["journey"], "citizen": citizen_steps}}
        r = await client.put(f"{BASE}/cases/{case['id']}/flow-model", json=model, headers=h)
        assert r.status_code == 200, r.text
    r = await client.get(f"{BASE}/cases/{case['id']}/flow-model", headers=h)
    assert [(m["version"], m["journey"]["citizen"]) for m in r.json()["items"]] == [
        (1, ["ยื่นคำขอ"]),
        (2, ["ยืนยันตัวตน", "ยื่นคำขอ"]),
    ]
    case = await walk_to(client, h, await read(client, h, case), 10)
    assert case["flow_model_version"] == 2

    r = await certify(client, h, case, summary_jws(app))
    assert r.status_code == 201, r.text
    assert (r.json()["certified"], r.json()["connector_version"]) == (True, "1.4.0")
    r = await client.put(
        f"{BASE}/cases/{case['id']}/definition",
        json=definition(service_id, "sso-section-40-enrolment"),
        headers=h,
    )
    assert r.status_code == 200, r.text
    case = await walk_to(client, h, r.json(), 13)
    live = await step_on(client, h, case, documents=[{"name": "ประกาศเปิดให้บริการ"}])

    assert (live["status"], live["step"]["step"], live["overdue"]) == ("live", 13, False)
    assert live["definition"]["status"] == "live"
    today = app.state.runtime.clock.now().astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    assert live["definition"]["manual"]["published_on"] == today.isoformat()
    steps_done = [(e["step"], e["action"], e["actor_role"]) for e in live["history"][1:]]
    assert steps_done == [(s, *HAPPY[s]) for s in range(1, 14)]
    assert live["history"][-1]["documents"] == [{"name": "ประกาศเปิดให้บริการ"}]

    r = await client.get(f"/v1/services/{service_id}", headers={"Accept-Language": "en"})
    assert r.status_code == 200, r.text
    assert r.json()["manual"]["published_on"] == today.isoformat()
    after = await published_services(client)
    assert service_id in [s["id"] for s in after]
    assert len(after) == len(before) + 1

    r = await act(client, h, live, "complete", "dga_officer")
    assert_problem(r, 409, "onboarding_case_closed")


async def test_a_service_onboarded_again_shows_its_new_definition_at_once(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The catalog keeps a rendered service detail for CATALOG_CACHE_SECONDS; going live drops
    this process's copy, so the republished service is read anew on the next request."""
    h = admin_headers
    service_id = new_service_id()

    async def onboard(name_en: str) -> None:
        body = {"agency": "BMA", "service_id": service_id, "category": "other"}
        r = await client.post(f"{BASE}/cases", json=body, headers=h)
        assert r.status_code == 201, r.text
        case = await walk_to(client, h, r.json(), 10)
        case = await step_on(client, h, case, documents=[{"name": "รายงานการทดสอบ"}])
        base = next(s for s in CATALOG.services if s.id == "bma-traffy-fondue-report")
        named = definition(service_id, base.id, name=base.name.model_copy(update={"en": name_en}))
        r = await client.put(f"{BASE}/cases/{case['id']}/definition", json=named, headers=h)
        assert r.status_code == 200, r.text
        case = await walk_to(client, h, r.json(), 13)
        assert (await step_on(client, h, case))["status"] == "live"

    english = {"Accept-Language": "en"}
    await onboard("Report a city problem")
    r = await client.get(f"/v1/services/{service_id}", headers=english)
    assert r.json()["name"] == "Report a city problem"
    assert app.state.runtime.settings.catalog_cache_seconds > 0  # the detail is now cached

    await onboard("Report a problem in Bangkok")
    r = await client.get(f"/v1/services/{service_id}", headers=english)
    assert r.json()["name"] == "Report a problem in Bangkok"


# -- the loops -----------------------------------------------------------------------------------


async def test_management_not_approving_sends_the_case_back_to_select(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    case = await walk_to(client, admin_headers, await open_case(client, admin_headers), 2)
    r = await act(client, admin_headers, case, "reject", "opdc_management", note="ไม่เห็นชอบ")
    assert r.status_code == 200, r.text
    assert (r.json()["step"]["key"], r.json()["status"]) == ("select", "open")
    assert r.json()["history"][-1]["note"] == "ไม่เห็นชอบ"


async def test_an_agency_declining_closes_the_case_and_another_service_is_selected(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h, agency="DOE"), 4)
    instead = {"agency": "BMA", "service_id": new_service_id(), "category": "other"}
    r = await act(client, h, case, "decline", "agency_executive", next_case=instead)
    assert r.status_code == 200, r.text
    closed = r.json()
    assert (closed["status"], closed["closed_reason"], closed["step_due_at"]) == (
        "closed",
        "declined",
        None,
    )

    r = await client.get(f"{BASE}/cases", params={"agency": "BMA"}, headers=h)
    [successor] = r.json()["items"]
    assert (successor["service_id"], successor["step"]["key"], successor["replaces_id"]) == (
        instead["service_id"],
        "select",
        closed["id"],
    )
    # Closed is final, whatever is tried.
    for action, role in (("accept", "agency_executive"), ("complete", "opdc_officer")):
        r = await act(client, h, closed, action, role, coordinator="x")
        assert_problem(r, 409, "onboarding_case_closed")
    r = await client.put(f"{BASE}/cases/{closed['id']}/flow-model", json=FLOW_MODEL, headers=h)
    assert_problem(r, 409, "onboarding_case_closed")


async def test_a_failed_portal_test_goes_back_to_agency_adapts_and_needs_a_new_certification(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h, connector_version="1.4.0"), 10)
    assert (await certify(client, h, case, summary_jws(app))).status_code == 201
    r = await client.post("/v1/admin/clock", json={"advance": 60}, headers=h)
    assert r.status_code == 200, r.text
    r = await act(client, h, case, "fail", "dga_officer", note="ไม่ผ่าน: หมดเวลาเชื่อมต่อ")
    assert r.status_code == 200, r.text
    assert r.json()["step"]["key"] == "agency_adapts"

    # Adapted again: the certification made before is of the old system.
    case = await step_on(client, h, r.json())
    r = await act(client, h, case, "pass", "dga_officer")
    body = assert_problem(r, 409, "certification_stale")
    assert body["max_age_days"] == 30
    assert (await certify(client, h, case, summary_jws(app))).status_code == 201
    r = await act(client, h, case, "pass", "dga_officer")
    assert r.status_code == 200, r.text
    assert r.json()["step"]["key"] == "assign_administrators"


# -- the step-10 gate ----------------------------------------------------------------------------


async def test_the_portal_test_is_shut_until_a_passing_certification_of_this_connector(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Any
) -> None:
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h, connector_version="1.4.0"), 10)

    assert_problem(await act(client, h, case, "pass", "dga_officer"), 409, "certification_required")

    other_key = CertificationSigner.load_or_create(tmp_path, production=False)
    r = await certify(client, h, case, summary_jws(app, signer=other_key))
    assert_problem(r, 422, "certification_invalid")
    r = await certify(client, h, case, "not.a.jws")
    assert_problem(r, 422, "certification_invalid")

    failing = [
        (summary_jws(app, certified=False), "certification_not_certified"),
        (summary_jws(app, version="1.3.9"), "certification_mismatch"),
        (
            summary_jws(app, issued_at=app.state.runtime.clock.now() - dt.timedelta(days=31)),
            "certification_stale",
        ),
    ]
    for jws, code in failing:
        assert (await certify(client, h, case, jws)).status_code == 201
        body = assert_problem(await act(client, h, case, "pass", "dga_officer"), 409, code)
        if code == "certification_not_certified":
            assert body["blocking"] == ["CONN-AUTH-001"]
    assert (await read(client, h, case))["step"]["key"] == "portal_test"

    # Another agency's connector is refused at once, and not kept: it could never count.
    before = (await read(client, h, case))["latest_certification"]
    r = await certify(client, h, case, summary_jws(app, agency="RD"))
    assert assert_problem(r, 409, "certification_mismatch")["agency"] == "RD"
    assert (await read(client, h, case))["latest_certification"] == before

    assert (await certify(client, h, case, summary_jws(app))).status_code == 201
    shown = await read(client, h, case)
    assert shown["latest_certification"]["certified"] is True
    r = await act(client, h, shown, "pass", "dga_officer")
    assert r.status_code == 200, r.text
    assert r.json()["step"]["key"] == "assign_administrators"


async def test_a_certification_s_report_is_kept_only_when_it_is_the_one_signed(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The stored report is the one the signed summary names (report_sha256 over its bytes):
    a report changed by a byte, or re-serialised, is refused and nothing is kept."""
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h, connector_version="1.4.0"), 10)
    jws = summary_jws(app)
    for changed in (
        REPORT.replace('"checks": []', '"checks": [{"id": "auth", "outcome": "pass"}]'),
        REPORT.replace("\n", "\r\n"),  # the same JSON, other bytes
    ):
        body = assert_problem(await certify(client, h, case, jws, changed), 422,
                              "certification_invalid")  # fmt: skip
        assert [e["pointer"] for e in body["errors"]] == ["/body/report"]
        assert body["signed_report_sha256"] == hashlib.sha256(REPORT.encode()).hexdigest()
        assert body["report_sha256"] == hashlib.sha256(changed.encode()).hexdigest()
    assert (await read(client, h, case))["latest_certification"] is None

    # Signed over, but not a report: refused too.
    listed = "[]"
    r = await certify(client, h, case, summary_jws(app, report=listed), listed)
    assert_problem(r, 422, "certification_invalid")
    assert (await read(client, h, case))["latest_certification"] is None

    r = await certify(client, h, case, jws)
    assert r.status_code == 201, r.text
    assert r.json()["has_report"] is True
    assert r.json()["report_sha256"] == hashlib.sha256(REPORT.encode()).hexdigest()
    r = await certify(client, h, case, jws, report=None)  # the summary alone is enough
    assert r.status_code == 201, r.text
    assert r.json()["has_report"] is False


async def test_another_agency_s_service_is_not_taken_over_by_onboarding(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = {"agency": "SSO", "service_id": "dlt-driving-licence-renewal", "category": "welfare"}
    r = await client.post(f"{BASE}/cases", json=body, headers=admin_headers)
    assert assert_problem(r, 409, "service_of_another_agency")["agency"] == "DLT"
    r = await client.get(
        f"{BASE}/cases", params={"agency": "SSO", "status": "open"}, headers=admin_headers
    )
    assert r.json()["items"] == []
    r = await client.get("/v1/services/dlt-driving-licence-renewal")
    assert r.json()["agency"]["code"] == "DLT"


async def test_an_agency_without_a_connector_passes_on_the_officer_s_attested_report(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h, agency="BMA", category="other"), 10)
    assert case["connector_required"] is False
    r = await certify(client, h, case, summary_jws(app, agency="BMA"))
    assert_problem(r, 409, "certification_not_applicable")
    r = await act(client, h, case, "pass", "dga_officer")
    assert assert_problem(r, 409, "onboarding_step_incomplete")["missing"] == ["documents"]
    report = {"name": "รายงานการทดสอบการให้บริการบนระบบ Citizen Portal", "sha256": "0" * 64}
    r = await act(client, h, case, "pass", "dga_officer", documents=[report])
    assert r.status_code == 200, r.text
    assert r.json()["history"][-1]["documents"] == [report]


# -- go-live and the lint ------------------------------------------------------------------------


@pytest.mark.rule("R-LFA.1")
async def test_a_definition_failing_the_catalog_lint_does_not_go_live(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h, agency="BMA", category="other"), 10)
    report = [{"name": "รายงานการทดสอบ"}]
    case = await step_on(client, h, case, documents=report)
    case = await walk_to(client, h, case, 13)
    assert_problem(
        await act(client, h, case, "complete", "dga_officer"), 409, "onboarding_step_incomplete"
    )

    base = next(s for s in CATALOG.services if s.id == "bma-traffy-fondue-report")
    no_conditions = base.manual.model_copy(update={"conditions": [], "legal_basis": []})
    bad = definition(case["service_id"], base.id, manual=no_conditions)
    r = await client.put(f"{BASE}/cases/{case['id']}/definition", json=bad, headers=h)
    assert r.status_code == 200, r.text
    r = await act(client, h, r.json(), "complete", "dga_officer")
    body = assert_problem(r, 422, "onboarding_lint_failed")
    assert {(f["rule"], f["check"]) for f in body["findings"]} == {
        ("R-LFA.1", "missing_conditions"),
        ("R-LFA.1", "missing_legal_basis"),
    }
    shown = await read(client, h, case)
    assert (shown["status"], shown["step"]["key"]) == ("open", "go_live")
    assert shown["definition"]["status"] == "draft"
    r = await client.get(f"/v1/services/{case['service_id']}")
    assert_problem(r, 404, "service_not_found")


@pytest.mark.rule("R-7.2")
@pytest.mark.rule("R-7.3")
@pytest.mark.parametrize(
    ("demand", "finding"),
    [
        ({"certified_copy": True}, ("R-7.2", "certified_copy_demanded")),
        ({"copies": 3}, ("R-7.3", "several_copies_demanded")),
    ],
)
async def test_a_service_demanding_certified_or_several_copies_never_goes_live(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    demand: dict[str, Any],
    finding: tuple[str, str],
) -> None:
    """The operator's definition describes what the service asks of citizens, so it can say
    `certified_copy` or `copies`; go-live's lint refuses either (the citizen's own requests
    have no such field at all: tests/compliance)."""
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h, agency="BMA", category="other"), 10)
    case = await step_on(client, h, case, documents=[{"name": "รายงานการทดสอบ"}])
    case = await walk_to(client, h, case, 13)
    base = next(s for s in CATALOG.services if s.id == "dcy-child-support-grant")
    uploaded = next(d for d in base.manual.documents if d.source == "upload")
    demanding = [d.model_copy(update=demand) if d is uploaded else d for d in base.manual.documents]
    manual = base.manual.model_copy(update={"documents": demanding})
    bad = definition(case["service_id"], base.id, agency="BMA", manual=manual, counterparts=[])
    r = await client.put(f"{BASE}/cases/{case['id']}/definition", json=bad, headers=h)
    assert r.status_code == 200, r.text
    body = assert_problem(await act(client, h, r.json(), "complete", "dga_officer"), 422,
                          "onboarding_lint_failed")  # fmt: skip
    assert {(f["rule"], f["check"]) for f in body["findings"]} == {finding}
    assert_problem(await client.get(f"/v1/services/{case['service_id']}"), 404, "service_not_found")


async def test_a_definition_of_another_service_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    case = await open_case(client, admin_headers)
    other = definition(new_service_id(), "sso-section-40-enrolment")
    r = await client.put(f"{BASE}/cases/{case['id']}/definition", json=other, headers=admin_headers)
    body = assert_problem(r, 422, "onboarding_definition_mismatch")
    assert [e["pointer"] for e in body["errors"]] == ["/body/id"]


# -- who does what -------------------------------------------------------------------------------


async def test_steps_refuse_other_roles_other_actions_and_stale_versions(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h), 2)
    body = assert_problem(
        await act(client, h, case, "approve", "opdc_officer"), 403, "onboarding_role_not_allowed"
    )
    assert body["roles"] == ["opdc_management"]
    body = assert_problem(
        await act(client, h, case, "complete", "opdc_management"),
        409,
        "onboarding_action_not_allowed",
    )
    assert body["allowed"] == ["approve", "reject"]
    stale = {**case, "version": case["version"] - 1}
    body = assert_problem(
        await act(client, h, stale, "approve", "opdc_management"), 409, "onboarding_case_changed"
    )
    assert body["version"] == case["version"]
    case = await walk_to(client, h, case, 4)
    r = await act(client, h, case, "accept", "agency_executive")
    assert_problem(r, 422, "validation_failed")
    r = await act(client, h, case, "accept", "agency_executive", coordinator="นายประสาน งานดี")
    assert (r.json()["coordinator"], r.json()["step"]["key"]) == ("นายประสาน งานดี", "study")
    case = await walk_to(client, h, r.json(), 6)
    assert (await read(client, h, case))["flow_model_version"] is None
    body = assert_problem(
        await act(client, h, case, "complete", "opdc_officer"), 409, "onboarding_step_incomplete"
    )
    assert body["missing"] == ["flow_model"]


async def test_a_service_already_being_onboarded_is_not_opened_twice(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    case = await open_case(client, admin_headers)
    again = {"agency": "SSO", "service_id": case["service_id"], "category": "welfare"}
    r = await client.post(f"{BASE}/cases", json=again, headers=admin_headers)
    assert assert_problem(r, 409, "onboarding_case_exists")["case_id"] == case["id"]
    r = await client.post(f"{BASE}/cases", json={**again, "agency": "NOPE"}, headers=admin_headers)
    assert_problem(r, 404, "agency_not_found")
    assert_problem(
        await client.get(f"{BASE}/cases/999999", headers=admin_headers),
        404,
        "onboarding_case_not_found",
    )
    assert_problem(await client.get(f"{BASE}/cases"), 401, "unauthorized")


# -- overdue, lists and the summary -------------------------------------------------------------


async def test_a_step_is_overdue_after_its_working_days_and_a_holiday_does_not_count(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    # Step 2 entered Monday 17 August 2026; 7 working days: due at the close of Wednesday 26.
    await set_clock(client, h, "2026-08-17T10:00:00+07:00")
    case = await walk_to(client, h, await open_case(client, h), 2)
    assert case["step_due_at"] == "2026-08-26T09:30:00Z"
    await set_clock(client, h, "2026-08-27T10:00:00+07:00")
    case = await read(client, h, case)
    assert case["overdue"] is True
    r = await client.get(f"{BASE}/summary", headers=h)
    assert r.json()["overdue"] == 1
    assert r.json()["by_stage"][1] == {
        "step": 2,
        "key": "management_approval",
        "name_th": "นำเสนอฝ่ายบริหารสำนักงาน ก.พ.ร. เพื่อพิจารณา",
        "name_en": "Management approval (OPDC)",
        "open": 1,
        "overdue": 1,
    }

    holiday = {"day": "2026-08-20", "name_th": "วันหยุดพิเศษ", "name_en": "Special holiday"}
    r = await client.post("/v1/admin/calendar/holidays", json=holiday, headers=h)
    assert r.status_code == 201, r.text
    case = await read(client, h, case)
    assert (case["overdue"], case["step_due_at"]) == (False, "2026-08-27T09:30:00Z")
    assert (await client.get(f"{BASE}/summary", headers=h)).json()["overdue"] == 0


async def test_lists_filter_by_stage_agency_and_status_in_cursor_pages(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    first = await open_case(client, h)
    second = await walk_to(client, h, await open_case(client, h), 3)
    third = await open_case(client, h, agency="RD", category="tax")
    r = await client.get(f"{BASE}/cases", params={"limit": 2}, headers=h)
    page = r.json()
    assert [c["id"] for c in page["items"]] == [first["id"], second["id"]]
    r = await client.get(
        f"{BASE}/cases", params={"limit": 2, "cursor": page["next_cursor"]}, headers=h
    )
    assert ([c["id"] for c in r.json()["items"]], r.json()["next_cursor"]) == ([third["id"]], None)
    r = await client.get(f"{BASE}/cases", params={"stage": 3}, headers=h)
    assert [c["id"] for c in r.json()["items"]] == [second["id"]]
    r = await client.get(f"{BASE}/cases", params={"agency": "RD", "status": "open"}, headers=h)
    assert [c["id"] for c in r.json()["items"]] == [third["id"]]
    r = await client.get(
        f"{BASE}/cases", params={"stage": 1, "cursor": page["next_cursor"]}, headers=h
    )
    assert_problem(r, 400, "invalid_cursor")


async def test_the_summary_counts_cases_and_says_what_the_portal_has_live(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    h = admin_headers
    await walk_to(client, h, await open_case(client, h), 5)
    await open_case(client, h, agency="RD", category="tax")
    declining = await walk_to(
        client, h, await open_case(client, h, agency="DOE", category="work"), 4
    )
    assert (await act(client, h, declining, "decline", "agency_executive")).status_code == 200

    r = await client.get(f"{BASE}/summary", headers=h)
    assert r.status_code == 200, r.text
    summary = r.json()
    assert {s["key"]: s["open"] for s in summary["by_stage"] if s["open"]} == {
        "select": 1,
        "study": 1,
    }
    assert summary["by_status"] == {"open": 2, "closed": 1, "live": 0}
    assert summary["by_category"] == {"tax": 1, "welfare": 1}
    assert summary["by_agency"] == {"RD": 1, "SSO": 1}
    live = await published_services(client)
    categories = {s["category"]["code"] for s in live}
    assert summary["portal"] == {
        "live_services": len(live),
        "live_categories": len(categories),
        "text_th": f"เปิดให้บริการ {len(live)} บริการ ใน {len(categories)} หมวดหมู่",
        "text_en": f"{len(live)} services live in {len(categories)} categories",
    }


# -- two operators at once -----------------------------------------------------------------------


async def test_two_operators_acting_on_the_same_step_end_in_one_outcome(
    client: httpx.AsyncClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the case at step 2 (version v). The first is held after its read while the
    second approves and commits; the first then writes on what it read: its UPDATE finds the
    version moved on, the change is decided again on the stored case, and it is refused with
    409 onboarding_case_changed. One approval, one event, never a 500."""
    h = admin_headers
    case = await walk_to(client, h, await open_case(client, h), 2)
    original = OnboardingRepository.get
    held: list[bool] = []
    second: list[httpx.Response] = []

    async def read_then_let_the_other_in(self: OnboardingRepository, case_id: int) -> Any:
        row = await original(self, case_id)
        if not held:  # the first operator's first read: the second one acts now
            held.append(True)
            second.append(await act(client, h, case, "reject", "opdc_management"))
        return row

    monkeypatch.setattr(OnboardingRepository, "get", read_then_let_the_other_in)
    first = await act(client, h, case, "approve", "opdc_management")
    monkeypatch.undo()

    assert second[0].status_code == 200, second[0].text
    body = assert_problem(first, 409, "onboarding_case_changed")
    assert body["version"] == case["version"] + 1
    shown = await read(client, h, case)
    assert shown["step"]["key"] == "select"  # the second operator's rejection stands
    assert [e["action"] for e in shown["history"]].count("approve") == 0
    assert [e["action"] for e in shown["history"]][-1] == "reject"


async def test_two_operators_selecting_the_same_service_at_once_open_one_case(
    client: httpx.AsyncClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first operator finds no open case for the service and is held there while the
    second opens one and commits; the first then writes its own. One case is opened, the
    other operator gets 409 onboarding_case_exists naming it, never a 500."""
    h = admin_headers
    body = {"agency": "SSO", "service_id": new_service_id(), "category": "welfare"}
    first, second = await two_selects_at_once(client, h, body, monkeypatch)

    assert second.status_code == 201, second.text
    problem = assert_problem(first, 409, "onboarding_case_exists")
    assert problem["case_id"] == second.json()["id"]
    listed = await client.get(f"{BASE}/cases", params={"status": "open"}, headers=h)
    assert [c["id"] for c in listed.json()["items"] if c["service_id"] == body["service_id"]] == [
        second.json()["id"]
    ]


async def two_selects_at_once(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    body: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[httpx.Response, httpx.Response]:
    """Two selects of `body` at once: the first is held after its look for an open case
    while the second comes in, opens one and commits; the first then goes on. Their answers,
    first and second."""
    original = OnboardingRepository.open_case_of
    held: list[bool] = []
    second: list[httpx.Response] = []

    async def find_then_let_the_other_in(self: OnboardingRepository, service_id: str) -> Any:
        found = await original(self, service_id)
        if not held:  # the first request's first look: the second one comes in now
            held.append(True)
            second.append(await client.post(f"{BASE}/cases", json=body, headers=headers))
        return found

    monkeypatch.setattr(OnboardingRepository, "open_case_of", find_then_let_the_other_in)
    try:
        first = await client.post(f"{BASE}/cases", json=body, headers=headers)
    finally:
        monkeypatch.undo()
    return first, second[0]


async def test_an_operator_s_repeated_select_with_its_idempotency_key_answers_the_same_case(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """A retried "select" (a lost answer, a second tap) with its Idempotency-Key gets the case
    it opened, not 409; the key with another body is refused; no key keeps the 409."""
    keyed = {**admin_headers, "Idempotency-Key": f"select-{uuid.uuid4()}"}
    body = {"agency": "SSO", "service_id": new_service_id(), "category": "welfare"}
    first = await client.post(f"{BASE}/cases", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    again = await client.post(f"{BASE}/cases", json=body, headers=keyed)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert "Idempotent-Replayed" not in first.headers

    other = {**body, "service_id": new_service_id()}
    r = await client.post(f"{BASE}/cases", json=other, headers=keyed)
    assert_problem(r, 409, "idempotency_key_reused")
    r = await client.post(f"{BASE}/cases", json=body, headers=admin_headers)
    assert assert_problem(r, 409, "onboarding_case_exists")["case_id"] == first.json()["id"]
    r = await client.post(
        f"{BASE}/cases", json=body, headers={**admin_headers, "Idempotency-Key": "tab\there"}
    )
    assert_problem(r, 422, "invalid_idempotency_key")
    listed = await client.get(f"{BASE}/cases", params={"agency": "SSO"}, headers=admin_headers)
    opened = [c for c in listed.json()["items"] if c["service_id"] == body["service_id"]]
    assert [c["id"] for c in opened] == [first.json()["id"]]


async def test_two_selects_with_one_idempotency_key_at_once_both_answer_the_one_case(
    client: httpx.AsyncClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same key sent twice at once (the first held after its look while the second opens
    the case and commits): both get 201 with the one case, never 409 or 500."""
    keyed = {**admin_headers, "Idempotency-Key": f"select-{uuid.uuid4()}"}
    body = {"agency": "SSO", "service_id": new_service_id(), "category": "welfare"}
    first, second = await two_selects_at_once(client, keyed, body, monkeypatch)

    assert second.status_code == 201, second.text
    assert first.status_code == 201, first.text
    assert first.json()["id"] == second.json()["id"]
    assert first.headers["Idempotent-Replayed"] == "true"


async def test_a_service_with_a_counterpart_in_the_catalog_goes_live(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """Go-live lints the new service against the live catalog: a counterpart it names
    (R-10.6, another agency's live service the portal files) is found there."""
    h = admin_headers
    case = await walk_to(
        client, h, await open_case(client, h, agency="DCY", category="welfare"), 10
    )
    case = await step_on(client, h, case, documents=[{"name": "รายงานการทดสอบ"}])
    based_on = next(s for s in CATALOG.services if s.id == "dcy-child-support-grant")
    assert based_on.counterparts == ["sso-child-allowance"]
    r = await client.put(
        f"{BASE}/cases/{case['id']}/definition",
        json=definition(case["service_id"], based_on.id),
        headers=h,
    )
    assert r.status_code == 200, r.text
    case = await walk_to(client, h, r.json(), 13)

    r = await act(client, h, case, "complete", "dga_officer")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "live"
    r = await client.get(f"/v1/services/{case['service_id']}")
    assert r.status_code == 200, r.text
