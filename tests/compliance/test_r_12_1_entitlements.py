"""R-12.1 for know: the facts an entitlement depends on are fetched from the agencies that hold
them, never asked of the citizen. `GET /v1/me/entitlements` takes no input, and every fact a
live rule reads is either decided by a connected source agency or named as held by none."""

from __future__ import annotations

from typing import Any

import pytest
from support import Portal, bearer, login

from gateway.demo import DEMO_CITIZENS
from kernel.eligibility import facts_named

pytestmark = pytest.mark.rule("R-12.1")

#: Facts no connected agency holds (yet): shown `unknown`, with that reason, never asked.
HELD_BY_NONE = {"is_student"}


async def test_the_entitlements_operation_asks_the_citizen_nothing(portal: Portal) -> None:
    spec = (await portal.gateway.get("/openapi.json")).json()
    operation = spec["paths"]["/v1/me/entitlements"]["get"]
    assert "requestBody" not in operation
    assert [p for p in operation.get("parameters", []) if p["in"] in ("query", "path")] == []


async def test_every_fact_a_rule_reads_comes_from_its_source_agency(portal: Portal) -> None:
    headers = {**bearer(await login(portal, person=DEMO_CITIZENS[0])), "Accept-Language": "en"}
    given = await portal.gateway.put("/v1/me/consents/entitlements", headers=headers)
    assert given.status_code == 200, given.text
    r = await portal.gateway.get("/v1/me/entitlements", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()

    assert portal.app is not None
    know = portal.app.state.know
    declared = {fact for s in know.sources for fact in s.holder.citizen_facts} | {"age_years"}
    read = {
        fact
        for rule in (service.rule for service in (await _rules(portal)))
        for fact in facts_named(rule)
    }
    assert read - declared == HELD_BY_NONE

    conditions = [c for e in body["entitlements"] for c in e["conditions"]]
    assert conditions  # otherwise nothing was checked
    for condition in conditions:
        if condition["fact"] in HELD_BY_NONE:
            assert condition["met"] is None
            assert condition["unknown_because"] == "no_source"
        else:
            # Decided, and by the agency that holds it (the age: the registry's birth date).
            assert condition["met"] is not None, condition
            assert condition["source"] in {s.code for s in know.sources}, condition


async def _rules(portal: Portal) -> list[Any]:
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        catalog = await portal.app.state.know.catalog(session)
    return list(catalog.rules)
