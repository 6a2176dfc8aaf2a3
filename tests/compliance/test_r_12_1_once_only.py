"""R-12.1: a document a state agency issues is never demanded as an upload (once-only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support import attach, bearer, draft, login

from gateway.catalog.definitions import Document
from gateway.catalog.lint import Finding
from gateway.catalog.loader import load_catalog

pytestmark = pytest.mark.rule("R-12.1")

Data = dict[str, Any]
Lint = Callable[..., set[tuple[str, str, str]]]

ID_CARD = 0  # the fixture's state-issued document (DOPA), fetched by the portal
BANK_BOOK = 1  # the fixture's private-issued document, uploaded


def test_the_demo_seed_never_asks_to_upload_a_state_document(
    seed_findings: list[Finding],
) -> None:
    assert [f for f in seed_findings if f.rule == "R-12.1"] == []


def test_the_demo_seed_does_need_state_documents_and_uploads() -> None:
    # Otherwise the test above would pass for want of anything to check.
    documents: list[Document] = [d for s in load_catalog().services for d in s.manual.documents]
    assert any(d.issuer.kind == "state" for d in documents)
    assert any(d.source == "upload" for d in documents)


def test_the_complete_definition_has_no_findings(service_data: Data, lint_service: Lint) -> None:
    assert lint_service(service_data) == set()


def test_a_state_document_to_upload_is_reported(service_data: Data, lint_service: Lint) -> None:
    service_data["manual"]["documents"][ID_CARD]["source"] = "upload"
    assert lint_service(service_data) == {
        ("R-12.1", "state_document_upload", f"manual.documents[{ID_CARD}].source")
    }


def test_a_state_document_named_only_by_issuer_name_is_still_a_state_document(
    service_data: Data, lint_service: Lint
) -> None:
    service_data["manual"]["documents"][ID_CARD].update(
        source="upload",
        issuer={"kind": "state", "name": {"th": "สำนักงานเขต", "en": "District office"}},
    )
    assert lint_service(service_data) == {
        ("R-12.1", "state_document_upload", f"manual.documents[{ID_CARD}].source")
    }


@pytest.mark.parametrize("source", ["portal_fetch", "wallet"])
def test_a_state_document_fetched_or_from_the_wallet_is_accepted(
    service_data: Data, lint_service: Lint, source: str
) -> None:
    service_data["manual"]["documents"][ID_CARD]["source"] = source
    assert lint_service(service_data) == set()


@pytest.mark.parametrize("kind", ["private", "citizen"])
def test_an_upload_of_a_document_no_state_agency_issues_is_accepted(
    service_data: Data, lint_service: Lint, kind: str
) -> None:
    document = service_data["manual"]["documents"][BANK_BOOK]
    document["issuer"]["kind"] = kind
    assert document["source"] == "upload"
    assert lint_service(service_data) == set()


# -- the application form never asks what the state holds ---------------------------------------


def _field(th: str, en: str, **schema: Any) -> Data:
    return {"type": "string", "title": th, "x-title-en": en, **schema}


def _form(properties: Data, prefill: dict[str, str] | None = None) -> Data:
    return {
        "schema": {"type": "object", "properties": properties, "additionalProperties": False},
        "prefill": prefill or {},
    }


PHONE = {"contact_phone": _field("หมายเลขโทรศัพท์", "Phone number", pattern="^0[0-9]{8,9}$")}


def test_the_demo_seed_forms_prefill_the_applicants_names() -> None:
    forms = [s.form for s in load_catalog().services if s.form is not None]
    assert forms, "the demo seed has no form"
    for form in forms:
        assert form.prefill["first_name_th"] == "identity.first_name_th"
        assert form.prefill["last_name_th"] == "identity.last_name_th"


def test_a_form_that_prefills_what_the_state_holds_is_accepted(
    service_data: Data, lint_service: Lint
) -> None:
    service_data["form"] = _form(
        {
            "first_name_th": _field("ชื่อ", "First name"),
            "birth_date": _field("วันเดือนปีเกิด", "Date of birth", format="date"),
            "registered_address": _field("ที่อยู่ตามทะเบียนบ้าน", "Registered address"),
            **PHONE,
        },
        {
            "first_name_th": "identity.first_name_th",
            "birth_date": "identity.birth_date",
            "registered_address": "registry.address_th",
        },
    )
    assert lint_service(service_data) == set()


STATE_HELD = [
    pytest.param("first_name", "ชื่อตัว", "Given", id="name-first_name"),
    pytest.param("surname_th", "สกุล", "Family", id="name-surname_th"),
    pytest.param("date_of_birth", "เกิด", "Born", id="name-date_of_birth"),
    pytest.param("national_id", "เลข 13 หลัก", "13 digits", id="name-national_id"),
    pytest.param("address", "ที่อยู่", "Address", id="name-address"),
    pytest.param("gender", "เพศ", "Gender", id="name-gender"),
    pytest.param("applicant", "ชื่อ-นามสกุล", "Applicant", id="th-title-full-name"),
    pytest.param("born", "วันเดือนปีเกิด", "Born", id="th-title-birth-date"),
    pytest.param("pin", "เลขประจำตัวประชาชน", "PIN", id="th-title-national-id"),
    pytest.param("home", "ที่อยู่ตามทะเบียนบ้าน", "Home", id="th-title-registered-address"),
    pytest.param("who", "ผู้ยื่น", "Your last name", id="en-title-last-name"),
    pytest.param("when", "วันสำคัญ", "Date of birth", id="en-title-date-of-birth"),
    pytest.param("where", "ที่พัก", "Registered address", id="en-title-registered-address"),
]


@pytest.mark.parametrize(("name", "th", "en"), STATE_HELD)
def test_a_form_field_asking_what_the_state_holds_is_reported(
    service_data: Data, lint_service: Lint, name: str, th: str, en: str
) -> None:
    service_data["form"] = _form({name: _field(th, en), **PHONE})

    assert lint_service(service_data) == {
        ("R-12.1", "state_data_asked", f"form.schema.properties.{name}")
    }


def test_the_same_field_prefilled_is_accepted(service_data: Data, lint_service: Lint) -> None:
    service_data["form"] = _form(
        {"first_name": _field("ชื่อ", "First name")}, {"first_name": "identity.first_name_th"}
    )
    assert lint_service(service_data) == set()


NOT_STATE_HELD = [
    pytest.param("business_name", "ชื่อสถานประกอบการ", "Business name", id="business-name"),
    pytest.param("incident_date", "วันที่เกิดเหตุ", "Date of the incident", id="incident-date"),
    pytest.param("current_residence", "ที่พักอาศัยปัจจุบัน", "Where you live now", id="residence"),
    pytest.param("site_road", "ถนนที่ตั้งอาคาร", "Road of the building site", id="site"),
]


@pytest.mark.parametrize(("name", "th", "en"), NOT_STATE_HELD)
def test_a_field_the_state_does_not_hold_is_accepted(
    service_data: Data, lint_service: Lint, name: str, th: str, en: str
) -> None:
    service_data["form"] = _form({name: _field(th, en)})
    assert lint_service(service_data) == set()


def test_a_yes_no_question_about_the_address_asks_no_record(
    service_data: Data, lint_service: Lint
) -> None:
    question = {
        "type": "boolean",
        "title": "พักอาศัยตามทะเบียนบ้าน",
        "x-title-en": "I live at my registered address",
    }
    service_data["form"] = _form({"lives_at_registered_address": question})
    assert lint_service(service_data) == set()


def test_someone_elses_data_in_a_nested_object_is_accepted(
    service_data: Data, lint_service: Lint
) -> None:
    # A representative or a child is not the verified applicant: the portal may ask.
    representative = {
        "type": "object",
        "title": "ผู้รับมอบอำนาจ",
        "x-title-en": "Representative",
        "properties": {
            "first_name_th": _field("ชื่อ", "First name"),
            "national_id": _field("เลขประจำตัวประชาชน", "National ID", pattern="^[0-9]{13}$"),
        },
        "additionalProperties": False,
    }
    service_data["form"] = _form({"representative": representative})
    assert lint_service(service_data) == set()


# -- a state document under another issuer's name is still a state document ---------------------

STATE_DOCUMENT_NAMES = [
    pytest.param("สำเนาบัตรประจำตัวประชาชน", "Copy of ID", id="th-id-card-copy"),
    pytest.param("ทะเบียนบ้าน", "Household book", id="th-house-registration"),
    pytest.param("สูติบัตรของบุตร", "Child's record", id="th-birth-certificate"),
    pytest.param("สำเนาบัญชี", "Copy of your ID card", id="en-id-card"),
    pytest.param("เอกสาร", "A copy of the house registration", id="en-house-registration"),
    pytest.param("เอกสาร", "Passport photo page", id="en-passport"),
]


@pytest.mark.parametrize(("th", "en"), STATE_DOCUMENT_NAMES)
def test_an_upload_named_as_a_state_document_is_reported(
    service_data: Data, lint_service: Lint, th: str, en: str
) -> None:
    document = service_data["manual"]["documents"][BANK_BOOK]
    document["name"] = {"th": th, "en": en}
    assert document["source"] == "upload"
    assert document["issuer"]["kind"] != "state"

    assert lint_service(service_data) == {
        ("R-12.1", "state_document_misattributed", f"manual.documents[{BANK_BOOK}].issuer")
    }


def test_a_letter_that_mentions_the_registered_address_is_no_state_document(
    service_data: Data, lint_service: Lint
) -> None:
    service_data["manual"]["documents"][BANK_BOOK]["name"] = {
        "th": "หนังสือรับรองการพักอาศัยจากเจ้าของบ้าน (กรณีไม่ได้อยู่ตามทะเบียนบ้าน)",
        "en": "Landlord's letter (if you do not live at your registered address)",
    }
    assert lint_service(service_data) == set()


def test_a_state_document_the_portal_fetches_may_say_so_in_its_name(
    service_data: Data, lint_service: Lint
) -> None:
    document = service_data["manual"]["documents"][BANK_BOOK]
    document.update(source="portal_fetch", name={"th": "ทะเบียนบ้าน", "en": "House registration"})
    assert lint_service(service_data) == set()


@pytest.mark.rule("R-12.1")
async def test_a_state_issued_document_is_fetched_from_its_issuer_when_the_draft_is_made(
    portal: Any,
) -> None:
    """The renewal needs the current driving licence: DLT issued it, so the portal fetches it
    from DLT's back end (once-only) and never asks the citizen for it."""
    headers = bearer(await login(portal))
    application = await draft(portal, headers)
    licence = application["fetched_documents"]["current-licence"]
    assert licence["status"] == "fetched"
    assert licence["agency"] == "DLT"
    assert licence["data"]["licence_number"]
    assert licence["data"]["pid"] == "1100100001014"
    # Not asked as an upload, and not missing.
    r = await attach(portal, headers, application["id"], "current-licence")
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "fetched_by_portal"
    assert "/documents/current-licence" not in {m["pointer"] for m in application["missing"]}


@pytest.mark.rule("R-12.1")
async def test_an_issuer_that_cannot_answer_now_does_not_turn_into_a_demand(portal: Any) -> None:
    headers = bearer(await login(portal))
    await portal.agencies.put("/faults/DLT", json={"outage": True})
    application = await draft(portal, headers)
    assert application["fetched_documents"]["current-licence"]["status"] == "agency_unavailable"
    assert "/documents/current-licence" not in {m["pointer"] for m in application["missing"]}
