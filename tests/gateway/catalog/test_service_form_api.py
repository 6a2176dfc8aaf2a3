"""GET /v1/services/{id} shows the application form of a service the portal files: its JSON
Schema in the client's language, the fields the gateway prefills (never to be sent, R-12.1)
and the documents by the keys attachments use; nothing for a service it does not file."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from gateway.catalog.definitions import CatalogFile, EServiceDefinition, FormSpec
from gateway.catalog.forms import DEFAULT_FORM
from gateway.catalog.loader import load_catalog

RENEWAL = "dlt-driving-licence-renewal"
UNEMPLOYMENT = "sso-unemployment-benefit"
NO_OWN_FORM = "sso-contribution-check"  # filed (api), defines no form of its own
IN_PERSON = "dca-passport-appointment"
LINK_ONLY = "bma-traffy-fondue-report"


@pytest.fixture(scope="module")
def catalog() -> CatalogFile:
    return load_catalog()


def _service(catalog: CatalogFile, service_id: str) -> EServiceDefinition:
    return next(s for s in catalog.services if s.id == service_id)


def _spec(catalog: CatalogFile, service_id: str) -> FormSpec:
    form = _service(catalog, service_id).form
    assert form is not None
    return form


async def _form(client: httpx.AsyncClient, service_id: str, lang: str = "th") -> Any:
    r = await client.get(f"/v1/services/{service_id}", headers={"Accept-Language": lang})
    assert r.status_code == 200, r.text
    return r.json()["form"]


async def test_the_detail_shows_the_services_own_form(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    spec = _spec(catalog, RENEWAL)

    form = await _form(client, RENEWAL)

    assert form["default"] is False
    assert list(form["schema"]["properties"]) == list(spec.properties)
    assert form["schema"]["required"] == spec.required
    assert form["schema"]["additionalProperties"] is False
    assert [(p["field"], p["source"]) for p in form["prefilled"]] == [
        ("first_name_th", "identity.first_name_th"),
        ("last_name_th", "identity.last_name_th"),
        ("birth_date", "identity.birth_date"),
        ("registered_address", "registry.address_th"),
    ]


async def test_the_form_lists_the_documents_by_key(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    manual = _service(catalog, RENEWAL).manual

    form = await _form(client, RENEWAL)

    assert form["documents"] == [
        {
            "key": "id-card",
            "name": manual.documents[0].name.th,
            "source": "portal_fetch",
            "required": True,
        },
        {
            "key": "current-licence",
            "name": manual.documents[1].name.th,
            "source": "portal_fetch",
            "required": True,
        },
        {
            "key": "medical-certificate",
            "name": manual.documents[2].name.th,
            "source": "upload",
            "required": True,
        },
    ]


async def test_the_manual_documents_carry_the_same_keys(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/v1/services/{UNEMPLOYMENT}")).json()

    assert [d["key"] for d in body["manual"]["documents"]] == [
        d["key"] for d in body["form"]["documents"]
    ]
    assert [d["key"] for d in body["manual"]["documents"]] == [
        "id-card",
        "end-of-insurance-notice",
        "termination-letter",
        "bank-book",
    ]


async def test_titles_are_thai_by_default_and_english_when_asked(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    source = _spec(catalog, UNEMPLOYMENT).schema_["properties"]["cause"]

    thai = (await _form(client, UNEMPLOYMENT))["schema"]["properties"]["cause"]
    english = (await _form(client, UNEMPLOYMENT, "en"))["schema"]["properties"]["cause"]

    assert thai["title"] == source["title"]
    assert english["title"] == source["x-title-en"]
    assert [c["title"] for c in thai["oneOf"]] == [c["title"] for c in source["oneOf"]]
    assert [c["title"] for c in english["oneOf"]] == [c["x-title-en"] for c in source["oneOf"]]
    # The English annotations are folded in, not shipped beside the Thai.
    assert "x-title-en" not in str(thai)
    assert "x-title-en" not in str(english)


async def test_prefilled_fields_are_titled_in_the_clients_language(
    client: httpx.AsyncClient,
) -> None:
    thai = (await _form(client, UNEMPLOYMENT))["prefilled"]
    english = (await _form(client, UNEMPLOYMENT, "en"))["prefilled"]

    assert thai[0] == {"field": "first_name_th", "title": "ชื่อ", "source": "identity.first_name_th"}
    assert english[0]["title"] == "First name"


async def test_the_published_schema_validates_like_the_gateway(
    client: httpx.AsyncClient,
) -> None:
    # A client may check its data before sending it with any 2020-12 validator.
    schema = (await _form(client, UNEMPLOYMENT))["schema"]
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    claim = {
        "first_name_th": "สมหญิง",
        "last_name_th": "ใจงาม",
        "last_working_day": "2026-03-31",
        "cause": "laid_off",
        "paid_by": "bank_account",
        "contact_phone": "0812345678",
    }

    assert not validator.is_valid(claim)  # the bank account is missing
    claim["bank_account"] = {"bank": "006", "account_number": "1234567890"}
    assert validator.is_valid(claim)


async def test_a_filed_service_without_its_own_form_shows_the_default_form(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    assert _service(catalog, NO_OWN_FORM).form is None

    form = await _form(client, NO_OWN_FORM)

    assert form["default"] is True
    assert list(form["schema"]["properties"]) == list(DEFAULT_FORM.properties)
    assert [p["field"] for p in form["prefilled"]] == ["first_name_th", "last_name_th"]


@pytest.mark.parametrize("service_id", [IN_PERSON, LINK_ONLY])
async def test_a_service_the_portal_does_not_file_has_no_form(
    client: httpx.AsyncClient, catalog: CatalogFile, service_id: str
) -> None:
    service = _service(catalog, service_id)
    assert service.form is None

    r = await client.get(f"/v1/services/{service_id}")

    assert r.status_code == 200
    assert r.json()["form"] is None


async def test_every_seed_form_is_published(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    with_forms = [s for s in catalog.services if s.form is not None and s.status == "live"]
    assert len(with_forms) >= 6

    for service in with_forms:
        assert service.form is not None
        form = await _form(client, service.id)
        assert form["default"] is False, service.id
        assert {p["field"]: p["source"] for p in form["prefilled"]} == {
            k: v.value for k, v in service.form.prefill.items()
        }


async def test_the_detail_with_its_form_still_revalidates_with_its_etag(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get(f"/v1/services/{UNEMPLOYMENT}")
    etag = first.headers["etag"]

    again = await client.get(f"/v1/services/{UNEMPLOYMENT}", headers={"If-None-Match": etag})
    english = await client.get(f"/v1/services/{UNEMPLOYMENT}", headers={"Accept-Language": "en"})

    assert again.status_code == 304
    assert english.headers["etag"] != etag
