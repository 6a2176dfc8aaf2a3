"""The mock Comptroller General's Department: the pension register the portal reads (know),
behind the data-exchange door every API-kind agency keeps."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from casework_support import BOONMEE, NATTHIDA, SOMCHAI, assert_error
from know_support import Know, serving

from mock_agencies.cgd.register import age_on_as_of
from mock_agencies.dopa.population import national_id_check_digit

THONGBAI = "3340100007076"  # demo citizen 7, born 1947: a retired teacher


@pytest.fixture
async def know() -> AsyncIterator[Know]:
    async with serving() as served:
        yield served


async def test_demo_citizen_7_draws_a_monthly_pension(know: Know) -> None:
    r = await know.read("CGD", f"/api/v1/pensioners/{THONGBAI}")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "pid": THONGBAI,
        "status": "pensioner",
        "kind": "บำนาญ",
        "kind_en": "pension",
        "monthly_satang": 1_850_000,
        "since": "2007-10-01",  # retired at the end of the fiscal year she turned 60
        "last_paid_on": "2026-11-30",  # the clock says 1 December 2026
        "csmbs": True,
        "department": {
            "th": "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
            "en": "Office of the Basic Education Commission",
        },
    }


@pytest.mark.parametrize("pid", [SOMCHAI, BOONMEE, NATTHIDA])
async def test_the_other_demo_citizens_are_not_on_the_register(know: Know, pid: str) -> None:
    r = await know.read("CGD", f"/api/v1/pensioners/{pid}")
    assert r.json() == {"pid": pid, "status": "none"}


async def test_a_small_share_of_people_over_60_are_pensioners_and_nobody_younger(
    know: Know,
) -> None:
    headers = await know.headers("CGD")
    pensioners, older = 0, 0
    for person in list(know.population)[8:]:
        r = await know.client.get(f"/cgd/api/v1/pensioners/{person.pid}", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        aged = age_on_as_of(person) >= 60
        older += aged
        if body["status"] == "pensioner":
            assert aged, person
            pensioners += 1
            assert body["kind"] in ("บำนาญ", "เบี้ยหวัด")
            assert 1_200_000 <= body["monthly_satang"] <= 4_500_000
            assert body["since"] <= "2026-10-01"
    assert 0.03 * older <= pensioners <= 0.15 * older


async def test_someone_the_registry_does_not_know_is_no_pensioner(know: Know) -> None:
    stranger = "1999999999" + "99"
    stranger += national_id_check_digit(stranger)
    r = await know.read("CGD", f"/api/v1/pensioners/{stranger}")
    assert r.json() == {"pid": stranger, "status": "none"}
    malformed = await know.read("CGD", "/api/v1/pensioners/1234567890123")
    assert_error(malformed, 400, "invalid_pid")


async def test_the_register_needs_a_token_and_health_does_not(know: Know) -> None:
    anonymous = await know.client.get(f"/cgd/api/v1/pensioners/{THONGBAI}")
    assert_error(anonymous, 401, "unauthorised")
    assert (await know.client.get("/cgd/api/v1/health")).json() == {
        "status": "ok",
        "agency": "CGD",
    }
    landing = (await know.client.get("/cgd/")).json()
    assert landing["agency"] == "CGD"
    assert landing["links"] == {"health": "/cgd/api/v1/health"}


async def test_the_fault_knobs_take_cgd_down(know: Know) -> None:
    headers = await know.headers("CGD")
    assert (await know.client.put("/faults/CGD", json={"outage": True})).status_code == 200
    down = await know.client.get(f"/cgd/api/v1/pensioners/{THONGBAI}", headers=headers)
    assert down.status_code == 503
    await know.client.delete("/faults")
    up = await know.client.get(f"/cgd/api/v1/pensioners/{THONGBAI}", headers=headers)
    assert up.status_code == 200
