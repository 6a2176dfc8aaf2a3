"""R-7.2: uploaded copies need no signature or certification; a definition may not demand one."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from support import JPEG, PDF, attach, bearer, draft, login, published_service_ids

from gateway.catalog.lint import Finding

pytestmark = pytest.mark.rule("R-7.2")

Data = dict[str, Any]
Lint = Callable[..., set[tuple[str, str, str]]]

# The bank book copy is the fixture's uploaded document (manual.documents[1]).
BANK_BOOK = 1

DEMANDS = [
    pytest.param("th", "สำเนาหน้าสมุดบัญชีธนาคาร (สำเนาที่รับรองแล้ว)", id="th-certified-copy"),
    pytest.param("th", "สำเนาหน้าสมุดบัญชีธนาคาร พร้อมรับรองสำเนาถูกต้อง", id="th-certify-copy-correct"),
    pytest.param(
        "en", "Certified true copy of the bank book's first page", id="en-certified-true-copy"
    ),
    pytest.param("en", "Bank book's first page, certified copy", id="en-certified-copy"),
    pytest.param("en", "Bank book's first page, notarised", id="en-notarised"),
    pytest.param("en", "Bank book's first page, notarized", id="en-notarized"),
]


#: Operator bodies that define an e-service: they describe what it asks of citizens, so a
#: document there has `copies` and `certified_copy`, which the catalog lint refuses when
#: they demand more than one plain set; go-live runs that lint (tests/gateway/onboarding,
#: "never goes live"). No request of a citizen or an agency is exempt.
OPERATOR_DEFINITIONS = frozenset({"/v1/admin/onboarding/cases/{case_id}/definition"})


def test_the_demo_seed_demands_no_certified_copy(seed_findings: list[Finding]) -> None:
    assert [f for f in seed_findings if f.rule == "R-7.2"] == []


def test_the_complete_definition_has_no_findings(service_data: Data, lint_service: Lint) -> None:
    assert lint_service(service_data) == set()


def test_the_certified_copy_flag_is_reported(service_data: Data, lint_service: Lint) -> None:
    service_data["manual"]["documents"][BANK_BOOK]["certified_copy"] = True
    assert lint_service(service_data) == {
        ("R-7.2", "certified_copy_demanded", f"manual.documents[{BANK_BOOK}]")
    }


@pytest.mark.parametrize(("language", "phrase"), DEMANDS)
def test_a_document_name_demanding_certification_is_reported(
    service_data: Data, lint_service: Lint, language: str, phrase: str
) -> None:
    service_data["manual"]["documents"][BANK_BOOK]["name"][language] = phrase
    assert lint_service(service_data) == {
        ("R-7.2", "certified_copy_demanded", f"manual.documents[{BANK_BOOK}]")
    }


@pytest.mark.parametrize(("language", "phrase"), DEMANDS)
def test_a_document_note_demanding_certification_is_reported(
    service_data: Data, lint_service: Lint, language: str, phrase: str
) -> None:
    service_data["manual"]["documents"][BANK_BOOK]["note"][language] = phrase
    assert lint_service(service_data) == {
        ("R-7.2", "certified_copy_demanded", f"manual.documents[{BANK_BOOK}]")
    }


@pytest.mark.parametrize(("language", "phrase"), DEMANDS)
def test_a_condition_demanding_certification_is_reported(
    service_data: Data, lint_service: Lint, language: str, phrase: str
) -> None:
    service_data["manual"]["conditions"][1][language] = phrase
    assert lint_service(service_data) == {
        ("R-7.2", "certified_copy_demanded", "manual.conditions[1]")
    }


@pytest.mark.parametrize(
    ("th", "en"),
    [
        pytest.param("สำเนาหน้าสมุดบัญชีธนาคาร", "Copy of the bank book", id="plain-copy"),
        pytest.param("หนังสือรับรองเงินเดือน", "Salary certificate", id="a-certificate"),
        pytest.param(
            "สำเนาหนังสือรับรองเงินเดือน", "Copy of the salary certificate", id="copy-of-a-certificate"
        ),
        pytest.param(
            "สำเนาใบรับรองแพทย์", "Copy of a medical certificate", id="copy-of-medical-cert"
        ),
    ],
)
def test_a_copy_of_a_certificate_is_not_a_demand_for_certification(
    service_data: Data, lint_service: Lint, th: str, en: str
) -> None:
    # "หนังสือรับรอง" / "ใบรับรอง" is a certificate (the document itself), not a demand that a
    # copy be certified; a plain copy (สำเนา) is what allows.
    service_data["manual"]["documents"][BANK_BOOK]["name"] = {"th": th, "en": en}
    assert lint_service(service_data) == set()


# -- the application form may not demand one either ---------------------------------------------


def _form_with(field: Data) -> Data:
    return {
        "schema": {
            "type": "object",
            "properties": {"bank_book_note": field},
            "additionalProperties": False,
        }
    }


@pytest.mark.parametrize(("language", "phrase"), DEMANDS)
@pytest.mark.parametrize("keyword", ["title", "description"])
def test_a_form_field_demanding_certification_is_reported(
    service_data: Data, lint_service: Lint, language: str, phrase: str, keyword: str
) -> None:
    field: Data = {"type": "string", "title": "หมายเหตุ", "x-title-en": "Note"}
    field[keyword if language == "th" else f"x-{keyword}-en"] = phrase
    service_data["form"] = _form_with(field)

    assert lint_service(service_data) == {
        ("R-7.2", "certified_copy_demanded", "form.schema.properties.bank_book_note")
    }


def test_a_choice_demanding_certification_is_reported(
    service_data: Data, lint_service: Lint
) -> None:
    field = {
        "type": "string",
        "title": "วิธีส่งเอกสาร",
        "x-title-en": "How you send the document",
        "oneOf": [
            {"const": "scan", "title": "สแกน", "x-title-en": "A scan"},
            {"const": "certified", "title": "สำเนาที่รับรองแล้ว", "x-title-en": "A copy"},
        ],
    }
    service_data["form"] = _form_with(field)

    assert lint_service(service_data) == {
        ("R-7.2", "certified_copy_demanded", "form.schema.properties.bank_book_note.oneOf[1]")
    }


def test_a_form_asking_for_a_plain_copy_is_accepted(service_data: Data, lint_service: Lint) -> None:
    service_data["form"] = _form_with(
        {"type": "string", "title": "สำเนาหนังสือรับรองเงินเดือน", "x-title-en": "Salary certificate"}
    )
    assert lint_service(service_data) == set()


# -- over HTTP: an upload is taken as it is, and nothing asks for certification ------------------

# What a demand for a signed or certified copy would look like in the published API: a field
# for it, or words asking for it (a "certificate" is a document, not such a demand).
_CERTIFYING_FIELD = r"certif|signature|notari"
_CERTIFYING_WORDS = r"certified|certify|notari[sz]|signed cop|รับรองสำเนา|สำเนาที่รับรอง"


def _certifying(name: str, pattern: str = _CERTIFYING_FIELD) -> bool:

    return re.search(pattern, name, re.IGNORECASE) is not None


async def test_a_phone_photo_and_a_pdf_scan_are_taken_without_certification(stack: Any) -> None:

    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    application_id = application["id"]

    # A photo straight from the phone's camera: no signature, no stamp, no certification field.
    r = await attach(
        stack, headers, application_id, "medical-certificate", JPEG, "IMG_0001.jpg", "image/jpeg"
    )
    assert r.status_code == 201, r.text
    photo = r.json()["items"][0]
    assert photo["media_type"] == "image/jpeg"
    # A plain PDF scan of the same paper.
    r = await attach(stack, headers, application_id, "medical-certificate", PDF, "scan.pdf")
    assert r.status_code == 201, r.text
    scan = r.json()["items"][0]
    assert scan["media_type"] == "application/pdf"
    for stored in (photo, scan):
        assert not [k for k in stored if _certifying(k)], stored

    r = await stack.gateway.get(f"/v1/applications/{application_id}", headers=headers)
    assert r.json()["missing"] == []
    r = await stack.gateway.post(f"/v1/applications/{application_id}/submit", headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["application"]["status"] == "submitted"
    receipt = r.json()["receipt"]["payload"]
    assert sorted(a["media_type"] for a in receipt["attachments"]) == [
        "application/pdf",
        "image/jpeg",
    ]


async def test_no_published_service_asks_for_a_certified_copy(stack: Any) -> None:
    ids = await published_service_ids(stack.gateway)
    uploads = 0
    for service_id in ids:
        for lang in ("th", "en"):
            r = await stack.gateway.get(
                f"/v1/services/{service_id}", headers={"Accept-Language": lang}
            )
            assert r.status_code == 200, r.text
            detail = r.json()
            documents = detail["manual"]["documents"]
            form = detail["form"] or {"documents": []}
            for document in [*documents, *form["documents"]]:
                flags = {k: v for k, v in document.items() if _certifying(k)}
                assert not any(flags.values()), (service_id, document)
                words = " ".join(str(document.get(k) or "") for k in ("name", "note"))
                assert not _certifying(words, _CERTIFYING_WORDS), (service_id, words)
            if detail["form"] is not None:  # nor a field of the application form
                names = _property_names(detail["form"]["schema"], {})
                assert not [n for n in names if _certifying(n)], (service_id, names)
            uploads += sum(d["source"] == "upload" for d in documents)
    assert len(ids) >= 20
    assert uploads > 0  # the check saw documents the citizen does upload


async def test_the_upload_api_has_no_certification_field(stack: Any) -> None:
    spec = (await stack.gateway.get("/openapi.json")).json()
    upload = spec["paths"]["/v1/applications/{application_id}/attachments"]["post"]
    content = upload["requestBody"]["content"]
    assert set(content["multipart/form-data"]["schema"]["properties"]) == {"document", "file"}
    found = []
    for path, operations in spec["paths"].items():
        if path in OPERATOR_DEFINITIONS:
            continue
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                names = _property_names(media.get("schema", {}), spec["components"]["schemas"])
                found += [f"{method} {path}: {n}" for n in names if _certifying(n)]
    assert found == []


def _property_names(
    schema: Any, components: dict[str, Any], seen: set[str] | None = None
) -> set[str]:
    """Every property name a request body schema allows, through $ref, anyOf and nesting."""
    seen = set() if seen is None else seen
    names: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref not in seen:
            seen.add(ref)
            names |= _property_names(components[ref.rsplit("/", 1)[-1]], components, seen)
        properties = schema.get("properties")
        if isinstance(properties, dict):
            names |= set(properties)
        for value in schema.values():
            names |= _property_names(value, components, seen)
    elif isinstance(schema, list):
        for value in schema:
            names |= _property_names(value, components, seen)
    return names
