"""The mock National Health Security Office: each Thai citizen's one main health-coverage
scheme, agreeing with CGD's pension register and SSO's insurance register."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from casework_support import BOONMEE, NATTHIDA, SOMCHAI, assert_error
from know_support import Know, serving

from mock_agencies.dopa.population import nationality
from mock_agencies.sso.app import Sso

THONGBAI = "3340100007076"  # demo citizen 7: a pensioner


@pytest.fixture
async def know() -> AsyncIterator[Know]:
    async with serving() as served:
        yield served


async def test_demo_citizen_2_has_the_gold_card_at_his_district_hospital(know: Know) -> None:
    r = await know.read("NHSO", f"/api/v1/coverage/{BOONMEE}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scheme"] == "UC"
    assert body["scheme_name_en"] == "Universal Coverage Scheme (gold card)"
    assert body["main_hospital"]["name_th"] == "โรงพยาบาลหางดง"
    assert body["main_hospital"]["name_en"] == "Hang Dong Hospital"
    assert len(body["main_hospital"]["code"]) == 5
    assert 2 <= body["changes_left_this_year"] <= 4
    assert "2002-10-01" <= body["since"] <= "2025-10-01"


@pytest.mark.parametrize(
    ("pid", "scheme"), [(SOMCHAI, "SSS"), (NATTHIDA, "SSS"), (THONGBAI, "CSMBS")]
)
async def test_the_demo_citizens_schemes(know: Know, pid: str, scheme: str) -> None:
    body = (await know.read("NHSO", f"/api/v1/coverage/{pid}")).json()
    assert body["scheme"] == scheme
    assert (body["main_hospital"], body["changes_left_this_year"]) == (None, None)


async def test_every_thai_person_has_exactly_the_scheme_the_other_registers_imply(
    know: Know,
) -> None:
    """CSMBS for CGD's pensioners, else SSS for SSO's active s.33/39 insured, else UC; nobody
    who is not Thai (the register covers Thai citizens)."""
    nhso, cgd = await know.headers("NHSO"), await know.headers("CGD")
    sso = Sso(0)
    schemes = set()
    for person in list(know.population)[:600]:
        r = await know.client.get(f"/nhso/api/v1/coverage/{person.pid}", headers=nhso)
        if nationality(person) != "TH":
            assert_error(r, 404, "not_found")
            continue
        scheme = r.json()["scheme"]
        schemes.add(scheme)
        pension = await know.client.get(f"/cgd/api/v1/pensioners/{person.pid}", headers=cgd)
        insured = sso.insured(person.pid)
        if pension.json()["status"] == "pensioner":
            assert scheme == "CSMBS", person
        elif insured and insured.section in (33, 39) and insured.status == "active":
            assert scheme == "SSS", person
        else:
            assert scheme == "UC", person
    assert schemes == {"UC", "SSS", "CSMBS"}


async def test_coverage_needs_a_token(know: Know) -> None:
    assert_error(await know.client.get(f"/nhso/api/v1/coverage/{SOMCHAI}"), 401, "unauthorised")
    assert (await know.client.get("/nhso/api/v1/health")).json()["status"] == "ok"
