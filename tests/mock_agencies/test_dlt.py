"""The mock Department of Land Transport: licence renewal and vehicle tax fees, what approval
issues, and its once-only data (the current licence, the registered vehicles)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from casework_support import (
    CHIANG_MAI_ADDRESS,
    MALEE,
    SOMCHAI,
    Served,
    assert_error,
    filing,
    serving,
)

from mock_agencies.dlt import app as dlt
from mock_agencies.dlt.rules import car_tax_satang, truck_tax_satang
from mock_agencies.dopa.population import national_id_check_digit

RENEWAL = "dlt-driving-licence-renewal"
VEHICLE_TAX = "dlt-annual-vehicle-tax"


def _pid(serial: int) -> str:
    first12 = f"18888{serial:07d}"
    return first12 + national_id_check_digit(first12)


NO_RECORD = next(_pid(n) for n in range(10_000) if dlt.Dlt(0).licence(_pid(n)) is None)
TEMPORARY = next(
    _pid(n)
    for n in range(10_000)
    if (licence := dlt.Dlt(0).licence(_pid(n))) and licence.kind == "private_car_temporary_2y"
)


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    async with serving(dlt, "DLT") as served:
        yield served


async def test_the_current_licence_of_a_known_person(agency: Served) -> None:
    headers = await agency.headers()
    response = await agency.client.get(f"/dlt/api/v1/licences/{SOMCHAI}", headers=headers)
    assert response.status_code == 200
    licence = response.json()
    assert licence["pid"] == SOMCHAI
    assert licence["licence_number"].isdigit()
    assert len(licence["licence_number"]) == 8
    assert licence["class"] == "private_car_5y"
    assert licence["class_th"]
    assert licence["class_en"]
    issued = dt.date.fromisoformat(licence["issued_on"])
    expires = dt.date.fromisoformat(licence["expires_on"])
    assert expires.year - issued.year == 5
    assert licence["status"] == "valid"
    again = await agency.client.get(f"/dlt/api/v1/licences/{SOMCHAI}", headers=headers)
    assert again.json() == licence  # the same every time


async def test_no_licence_is_404_and_a_bad_id_400(agency: Served) -> None:
    headers = await agency.headers()
    missing = await agency.client.get(f"/dlt/api/v1/licences/{NO_RECORD}", headers=headers)
    assert_error(missing, 404, "not_found")
    bad = await agency.client.get("/dlt/api/v1/licences/1100100001015", headers=headers)
    assert_error(bad, 400, "invalid_pid")


async def test_registered_vehicles(agency: Served) -> None:
    headers = await agency.headers()
    response = await agency.client.get(f"/dlt/api/v1/vehicles/{SOMCHAI}", headers=headers)
    assert response.status_code == 200
    vehicles = response.json()["vehicles"]
    assert vehicles
    assert vehicles[0]["kind"] == "car"
    assert vehicles[0]["engine_cc"] > 0
    missing = await agency.client.get(f"/dlt/api/v1/vehicles/{NO_RECORD}", headers=headers)
    assert_error(missing, 404, "not_found")


async def test_renewal_costs_505_baht_and_once_paid_renews_for_five_years(agency: Served) -> None:
    headers = await agency.headers()
    answer = (await agency.submit(filing(RENEWAL, pid=MALEE))).json()
    assert [fee["amount_satang"] for fee in answer["fees"]] == [50000, 500]
    before = (await agency.client.get(f"/dlt/api/v1/licences/{MALEE}", headers=headers)).json()
    waiting = (await agency.staff(answer["agency_ref"], "approve")).json()
    assert waiting["status"] == "awaiting_payment"  # approved; the fee comes first
    unchanged = await agency.client.get(f"/dlt/api/v1/licences/{MALEE}", headers=headers)
    assert unchanged.json() == before
    approved = (await agency.pay(answer["agency_ref"])).json()
    assert approved["status"] == "approved"
    licence = (await agency.case(answer["agency_ref"]))["events"][-1]["data"]["licence"]
    today = agency.casework.now().date()
    assert licence["licence_number"] == before["licence_number"]
    assert licence["issued_on"] == today.isoformat()
    assert licence["expires_on"] == today.replace(year=today.year + 5).isoformat()
    after = (await agency.client.get(f"/dlt/api/v1/licences/{MALEE}", headers=headers)).json()
    assert after["expires_on"] == licence["expires_on"]


@pytest.mark.parametrize("pid", [NO_RECORD, TEMPORARY])
async def test_no_five_year_licence_no_renewal(agency: Served, pid: str) -> None:
    ref = await agency.filed(filing(RENEWAL, pid=pid))
    assert_error(await agency.staff(ref, "approve"), 409, "not_eligible")
    assert (await agency.case(ref))["status"] == "received"


@pytest.mark.parametrize(
    ("form", "tax_satang"),
    [
        ({"vehicle_type": "car", "engine_cc": 1500}, 165000),  # 300 + 1,350 THB
        ({"vehicle_type": "car", "engine_cc": 2000, "registered_year": 2025}, 290000),
        ({"vehicle_type": "car", "engine_cc": 1500, "registered_year": 2020}, 148500),  # year 6
        ({"vehicle_type": "car", "engine_cc": 1500, "registered_year": 2010}, 82500),  # year 16
        ({"vehicle_type": "motorcycle"}, 10000),
        ({"vehicle_type": "truck", "weight_kg": 1600}, 105000),
    ],
)
async def test_vehicle_tax_follows_the_vehicle(
    agency: Served, form: dict[str, object], tax_satang: int
) -> None:
    answer = (await agency.submit(filing(VEHICLE_TAX, form={**form, "plate": "1กข 1234"}))).json()
    assert [fee["amount_satang"] for fee in answer["fees"]] == [tax_satang]
    waiting = (await agency.staff(answer["agency_ref"], "approve")).json()
    assert waiting["events"][-1]["data"]["amount_satang"] == tax_satang  # the tax, then the disc
    assert (await agency.pay(answer["agency_ref"])).status_code == 201
    disc = (await agency.case(answer["agency_ref"]))["events"][-1]["data"]["tax_disc"]
    assert disc["plate"] == "1กข 1234"
    assert disc["amount_satang"] == tax_satang


async def test_vehicle_tax_for_a_registered_vehicle_and_for_none(agency: Served) -> None:
    headers = await agency.headers()
    vehicles = (await agency.client.get(f"/dlt/api/v1/vehicles/{SOMCHAI}", headers=headers)).json()
    plate = vehicles["vehicles"][-1]["plate"]
    by_plate = await agency.submit(filing(VEHICLE_TAX, pid=SOMCHAI, form={"plate": plate}))
    assert by_plate.status_code == 201
    assert plate in by_plate.json()["fees"][0]["label_en"]
    unknown_plate = await agency.submit(filing(VEHICLE_TAX, form={"plate": "ฮฮ 9999"}))
    assert_error(unknown_plate, 422, "vehicle_not_found")
    nothing = await agency.submit(filing(VEHICLE_TAX, pid=NO_RECORD))
    assert_error(nothing, 422, "vehicle_not_found")
    bad = await agency.submit(filing(VEHICLE_TAX, form={"vehicle_type": "car"}))
    assert_error(bad, 400, "invalid_request")


async def test_dlt_refuses_social_security_naming_sso(agency: Served) -> None:
    refused = await agency.submit(filing("sso-unemployment-benefit"))
    assert assert_error(refused, 422, "not_our_case")["responsible_agency"] == "SSO"


async def test_a_chiang_mai_applicant_filed_in_bangkok_goes_to_chiang_mai(agency: Served) -> None:
    answer = await agency.submit(
        filing(RENEWAL, unit_code="DLT_BKK_AREA1", address=CHIANG_MAI_ADDRESS)
    )
    assert (answer.json()["status"], answer.json()["unit_code"]) == (
        "forwarded_within_agency",
        "DLT_CNX",
    )


def test_car_tax_bands_and_age_discount() -> None:
    assert car_tax_satang(600, 1) == 30000
    assert car_tax_satang(1800, 1) == 30000 + 180000
    assert car_tax_satang(2500, 1) == 30000 + 180000 + 700 * 400
    assert car_tax_satang(1500, 5) == 165000
    assert [car_tax_satang(1000, year) for year in (6, 7, 8, 9, 10, 20)] == [
        81000,
        72000,
        63000,
        54000,
        45000,
        45000,
    ]
    assert truck_tax_satang(500) == 30000
    assert truck_tax_satang(501) == 45000
    assert truck_tax_satang(9000) == 285000
