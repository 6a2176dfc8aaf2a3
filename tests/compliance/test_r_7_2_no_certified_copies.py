"""R-7.2: uploaded copies need no signature or certification; a definition may not demand one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
