"""Application forms and document keys in catalog definitions: what loading accepts, and the
clear error it gives for a form or a document list it must refuse."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.catalog.definitions import (
    FormSpec,
    Manual,
    PrefillSource,
    can_file,
    ecma_regex,
)
from gateway.catalog.loader import CatalogFileError, load_catalog

AGENCY: dict[str, Any] = {
    "code": "DOP",
    "name": {"th": "กรมกิจการผู้สูงอายุ", "en": "Department of Older Persons"},
    "ministry": {"th": "กระทรวงการพัฒนาสังคมฯ", "en": "Ministry of Social Development"},
    "integration_mode": "platform",
    "units": [{"code": "DOP_HQ", "name": {"th": "ส่วนกลาง", "en": "Head office"}}],
}


def _form() -> dict[str, Any]:
    return {
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "first_name_th": {"type": "string", "title": "ชื่อ", "x-title-en": "First name"},
                "birth_date": {"type": "string", "format": "date", "title": "วันเดือนปีเกิด"},
                "contact_phone": {"type": "string", "pattern": "^0[0-9]{8,9}$"},
            },
            "required": ["first_name_th", "contact_phone"],
            "additionalProperties": False,
        },
        "prefill": {"first_name_th": "identity.first_name_th", "birth_date": "identity.birth_date"},
    }


def _documents() -> list[dict[str, Any]]:
    return [
        {
            "name": {"th": "ข้อมูลบัตรประจำตัวประชาชน", "en": "ID card data"},
            "issuer": {"kind": "state", "agency_code": "DOPA"},
            "source": "portal_fetch",
        },
        {
            "name": {"th": "สมุดบัญชีธนาคาร", "en": "Bank book"},
            "issuer": {"kind": "private"},
            "source": "upload",
        },
    ]


def _service(form: Any = None, documents: Any = None) -> dict[str, Any]:
    service: dict[str, Any] = {
        "id": "dop-test-allowance",
        "agency": "DOP",
        "name": {"th": "ลงทะเบียน", "en": "Register"},
        "summary": {"th": "ลงทะเบียน", "en": "Register"},
        "category": "welfare",
        "life_stages": ["elderly"],
        "manual": {"documents": _documents() if documents is None else documents},
    }
    if form is not None:
        service["form"] = form
    return service


def _load(tmp_path: Path, service: dict[str, Any]) -> Any:
    path = tmp_path / "dop.yaml"
    path.write_text(
        yaml.safe_dump(
            {"agencies": [AGENCY], "services": [service]}, allow_unicode=True, sort_keys=False
        ),
        encoding="utf-8",
    )
    return load_catalog([path])


def _refused(tmp_path: Path, service: dict[str, Any]) -> str:
    with pytest.raises(CatalogFileError) as caught:
        _load(tmp_path, service)
    message = str(caught.value)
    assert "dop.yaml" in message  # says which file
    return message


# -- forms that load ----------------------------------------------------------------------------


def test_a_service_with_a_valid_form_loads(tmp_path: Path) -> None:
    catalog = _load(tmp_path, _service(_form()))

    form = catalog.services[0].form
    assert isinstance(form, FormSpec)
    assert form.prefill == {
        "first_name_th": PrefillSource.FIRST_NAME_TH,
        "birth_date": PrefillSource.BIRTH_DATE,
    }
    assert list(form.properties) == ["first_name_th", "birth_date", "contact_phone"]
    assert form.required == ["first_name_th", "contact_phone"]


def test_a_service_may_have_no_form(tmp_path: Path) -> None:
    assert _load(tmp_path, _service()).services[0].form is None


def test_a_form_is_stored_by_its_alias_and_reads_back_the_same() -> None:
    form = FormSpec.model_validate(_form())

    stored = form.model_dump(mode="json", by_alias=True)

    assert set(stored) == {"schema", "prefill"}
    assert stored["prefill"] == {
        "first_name_th": "identity.first_name_th",
        "birth_date": "identity.birth_date",
    }
    assert FormSpec.model_validate(stored) == form


def test_the_prefill_vocabulary_is_closed_and_named_by_source() -> None:
    assert {s.value for s in PrefillSource} == {
        "identity.first_name_th",
        "identity.last_name_th",
        "identity.first_name_en",
        "identity.last_name_en",
        "identity.birth_date",
        "registry.address_th",
        "registry.province_code",
        "registry.sex",
    }


# -- forms that are refused, with a clear reason ------------------------------------------------


def _broken(change: Any) -> dict[str, Any]:
    form = _form()
    change(form)
    return form


REFUSED_FORMS = [
    pytest.param(
        _broken(lambda f: f["schema"]["properties"]["contact_phone"].update(type="text")),
        "not a valid JSON Schema (2020-12)",
        id="unknown-type",
    ),
    pytest.param(
        _broken(lambda f: f["schema"]["properties"]["contact_phone"].update(maxLength=-1)),
        "not a valid JSON Schema (2020-12)",
        id="negative-max-length",
    ),
    pytest.param(
        _broken(lambda f: f["schema"]["properties"]["contact_phone"].update(pattern="([0-9]")),
        "not a valid JSON Schema (2020-12)",
        id="broken-regex",
    ),
    pytest.param(
        _broken(
            lambda f: f["schema"].update({"$schema": "http://json-schema.org/draft-07/schema#"})
        ),
        "JSON Schema 2020-12",
        id="another-draft",
    ),
    pytest.param(
        _broken(lambda f: f["schema"].update(type="array")),
        '"type": "object"',
        id="not-an-object",
    ),
    pytest.param(
        _broken(lambda f: f["schema"].pop("properties")),
        '"properties"',
        id="no-properties",
    ),
    pytest.param(
        _broken(lambda f: f["schema"].pop("additionalProperties")),
        '"additionalProperties": false',
        id="open-to-any-field",
    ),
    pytest.param(
        _broken(lambda f: f["schema"].update(additionalProperties=True)),
        '"additionalProperties": false',
        id="additional-properties-true",
    ),
    pytest.param(
        _broken(lambda f: f["prefill"].update(address="registry.address_th")),
        "prefill field 'address' is not a property of the form schema",
        id="prefill-key-not-a-property",
    ),
    pytest.param(
        _broken(lambda f: f["prefill"].update(contact_phone="registry.phone")),
        "registry.address_th",  # the error lists the vocabulary
        id="prefill-source-not-in-the-vocabulary",
    ),
    pytest.param(
        _broken(lambda f: f["prefill"].update(contact_phone="registry.province_code")),
        "does not accept what registry.province_code gives",
        id="prefilled-field-refuses-its-source",
    ),
    pytest.param(
        _broken(lambda f: f["schema"]["properties"]["contact_phone"].update(format="uri")),
        "format 'uri' at /properties/contact_phone is not checked",
        id="unchecked-format",
    ),
    pytest.param(
        _broken(
            lambda f: f["schema"]["properties"].update(
                address={"$ref": "https://example.com/address.json"}
            )
        ),
        "only references inside the form",
        id="remote-ref",
    ),
    pytest.param(
        _broken(lambda f: f.update(layout="two-columns")),
        "Extra inputs are not permitted",
        id="unknown-key-beside-schema",
    ),
]


@pytest.mark.parametrize(("form", "reason"), REFUSED_FORMS)
def test_a_bad_form_is_refused_at_load_with_the_reason(
    tmp_path: Path, form: dict[str, Any], reason: str
) -> None:
    message = _refused(tmp_path, _service(form))

    assert reason in message
    assert "form" in message


def test_a_property_named_like_a_keyword_is_not_taken_for_one() -> None:
    form = _form()
    form["schema"]["properties"]["format"] = {"type": "string", "title": "รูปแบบ"}
    form["schema"]["properties"]["$ref"] = {"type": "string"}

    assert "format" in FormSpec.model_validate(form).properties


def test_local_references_are_allowed() -> None:
    form = _form()
    form["schema"]["$defs"] = {"phone": {"type": "string", "pattern": "^0[0-9]{8,9}$"}}
    form["schema"]["properties"]["contact_phone"] = {"$ref": "#/$defs/phone"}

    assert FormSpec.model_validate(form).properties["contact_phone"] == {"$ref": "#/$defs/phone"}


# -- patterns mean what JSON Schema says (ECMA-262) ---------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"^\d{3}$", "123", True),
        (r"^\d{3}$", "๑๒๓", False),  # Thai digits are no \d in ECMA-262
        (r"^\w+$", "ก", False),
        (r"^[0-9]{3}$", "123\n", False),  # $ is the end of the text, not before a newline
        (r"^a[$]b$", "a$b", True),  # a $ inside a class stays a character
        (r"^a\$$", "a$", True),  # and so does an escaped one
        (r"^[ก-๙]+$", "สมชาย", True),  # Thai ranges work as written
    ],
)
def test_patterns_follow_ecma_262(pattern: str, text: str, matches: bool) -> None:
    assert bool(ecma_regex(pattern).search(text)) is matches


def test_a_form_pattern_refuses_thai_digits_and_a_trailing_newline() -> None:
    form = FormSpec.model_validate(
        {
            "schema": {
                "type": "object",
                "properties": {"pid": {"type": "string", "pattern": r"^\d{13}$"}},
                "additionalProperties": False,
            }
        }
    )
    validator = form.validator()

    assert validator.is_valid({"pid": "1234567890123"})
    assert not validator.is_valid({"pid": "๑๒๓๔๕๖๗๘๙๐๑๒๓"})
    assert not validator.is_valid({"pid": "1234567890123\n"})


# -- document keys ------------------------------------------------------------------------------


def test_documents_without_a_key_are_keyed_by_position() -> None:
    manual = Manual.model_validate({"documents": _documents()})

    assert [key for key, _ in manual.keyed_documents()] == ["doc-1", "doc-2"]


def test_a_documents_own_key_is_used() -> None:
    documents = _documents()
    documents[1]["key"] = "bank-book"

    manual = Manual.model_validate({"documents": documents})

    assert [key for key, _ in manual.keyed_documents()] == ["doc-1", "bank-book"]


def test_duplicate_document_keys_are_refused_at_load(tmp_path: Path) -> None:
    documents = _documents()
    for document in documents:
        document["key"] = "id-card"

    message = _refused(tmp_path, _service(documents=documents))

    assert "document keys must be unique" in message
    assert "id-card" in message


def test_an_own_key_may_not_take_another_documents_positional_key(tmp_path: Path) -> None:
    documents = _documents()
    documents[0]["key"] = "doc-2"  # the second document is doc-2 by position

    message = _refused(tmp_path, _service(documents=documents))

    assert "document keys must be unique" in message
    assert "doc-2" in message


@pytest.mark.parametrize("key", ["ID-card", "1st", "a", "id card", "x" * 41, "บัตร"])
def test_a_malformed_document_key_is_refused(tmp_path: Path, key: str) -> None:
    documents = copy.deepcopy(_documents())
    documents[0]["key"] = key

    message = _refused(tmp_path, _service(documents=documents))

    assert "key" in message


def test_every_seed_document_has_a_unique_key_per_service() -> None:
    for service in load_catalog().services:
        keys = [key for key, _ in service.manual.keyed_documents()]
        assert len(keys) == len(set(keys)), service.id


# -- which services file ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_person", "mode", "files"),
    [
        (False, "api", True),
        (False, "web", True),
        (False, "platform", True),
        (False, "link", False),
        (True, "api", False),
        (True, "platform", False),
    ],
)
def test_the_portal_files_neither_in_person_nor_link_services(
    in_person: bool, mode: str, files: bool
) -> None:
    assert can_file(in_person_required=in_person, integration_mode=mode) is files


def test_the_seed_gives_its_own_form_only_to_services_the_portal_files() -> None:
    catalog = load_catalog()
    modes = {a.code: a.integration_mode for a in catalog.agencies}
    with_forms = [s for s in catalog.services if s.form is not None]

    assert len(with_forms) >= 6
    for service in with_forms:
        mode = service.integration_mode or modes[service.agency]
        assert can_file(in_person_required=service.in_person_required, integration_mode=mode)
