"""The mock DOP's allowance register, as the gateway reads it (know): who was enrolled before
the portal, who the portal's approvals enrolled, this month's amount by age band."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from casework_support import BOONMEE, assert_error
from know_support import Know, serving

from mock_agencies.cgd.register import age_on_as_of, pensioner
from mock_agencies.dop.allowance import STEPS
from mock_agencies.dop.payroll import Payroll
from mock_agencies.dopa.population import nationality

THONGBAI = "3340100007076"  # demo citizen 7: a state pensioner


@pytest.fixture
async def know() -> AsyncIterator[Know]:
    async with serving() as served:
        yield served


async def test_the_old_register_lists_most_thai_people_over_60_without_a_pension(
    know: Know,
) -> None:
    headers = await know.headers("DOP")
    enrolled, eligible = 0, 0
    for person in list(know.population)[8:]:
        r = await know.client.get(f"/dop/api/v1/allowances/{person.pid}", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        could = (
            age_on_as_of(person) >= 60 and nationality(person) == "TH" and pensioner(person) is None
        )
        eligible += could
        if not body["enrolled"]:
            assert body == {"pid": person.pid, "enrolled": False}
            continue
        assert could, person
        enrolled += 1
        assert body["source"] == "register"
        assert body["since"] >= "2009-10-01"
        assert body["last_paid_on"] == "2026-11-10"  # the clock says 1 December 2026
        age = body["age"]
        assert body["monthly_satang"] == next(amount for low, amount in STEPS if age >= low)
        assert body["age_band"]["en"].startswith("Aged ")
    assert 0.7 * eligible <= enrolled <= 0.9 * eligible


@pytest.mark.parametrize("pid", [BOONMEE, THONGBAI])
async def test_no_demo_citizen_is_on_the_old_register(know: Know, pid: str) -> None:
    assert (await know.read("DOP", f"/api/v1/allowances/{pid}")).json() == {
        "pid": pid,
        "enrolled": False,
    }


async def test_a_registration_the_portal_approved_is_on_the_register(know: Know) -> None:
    """What an officer's approval on the back office enrols (payroll.py), read as the gateway
    reads it."""
    payroll: Payroll = know.agencies["DOP"].state.payroll
    payroll.enrol(
        {
            "id": "app-1",
            "number": "DOP-2570-000042",
            "service_id": "dop-older-persons-allowance-registration",
            "applicant": {"national_id": BOONMEE},
            "form": {"birth_date": "1951-04-12"},
        },
        "dop-officer-07",
    )
    body = (await know.read("DOP", f"/api/v1/allowances/{BOONMEE}")).json()
    assert body == {
        "pid": BOONMEE,
        "enrolled": True,
        "since": "2026-12-01",
        "age": 75,
        "monthly_satang": 70_000,
        "age_band": {"th": "อายุ 70–79 ปี", "en": "Aged 70-79"},
        "last_paid_on": None,  # no monthly run has paid it yet
        "source": "portal",
        "application_number": "DOP-2570-000042",
    }


async def test_the_register_needs_dops_consumer_token(know: Know) -> None:
    anonymous = await know.client.get(f"/dop/api/v1/allowances/{BOONMEE}")
    assert_error(anonymous, 401, "unauthorised")
    malformed = await know.read("DOP", "/api/v1/allowances/42")
    assert_error(malformed, 400, "invalid_pid")
