"""R-7.3: one electronic set counts as all the sets a law asks for."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from support import PDF, attach, bearer, draft, login, published_service_ids

from gateway.catalog.lint import Finding

pytestmark = pytest.mark.rule("R-7.3")

Data = dict[str, Any]
Lint = Callable[..., set[tuple[str, str, str]]]


#: Operator bodies that define an e-service: they describe what it asks of citizens, so a
#: document there has `copies` and `certified_copy`, which the catalog lint refuses when
#: they demand more than one plain set; go-live runs that lint (tests/gateway/onboarding,
#: "never goes live"). No request of a citizen or an agency is exempt.
OPERATOR_DEFINITIONS = frozenset({"/v1/admin/onboarding/cases/{case_id}/definition"})


def test_the_demo_seed_asks_for_one_set_of_every_document(seed_findings: list[Finding]) -> None:
    assert [f for f in seed_findings if f.rule == "R-7.3"] == []


def test_the_complete_definition_has_no_findings(service_data: Data, lint_service: Lint) -> None:
    assert lint_service(service_data) == set()


@pytest.mark.parametrize("copies", [2, 3])
@pytest.mark.parametrize("index", [0, 1])
def test_a_document_asked_for_in_several_copies_is_reported(
    service_data: Data, lint_service: Lint, index: int, copies: int
) -> None:
    service_data["manual"]["documents"][index]["copies"] = copies
    assert lint_service(service_data) == {
        ("R-7.3", "several_copies_demanded", f"manual.documents[{index}].copies")
    }


def test_one_copy_said_explicitly_is_accepted(service_data: Data, lint_service: Lint) -> None:
    for document in service_data["manual"]["documents"]:
        document["copies"] = 1
    assert lint_service(service_data) == set()


# -- over HTTP: one upload is the whole set ------------------------------------------------------

# Request fields that would ask for several sets of a document.
_SETS = r"cop(y|ies)|(^|_)sets$|quantity|number_of"


async def test_one_upload_is_the_whole_set(stack: Any) -> None:

    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    application_id = application["id"]
    assert [m["pointer"] for m in application["missing"]] == ["/documents/medical-certificate"]

    r = await attach(stack, headers, application_id, "medical-certificate", PDF, "medical.pdf")
    assert r.status_code == 201, r.text
    r = await stack.gateway.get(f"/v1/applications/{application_id}", headers=headers)
    assert r.json()["missing"] == []
    documents = {d["key"]: d for d in r.json()["documents"]}
    assert documents["medical-certificate"]["attached"] == 1

    r = await stack.gateway.post(f"/v1/applications/{application_id}/submit", headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["application"]["status"] == "submitted"
    attachments = r.json()["receipt"]["payload"]["attachments"]
    assert [a["document"] for a in attachments] == ["medical-certificate"]


async def test_no_published_service_asks_for_more_than_one_set(stack: Any) -> None:
    ids = await published_service_ids(stack.gateway)
    copies: dict[tuple[str, str], int] = {}
    for service_id in ids:
        r = await stack.gateway.get(f"/v1/services/{service_id}")
        assert r.status_code == 200, r.text
        for document in r.json()["manual"]["documents"]:
            copies[(service_id, document["key"])] = document["copies"]
    assert len(ids) >= 20
    assert copies, "the published services list no documents"
    assert {k: n for k, n in copies.items() if n != 1} == {}


async def test_no_request_asks_for_a_number_of_copies(stack: Any) -> None:

    spec = (await stack.gateway.get("/openapi.json")).json()
    components = spec["components"]["schemas"]
    found = []
    for path, operations in spec["paths"].items():
        if path in OPERATOR_DEFINITIONS:
            continue
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                for name in _request_fields(media.get("schema", {}), components, set()):
                    if re.search(_SETS, name, re.IGNORECASE):
                        found.append(f"{method} {path}: {name}")
            for parameter in operation.get("parameters", []):
                if re.search(_SETS, parameter.get("name", ""), re.IGNORECASE):
                    found.append(f"{method} {path}: {parameter['name']}")
    assert found == []
    # The upload takes the document's key and the file(s), nothing more.
    upload = spec["paths"]["/v1/applications/{application_id}/attachments"]["post"]
    multipart = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(multipart["properties"]) == {"document", "file"}


def _request_fields(schema: Any, components: dict[str, Any], seen: set[str]) -> set[str]:
    """Every property name a request body schema allows, through $ref, anyOf and nesting."""
    names: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref not in seen:
            seen.add(ref)
            names |= _request_fields(components[ref.rsplit("/", 1)[-1]], components, seen)
        if isinstance(schema.get("properties"), dict):
            names |= set(schema["properties"])
        for value in schema.values():
            names |= _request_fields(value, components, seen)
    elif isinstance(schema, list):
        for value in schema:
            names |= _request_fields(value, components, seen)
    return names
