"""The agency-side documents hold: docs/case-api.openapi.yaml is a valid OpenAPI document with
exactly the Case API routes the mock casework engine serves, and the checklist's signature
snippet (stdlib only) accepts a real signed callback of the engine and refuses a forged one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from casework_support import CALLBACK_SECRET, WALL_TIME, Receiver, eventually, filing, serving
from fastapi.routing import APIRoute
from openapi_spec_validator import validate

from mock_agencies.casework.app import create_casework_app
from mock_agencies.casework.generic import AgencyData, agency_class
from mock_agencies.dlt import app as dlt

DOCS = Path(__file__).resolve().parents[2] / "docs"
CASE_API = DOCS / "case-api.openapi.yaml"
CHECKLIST = DOCS / "agency-onboarding-checklist.md"
#: The engine's routes that are the Case API (the rest are the mock's staff, rules and pages).
API_PREFIXES = ("/gdx/", "/api/v1/")


def test_the_case_api_document_is_valid_openapi() -> None:
    validate(yaml.safe_load(CASE_API.read_text()))


def test_the_case_api_document_has_exactly_the_mock_engine_s_routes() -> None:
    agency = agency_class(
        AgencyData(
            code="DOEX",
            name_th="ตัวอย่าง",
            name_en="Example",
            head_office="HQ",
            offices=[{"code": "HQ", "name_th": "ส่วนกลาง", "name_en": "Head office"}],  # type: ignore[list-item]
            services=[{"id": "doex-example"}],  # type: ignore[list-item]
        )
    )
    app = create_casework_app(agency(), consumers={"k": "s"}, callback_secret="c")
    served = {
        (method.lower(), route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith(API_PREFIXES)
        for method in route.methods
    }
    paths: dict[str, dict[str, Any]] = yaml.safe_load(CASE_API.read_text())["paths"]
    documented = {(method, path) for path, item in paths.items() for method in item}
    assert documented == served


def test_the_case_api_document_asks_for_the_secret_in_a_header() -> None:
    """As the shipped connector sends it and certification expects it (a secret in a URL is
    the finding secret-in-url): the query form is the legacy one, never required."""
    document = yaml.safe_load(CASE_API.read_text())
    validate_op = document["paths"]["/gdx/auth/validate"]["get"]
    schemes = document["components"]["securitySchemes"]
    sent_in = {
        (schemes[name]["in"], schemes[name]["name"])
        for requirement in validate_op["security"]
        for name in requirement
    }
    assert sent_in == {("header", "Consumer-Key"), ("header", "Consumer-Secret")}
    in_query = [p for p in validate_op["parameters"] if p["name"] == "ConsumerSecret"]
    assert all(not p["required"] and p["deprecated"] for p in in_query)
    assert "ConsumerSecret=" not in CHECKLIST.read_text()


def _snippet() -> str:
    (block,) = re.findall(r"```python\n(.*?)```", CHECKLIST.read_text(), re.S)
    return str(block)


def test_the_snippet_uses_only_the_standard_library() -> None:
    imports = re.findall(r"^(?:import|from) (\w+)", _snippet(), re.M)
    assert set(imports) <= {"hashlib", "hmac", "time"}


async def test_the_checklist_snippet_verifies_a_real_callback_and_refuses_a_forged_one() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(_snippet(), str(CHECKLIST), "exec"), namespace)  # noqa: S102 - our own doc
    genuine = namespace["callback_is_genuine"]

    receiver = Receiver()
    async with serving(dlt, "DLT", receiver) as agency:
        ref = await agency.filed(filing("dlt-driving-licence-renewal"))
        await agency.staff(ref, "accept")
        await eventually(lambda: len(receiver.requests) == 1)
    ((headers, body),) = receiver.requests
    sent = {name.title(): value for name, value in headers.items()}
    secret = CALLBACK_SECRET

    seen: set[str] = set()
    assert genuine(secret, sent, body, now=WALL_TIME, seen=seen) is True
    assert genuine(secret, sent, body, now=WALL_TIME, seen=seen) is False  # a replay
    assert genuine(secret, sent, body.replace(b"in_review", b"approved"), now=WALL_TIME) is False
    assert genuine("another secret", sent, body, now=WALL_TIME) is False
    assert genuine(secret, sent, body, now=WALL_TIME + 301) is False  # too old
