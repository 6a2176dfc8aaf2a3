"""GET /v1/agencies/{code}/calendar: working time (R-10.2) and the receipt time a request sent
now would get (R-10.1), following the gateway's clock and the operator's extra days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from gateway.catalog.loader import load_catalog

SEED = {a.code: a for a in load_catalog().agencies}


async def _calendar(client: httpx.AsyncClient, code: str, **params: str) -> dict[str, Any]:
    response = await client.get(f"/v1/agencies/{code}/calendar", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.rule("R-10.2")
async def test_songkran_2026_is_closed_and_named(client: httpx.AsyncClient) -> None:
    body = await _calendar(client, "DLT", **{"from": "2026-04-10", "days": "7"})
    by_date = {d["date"]: d for d in body["days"]}
    assert body["days"][0]["date"] == "2026-04-10"
    assert by_date["2026-04-10"]["working"] is True
    assert by_date["2026-04-10"]["periods"] == [
        {"opens": "2026-04-10T08:30:00+07:00", "closes": "2026-04-10T16:30:00+07:00"}
    ]
    for weekend in ("2026-04-11", "2026-04-12"):
        assert by_date[weekend] == {
            "date": weekend,
            "working": False,
            "holiday": None,
            "periods": [],
        }
    for day in ("2026-04-13", "2026-04-14", "2026-04-15"):
        assert by_date[day]["working"] is False
        assert by_date[day]["holiday"] == "วันสงกรานต์"
    assert by_date["2026-04-16"]["working"] is True


async def test_holiday_names_follow_the_language(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/agencies/DLT/calendar",
        params={"from": "2026-04-13", "days": "1"},
        headers={"Accept-Language": "en"},
    )
    assert response.json()["days"][0]["holiday"] == "Songkran Festival"


@pytest.mark.rule("R-10.2")
async def test_labour_day_is_open_for_government(client: httpx.AsyncClient) -> None:
    body = await _calendar(client, "DOPA", **{"from": "2026-05-01", "days": "1"})
    assert body["days"][0]["working"] is True
    assert body["days"][0]["holiday"] is None


@pytest.mark.rule("R-10.1")
async def test_receipt_follows_the_simulated_clock_over_songkran(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    moved = await client.post(
        "/v1/admin/clock", json={"set": "2026-04-10T17:05:00+07:00"}, headers=admin_headers
    )
    assert moved.status_code == 200
    body = await _calendar(client, "DLT", days="1")
    assert body["days"][0]["date"] == "2026-04-10"  # "today" is the gateway's simulated today
    assert body["receipt_if_sent_now"] == "2026-04-16T08:30:00+07:00"


@pytest.mark.rule("R-10.1")
async def test_receipt_inside_working_time_is_now(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post(
        "/v1/admin/clock", json={"set": "2026-11-19T10:00:00+07:00"}, headers=admin_headers
    )
    body = await _calendar(client, "DLT", days="1")
    assert body["receipt_if_sent_now"] == body["now"]


@pytest.mark.rule("R-10.2")
async def test_a_cabinet_day_closes_every_agency_and_moves_receipt(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    declared = await client.post(
        "/v1/admin/calendar/holidays",
        json={"day": "2026-11-23", "name_th": "วันหยุดพิเศษ", "name_en": "Special holiday"},
        headers=admin_headers,
    )
    assert declared.status_code == 201
    await client.post(
        "/v1/admin/clock", json={"set": "2026-11-20T19:00:00+07:00"}, headers=admin_headers
    )
    for code in ("DLT", "SSO"):
        body = await _calendar(client, code, **{"from": "2026-11-23", "days": "1"})
        assert body["days"][0] == {
            "date": "2026-11-23",
            "working": False,
            "holiday": "วันหยุดพิเศษ",
            "periods": [],
        }
    body = await _calendar(client, "DLT")
    assert body["receipt_if_sent_now"] == "2026-11-24T08:30:00+07:00"


async def test_an_agency_day_closes_only_that_agency(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post(
        "/v1/admin/calendar/holidays",
        json={
            "day": "2026-11-24",
            "agency": "SSO",
            "name_th": "ปิดปรับปรุงระบบ",
            "name_en": "System maintenance",
        },
        headers=admin_headers,
    )
    sso = await _calendar(client, "SSO", **{"from": "2026-11-24", "days": "1"})
    dlt = await _calendar(client, "DLT", **{"from": "2026-11-24", "days": "1"})
    assert sso["days"][0]["working"] is False
    assert sso["days"][0]["holiday"] == "ปิดปรับปรุงระบบ"
    assert dlt["days"][0]["working"] is True


@pytest.mark.parametrize("code", sorted(SEED))
async def test_each_agency_works_its_own_hours(client: httpx.AsyncClient, code: str) -> None:
    spec = SEED[code].calendar
    body = await _calendar(client, code, **{"from": "2026-11-16", "days": "7"})  # Mon..Sun
    working = [d for d in body["days"] if d["working"]]
    assert [dt.date.fromisoformat(d["date"]).weekday() for d in working] == sorted(spec.hours.days)
    periods = working[0]["periods"]
    assert periods[0]["opens"][11:16] == spec.hours.opens
    assert periods[-1]["closes"][11:16] == spec.hours.closes
    lunch_split = spec.lunch_closed and spec.hours.opens < "12:00" and spec.hours.closes > "13:00"
    assert len(periods) == (2 if lunch_split else 1)


def test_the_seed_has_agencies_with_their_own_hours() -> None:
    # Without these, the per-agency test above would only ever see the default calendar.
    assert any(a.calendar.lunch_closed for a in SEED.values())
    assert any(a.calendar.hours.opens != "08:30" for a in SEED.values())


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"days": "0"}, "/query/days"),
        ({"days": "93"}, "/query/days"),
        ({"from": "2026-13-01"}, "/query/from"),
        ({"from": "9999-12-30", "days": "5"}, "/query/from"),  # would overflow the date type
        ({"from": "0001-01-01"}, "/query/from"),
    ],
)
async def test_bad_calendar_queries_are_refused(
    client: httpx.AsyncClient, params: dict[str, str], pointer: str
) -> None:
    response = await client.get("/v1/agencies/DLT/calendar", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_unknown_agency_calendar_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/agencies/NOPE/calendar")
    assert response.status_code == 404
    assert response.json()["code"] == "agency_not_found"
