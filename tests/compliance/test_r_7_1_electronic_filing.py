"""R-7.1: a service that can be applied for may be applied for electronically; no step refuses a
request because it was electronic.

Over HTTP, through the whole stack (gateway + mock agencies). Which services the portal files
comes from the published catalog itself (`GET /v1/services`), checked against the seed: every
live service that is neither `in_person_required` nor link-only (R-7.5 informs those) takes an
electronic draft; the others are refused with a stated reason, never silently.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import (
    DLT_FORM,
    DLT_RENEWAL,
    PDF,
    Stack,
    act,
    agency_headers,
    assert_problem,
    attach,
    bearer,
    draft,
    login,
    published_services,
)

from gateway.catalog.definitions import can_file
from gateway.catalog.loader import load_catalog

pytestmark = pytest.mark.rule("R-7.1")


async def _published_services(stack: Stack) -> list[dict[str, Any]]:
    return await published_services(stack.gateway)


def _files_online(service: dict[str, Any]) -> bool:
    return can_file(
        in_person_required=service["in_person_required"],
        integration_mode=service["integration_mode"],
    )


def _seed_fileable() -> set[str]:
    catalog = load_catalog()
    modes = {a.code: a.integration_mode for a in catalog.agencies}
    return {
        s.id
        for s in catalog.services
        if s.status == "live"
        and can_file(
            in_person_required=s.in_person_required,
            integration_mode=s.integration_mode or modes[s.agency],
        )
    }


async def test_every_service_the_portal_files_takes_an_electronic_draft(stack: Stack) -> None:
    services = await _published_services(stack)
    fileable = [s["id"] for s in services if _files_online(s)]
    # The published catalog is the seed's: nothing fileable is hidden from the citizen.
    assert set(fileable) == _seed_fileable()
    assert DLT_RENEWAL in fileable
    assert len(fileable) >= 20

    headers = bearer(await login(stack))
    refused: dict[str, str] = {}
    for service_id in fileable:
        r = await stack.gateway.post(
            "/v1/applications", json={"service_id": service_id, "form": {}}, headers=headers
        )
        if r.status_code != 201:
            refused[service_id] = f"{r.status_code} {r.text[:200]}"
            continue
        body = r.json()
        assert body["service_id"] == service_id
        assert body["status"] == "draft"
        assert body["turn"] == "citizen"
        assert "submit" in body["allowed_actions"]
    assert refused == {}

    mine = await stack.gateway.get("/v1/applications", params={"limit": 200}, headers=headers)
    assert sorted(a["service_id"] for a in mine.json()["items"]) == sorted(fileable)


async def test_a_service_the_portal_does_not_file_says_so(stack: Stack) -> None:
    services = await _published_services(stack)
    informed = [s for s in services if not _files_online(s)]
    in_person = [s["id"] for s in informed if s["in_person_required"]]
    link_only = [s["id"] for s in informed if s["integration_mode"] == "link"]
    assert in_person, "the seed has no in-person service to check"
    assert link_only, "the seed has no link-only service to check"

    headers = bearer(await login(stack))
    for service_id in in_person + link_only:
        r = await stack.gateway.post(
            "/v1/applications", json={"service_id": service_id, "form": {}}, headers=headers
        )
        # A stated refusal the app can show (R-7.5: informed and booked, not filed), never a
        # silent failure or a half-made draft.
        problem = assert_problem(r, 409, "not_filed_online")
        assert problem["detail"]
    mine = await stack.gateway.get("/v1/applications", headers=headers)
    assert mine.json()["items"] == []


async def test_a_complete_renewal_goes_from_draft_to_submitted_electronically(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers, DLT_RENEWAL, DLT_FORM)
    assert application["status"] == "draft"
    application_id = application["id"]

    # A PDF scan is the whole document; no paper step follows.
    r = await attach(stack, headers, application_id, "medical-certificate", PDF, "medical.pdf")
    assert r.status_code == 201, r.text
    r = await stack.gateway.post(f"/v1/applications/{application_id}/submit", headers=headers)
    assert r.status_code == 201, r.text
    submitted = r.json()["application"]
    assert submitted["status"] == "submitted"
    assert submitted["number"].startswith("DLT-")
    assert submitted["delivery"] == "electronic"
    assert r.json()["receipt"]["number"] == submitted["number"]

    r = await stack.gateway.get(f"/v1/applications/{application_id}", headers=headers)
    assert r.status_code == 200
    assert r.json()["status"] == "submitted"
    assert [e["kind"] for e in r.json()["timeline"]] == ["created", "submit"]

    # The agency takes the electronic filing up like any other.
    dlt = await agency_headers(stack, "DLT")
    queue = await stack.gateway.get("/v1/agency/applications", headers=dlt)
    assert application_id in [a["id"] for a in queue.json()["items"]]
    r = await act(stack, dlt, application_id, "accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_review"
