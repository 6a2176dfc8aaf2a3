"""Operator endpoints: the simulated clock (set, advance, shared across processes, refused in
system-clock mode) and the calendar's extra holidays.

The simulated clock keeps running after it is set, so times read back are compared with a
tolerance; offsets are compared exactly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from support import assert_problem, started

from gateway.config import ClockMode, Environment, Settings
from gateway.main import create_app

BANGKOK_OFFSET = dt.timedelta(hours=7)
SONGKRAN_EVE = "2026-04-10T17:05:00+07:00"
# Generous: the clock runs on while the test works. A wrong clock is off by hours or days.
TOLERANCE = dt.timedelta(seconds=60)


def _close_after(reported: str, expected: dt.datetime) -> None:
    """`reported` is `expected`, or a little later because the clock ran on meanwhile."""
    moment = dt.datetime.fromisoformat(reported)
    assert moment.tzinfo is not None
    assert expected - dt.timedelta(seconds=1) <= moment <= expected + TOLERANCE, (
        reported,
        expected,
    )


# -- authentication --------------------------------------------------------------------------


async def test_changing_the_clock_needs_the_operator_token(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/admin/clock", json={"advance": 60})

    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer wrong-token", "Basic dGVzdDp0ZXN0", "Bearer", "test-admin-token-not-a-secret"],
)
async def test_a_wrong_operator_token_is_refused(
    client: httpx.AsyncClient, authorization: str
) -> None:
    before = await client.get("/v1/admin/clock", headers={"Authorization": authorization})
    r = await client.post(
        "/v1/admin/clock", json={"advance": 60}, headers={"Authorization": authorization}
    )

    assert_problem(before, 401, "unauthorized")
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].lower().startswith("bearer")


async def test_a_refused_change_leaves_the_clock_alone(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post(
        "/v1/admin/clock", json={"advance": 86_400}, headers={"Authorization": "Bearer nope"}
    )

    r = await client.get("/v1/admin/clock", headers=admin_headers)

    assert r.json()["offset_seconds"] == 0


# -- set and advance -------------------------------------------------------------------------


async def test_setting_the_clock_moves_the_gateway_to_that_time(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    target = dt.datetime.fromisoformat(SONGKRAN_EVE)

    r = await client.post("/v1/admin/clock", json={"set": SONGKRAN_EVE}, headers=admin_headers)

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "simulated"
    _close_after(body["now_local"], target)
    _close_after(body["now"], target)
    assert dt.datetime.fromisoformat(body["now_local"]).utcoffset() == BANGKOK_OFFSET


async def test_reading_the_clock_agrees_with_the_time_set(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post("/v1/admin/clock", json={"set": SONGKRAN_EVE}, headers=admin_headers)

    r = await client.get("/v1/admin/clock", headers=admin_headers)

    assert r.status_code == 200
    _close_after(r.json()["now_local"], dt.datetime.fromisoformat(SONGKRAN_EVE))


async def test_a_time_set_in_another_offset_is_the_same_instant(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await client.post(
        "/v1/admin/clock", json={"set": "2026-04-10T10:05:00Z"}, headers=admin_headers
    )

    _close_after(r.json()["now_local"], dt.datetime.fromisoformat(SONGKRAN_EVE))
    assert dt.datetime.fromisoformat(r.json()["now_local"]).utcoffset() == BANGKOK_OFFSET


async def test_advancing_moves_the_clock_by_that_many_seconds(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = (
        await client.post("/v1/admin/clock", json={"set": SONGKRAN_EVE}, headers=admin_headers)
    ).json()

    r = await client.post("/v1/admin/clock", json={"advance": 86_400}, headers=admin_headers)

    assert r.status_code == 200, r.text
    after = r.json()
    assert after["offset_seconds"] - before["offset_seconds"] == pytest.approx(86_400, abs=1e-3)
    _close_after(after["now_local"], dt.datetime.fromisoformat("2026-04-11T17:05:00+07:00"))


async def test_advances_add_up(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    start = (await client.get("/v1/admin/clock", headers=admin_headers)).json()

    await client.post("/v1/admin/clock", json={"advance": 3_600}, headers=admin_headers)
    await client.post("/v1/admin/clock", json={"advance": 1_800.5}, headers=admin_headers)

    end = (await client.get("/v1/admin/clock", headers=admin_headers)).json()
    assert end["offset_seconds"] - start["offset_seconds"] == pytest.approx(5_400.5, abs=1e-3)


@pytest.mark.parametrize(
    "change",
    [
        {"set": SONGKRAN_EVE, "advance": 60},
        {},
        {"set": "2026-04-10T17:05:00"},
        {"advance": 0},
        {"advance": -60},
        {"speed": 2},
        {"set": SONGKRAN_EVE, "speed": 2},
        {"set": "next Tuesday"},
        {"advance": "a day"},
        {"advance": 10**12},
    ],
    ids=[
        "both",
        "neither",
        "naive",
        "zero",
        "negative",
        "unknown key",
        "unknown key beside set",
        "not a time",
        "not a number",
        "too far",
    ],
)
async def test_an_invalid_clock_change_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], change: dict[str, Any]
) -> None:
    r = await client.post("/v1/admin/clock", json=change, headers=admin_headers)

    body = assert_problem(r, 422, "validation_failed")
    assert body["errors"]
    assert all(e["pointer"].startswith("/body") for e in body["errors"])
    after = (await client.get("/v1/admin/clock", headers=admin_headers)).json()
    assert after["offset_seconds"] == 0


# -- one clock for every process -------------------------------------------------------------


async def test_a_second_gateway_on_the_same_database_adopts_the_clock(
    client: httpx.AsyncClient, admin_headers: dict[str, str], seeded: Settings
) -> None:
    first = await client.post("/v1/admin/clock", json={"set": SONGKRAN_EVE}, headers=admin_headers)
    assert first.status_code == 200

    async with started(seeded) as second:
        r = await second.get("/v1/admin/clock", headers=admin_headers)

    assert r.status_code == 200
    assert r.json()["offset_seconds"] == pytest.approx(first.json()["offset_seconds"], abs=1e-3)
    _close_after(r.json()["now_local"], dt.datetime.fromisoformat(SONGKRAN_EVE))


async def test_clock_start_sets_the_time_at_start_up(
    seeded: Settings, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITIZEN_GATEWAY_CLOCK_START", "2026-04-13T09:00:00+07:00")
    settings = Settings(_env_file=None, **seeded.model_dump(exclude={"clock_start"}))
    assert settings.clock_start == dt.datetime.fromisoformat("2026-04-13T09:00:00+07:00")

    async with started(settings) as client:
        r = await client.get("/v1/admin/clock", headers=admin_headers)

    assert r.status_code == 200
    _close_after(r.json()["now_local"], dt.datetime.fromisoformat("2026-04-13T09:00:00+07:00"))


def test_clock_start_needs_a_timezone() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, clock_start=dt.datetime(2026, 4, 13, 9, 0))


# -- production and the system clock ---------------------------------------------------------

SECRET_KEY = SecretStr("s" * 40)
ADMIN_TOKEN = SecretStr("a" * 40)
PRODUCTION_SECRETS: dict[str, Any] = {
    "secret_key": SECRET_KEY,
    "admin_token": ADMIN_TOKEN,
    "pii_encryption_key": SecretStr("e" * 40),
    "pii_index_key": SecretStr("i" * 40),
    "dopa_consumer_key": "portal-consumer",
    "dopa_consumer_secret": SecretStr("c" * 40),
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENV", "CLOCK", "CLOCK_START", "SECRET_KEY", "ADMIN_TOKEN"):
        monkeypatch.delenv(f"CITIZEN_GATEWAY_{name}", raising=False)


@pytest.mark.usefixtures("clean_env")
def test_production_uses_the_system_clock() -> None:
    settings = Settings(
        _env_file=None,
        env=Environment.PRODUCTION,
        **PRODUCTION_SECRETS,
    )

    assert settings.clock_mode is ClockMode.SYSTEM


@pytest.mark.usefixtures("clean_env")
def test_production_cannot_run_a_simulated_clock() -> None:
    with pytest.raises(ValidationError, match="system clock"):
        Settings(
            _env_file=None,
            env=Environment.PRODUCTION,
            clock=ClockMode.SIMULATED,
            **PRODUCTION_SECRETS,
        )


@pytest.mark.usefixtures("clean_env")
def test_production_cannot_start_at_a_simulated_time() -> None:
    with pytest.raises(ValidationError, match="system clock"):
        Settings(
            _env_file=None,
            env=Environment.PRODUCTION,
            clock_start=dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC),
            **PRODUCTION_SECRETS,
        )


@pytest.mark.usefixtures("clean_env")
def test_production_refuses_a_simulated_clock_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITIZEN_GATEWAY_ENV", "production")
    monkeypatch.setenv("CITIZEN_GATEWAY_CLOCK", "simulated")

    with pytest.raises(ValidationError, match="system clock"):
        Settings(_env_file=None, **PRODUCTION_SECRETS)


async def test_a_system_clock_gateway_refuses_to_move_time(
    seeded: Settings, admin_headers: dict[str, str]
) -> None:
    async with started(seeded.model_copy(update={"clock": ClockMode.SYSTEM})) as client:
        moved = await client.post("/v1/admin/clock", json={"advance": 3_600}, headers=admin_headers)
        set_ = await client.post(
            "/v1/admin/clock", json={"set": SONGKRAN_EVE}, headers=admin_headers
        )
        read = await client.get("/v1/admin/clock", headers=admin_headers)

    assert_problem(moved, 403, "simulation_only")
    assert_problem(set_, 403, "simulation_only")
    assert read.status_code == 200
    assert read.json()["mode"] == "system"
    assert read.json()["offset_seconds"] == 0
    _close_after(read.json()["now"], dt.datetime.now(dt.UTC))


# -- extra holidays --------------------------------------------------------------------------

HOLIDAYS = "/v1/admin/calendar/holidays"
BRIDGE_DAY = {"day": "2026-05-04", "name_th": "วันหยุดชดเชยพิเศษ", "name_en": "Special bridge day"}


async def test_declaring_a_holiday_needs_the_operator_token(client: httpx.AsyncClient) -> None:
    r = await client.post(HOLIDAYS, json=BRIDGE_DAY)
    listed = await client.get(HOLIDAYS)

    assert_problem(r, 401, "unauthorized")
    assert_problem(listed, 401, "unauthorized")


async def test_a_declared_holiday_is_listed(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await client.post(HOLIDAYS, json=BRIDGE_DAY, headers=admin_headers)

    assert r.status_code == 201, r.text
    created = r.json()
    assert created["day"] == BRIDGE_DAY["day"]
    assert created["agency"] is None
    listed = (await client.get(HOLIDAYS, headers=admin_headers)).json()["items"]
    assert listed == [created]


async def test_declaring_the_same_day_twice_updates_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    first = (await client.post(HOLIDAYS, json=BRIDGE_DAY, headers=admin_headers)).json()
    renamed = {**BRIDGE_DAY, "name_en": "Cabinet bridge day"}

    r = await client.post(HOLIDAYS, json=renamed, headers=admin_headers)

    assert r.status_code in (200, 201), r.text
    assert r.json()["id"] == first["id"]
    listed = (await client.get(HOLIDAYS, headers=admin_headers)).json()["items"]
    assert [(h["day"], h["name_en"]) for h in listed] == [(BRIDGE_DAY["day"], "Cabinet bridge day")]


async def test_an_agency_holiday_is_kept_apart_from_the_cabinet_day(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post(HOLIDAYS, json=BRIDGE_DAY, headers=admin_headers)
    r = await client.post(HOLIDAYS, json={**BRIDGE_DAY, "agency": "DLT"}, headers=admin_headers)
    again = await client.post(HOLIDAYS, json={**BRIDGE_DAY, "agency": "DLT"}, headers=admin_headers)

    assert r.status_code == 201, r.text
    assert r.json()["agency"] == "DLT"
    assert again.json()["id"] == r.json()["id"]
    listed = (await client.get(HOLIDAYS, headers=admin_headers)).json()["items"]
    assert sorted((h["day"], h["agency"] or "") for h in listed) == [
        (BRIDGE_DAY["day"], ""),
        (BRIDGE_DAY["day"], "DLT"),
    ]


async def test_holidays_are_listed_in_date_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for day in ("2026-12-30", "2026-05-04", "2026-07-27"):
        r = await client.post(HOLIDAYS, json={**BRIDGE_DAY, "day": day}, headers=admin_headers)
        assert r.status_code == 201

    listed = (await client.get(HOLIDAYS, headers=admin_headers)).json()["items"]

    assert [h["day"] for h in listed] == ["2026-05-04", "2026-07-27", "2026-12-30"]


async def test_a_holiday_for_an_unknown_agency_is_a_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await client.post(HOLIDAYS, json={**BRIDGE_DAY, "agency": "NOPE"}, headers=admin_headers)

    assert_problem(r, 404, "agency_not_found")
    assert (await client.get(HOLIDAYS, headers=admin_headers)).json()["items"] == []


@pytest.mark.parametrize(
    "holiday",
    [
        {**BRIDGE_DAY, "day": "2026-02-30"},
        {**BRIDGE_DAY, "name_th": ""},
        {"day": "2026-05-04"},
        {**BRIDGE_DAY, "observed": True},
        {**BRIDGE_DAY, "name_en": "Bridge\u0000day"},  # PostgreSQL text cannot hold a NUL
    ],
    ids=["impossible date", "empty name", "no names", "unknown key", "control character"],
)
async def test_an_invalid_holiday_is_a_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], holiday: dict[str, Any]
) -> None:
    r = await client.post(HOLIDAYS, json=holiday, headers=admin_headers)

    assert_problem(r, 422, "validation_failed")
    assert (await client.get(HOLIDAYS, headers=admin_headers)).json()["items"] == []


# -- one clock for every process, while both run ------------------------------------------------


async def test_a_running_gateway_follows_a_change_made_through_another(
    client: httpx.AsyncClient, admin_headers: dict[str, str], seeded: Settings
) -> None:
    other = create_app(seeded)
    async with other.router.lifespan_context(other):
        moved = await client.post(
            "/v1/admin/clock", json={"set": SONGKRAN_EVE}, headers=admin_headers
        )
        assert moved.status_code == 200
        # What the follow loop does every second in each process:
        await other.state.runtime.shared_clock.refresh()
        _close_after(
            other.state.runtime.clock.now().isoformat(), dt.datetime.fromisoformat(SONGKRAN_EVE)
        )


async def test_advances_through_two_gateways_both_count(
    client: httpx.AsyncClient, admin_headers: dict[str, str], seeded: Settings
) -> None:
    await client.post("/v1/admin/clock", json={"set": SONGKRAN_EVE}, headers=admin_headers)
    other = create_app(seeded)
    async with (
        other.router.lifespan_context(other),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other), base_url="http://gateway.test"
        ) as second,
    ):
        a = client.post("/v1/admin/clock", json={"advance": 86_400}, headers=admin_headers)
        b = second.post("/v1/admin/clock", json={"advance": 3_600}, headers=admin_headers)
        assert [r.status_code for r in await asyncio.gather(a, b)] == [200, 200]
        # Each process learns of the other's change on its next refresh (every second).
        await other.state.runtime.shared_clock.refresh()
        after = (await second.get("/v1/admin/clock", headers=admin_headers)).json()
    expected = dt.datetime.fromisoformat(SONGKRAN_EVE) + dt.timedelta(days=1, hours=1)
    _close_after(after["now_local"], expected)


async def test_restarting_with_the_same_clock_start_keeps_the_running_time(
    seeded: Settings, admin_headers: dict[str, str]
) -> None:
    start = dt.datetime.fromisoformat("2026-04-13T09:00:00+07:00")
    settings = seeded.model_copy(update={"clock_start": start})
    async with started(settings) as first:
        await first.post("/v1/admin/clock", json={"advance": 7 * 86_400}, headers=admin_headers)
    async with started(settings) as restarted:
        kept = (await restarted.get("/v1/admin/clock", headers=admin_headers)).json()
    _close_after(kept["now_local"], start + dt.timedelta(days=7))

    changed = seeded.model_copy(update={"clock_start": start + dt.timedelta(days=30)})
    async with started(changed) as reconfigured:
        moved = (await reconfigured.get("/v1/admin/clock", headers=admin_headers)).json()
    _close_after(moved["now_local"], start + dt.timedelta(days=30))


@pytest.mark.parametrize(
    "change",
    [
        {"set": "9999-12-31T23:59:59+00:00"},
        {"set": "1900-01-01T00:00:00+07:00"},
    ],
)
async def test_times_beyond_the_simulated_range_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], change: dict[str, Any]
) -> None:
    r = await client.post("/v1/admin/clock", json=change, headers=admin_headers)
    assert_problem(r, 422, "validation_failed")
    assert (await client.get("/v1/admin/clock", headers=admin_headers)).status_code == 200


async def test_advancing_past_the_simulated_range_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post(
        "/v1/admin/clock", json={"set": "2199-06-01T00:00:00+00:00"}, headers=admin_headers
    )
    r = await client.post("/v1/admin/clock", json={"advance": 365 * 86_400}, headers=admin_headers)
    assert_problem(r, 422, "validation_failed")
    after = (await client.get("/v1/admin/clock", headers=admin_headers)).json()
    _close_after(after["now_local"], dt.datetime.fromisoformat("2199-06-01T00:00:00+00:00"))


async def test_the_same_cabinet_day_declared_at_once_is_stored_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    day = {"day": "2026-12-30", "name_th": "วันหยุดพิเศษ", "name_en": "Special holiday"}
    replies = await asyncio.gather(
        *(
            client.post("/v1/admin/calendar/holidays", json=day, headers=admin_headers)
            for _ in range(6)
        )
    )
    assert {r.status_code for r in replies} == {201}
    listed = (await client.get("/v1/admin/calendar/holidays", headers=admin_headers)).json()
    assert [h["day"] for h in listed["items"]].count("2026-12-30") == 1
    again = await client.post("/v1/admin/calendar/holidays", json=day, headers=admin_headers)
    assert again.status_code == 201


async def test_a_holiday_declared_by_mistake_can_be_withdrawn(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    made = await client.post(
        "/v1/admin/calendar/holidays",
        json={"day": "2026-12-29", "name_th": "ผิด", "name_en": "Mistake"},
        headers=admin_headers,
    )
    url = f"/v1/admin/calendar/holidays/{made.json()['id']}"
    assert (await client.delete(url)).status_code == 401
    assert (await client.delete(url, headers=admin_headers)).status_code == 204
    listed = (await client.get("/v1/admin/calendar/holidays", headers=admin_headers)).json()
    assert "2026-12-29" not in [h["day"] for h in listed["items"]]
    assert_problem(await client.delete(url, headers=admin_headers), 404, "holiday_not_found")
