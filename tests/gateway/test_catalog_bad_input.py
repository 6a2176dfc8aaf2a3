"""Bad input to the catalog (issue 2, "Bad input"): unknown filter values, out-of-range limits,
tampered or foreign cursors, and oversized searches are refused with a problem, never run."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support import assert_problem

from gateway.catalog.definitions import Category, LifeStage
from gateway.catalog.loader import load_catalog
from gateway.catalog.search import MAX_QUERY_TERMS


def _field_error(r: httpx.Response, pointer: str) -> dict[str, Any]:
    body = assert_problem(r, 422, "validation_failed")
    errors = body["errors"]
    assert errors, body
    assert errors[0]["pointer"] == pointer, errors
    assert errors[0]["message"]
    error: dict[str, Any] = errors[0]
    return error


async def _cursor(client: httpx.AsyncClient, **params: Any) -> str:
    body = (await client.get("/v1/services", params={"limit": 1, **params})).json()
    assert isinstance(body["next_cursor"], str), "the test needs a query with a second page"
    cursor: str = body["next_cursor"]
    return cursor


# -- unknown filter values -------------------------------------------------------------------


async def test_unknown_category_lists_every_allowed_category(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/services", params={"category": "space-travel"})

    error = _field_error(r, "/query/category")
    assert error["code"] == "enum"
    assert sorted(error["allowed"]) == sorted(c.value for c in Category)
    assert len(error["allowed"]) == len(Category)


async def test_unknown_life_stage_lists_every_allowed_life_stage(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/v1/services", params={"life_stage": "teenager"})

    error = _field_error(r, "/query/life_stage")
    assert error["code"] == "enum"
    assert sorted(error["allowed"]) == sorted(s.value for s in LifeStage)
    assert len(error["allowed"]) == len(LifeStage)


async def test_category_values_are_case_sensitive_codes(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/services", params={"category": "Welfare"})

    assert _field_error(r, "/query/category")["code"] == "enum"


async def test_unknown_agency_lists_every_agency_code(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/services", params={"agency": "NOPE"})

    error = _field_error(r, "/query/agency")
    assert error["code"] == "enum"
    assert sorted(error["allowed"]) == sorted(a.code for a in load_catalog().agencies)


# -- limit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "1.5"])
async def test_limit_out_of_range_or_not_a_number_is_refused(
    client: httpx.AsyncClient, limit: str
) -> None:
    r = await client.get("/v1/services", params={"limit": limit})

    _field_error(r, "/query/limit")


@pytest.mark.parametrize("limit", ["1", "200"])
async def test_limits_at_the_bounds_are_accepted(client: httpx.AsyncClient, limit: str) -> None:
    r = await client.get("/v1/services", params={"limit": limit})

    assert r.status_code == 200
    assert 1 <= len(r.json()["items"]) <= int(limit)


# -- cursors ---------------------------------------------------------------------------------


def _flip(text: str, index: int) -> str:
    replacement = "B" if text[index] != "B" else "C"
    return text[:index] + replacement + text[index + 1 :]


def _tamper_payload(cursor: str) -> str:
    payload, mac = cursor.split(".")
    # A character in the middle carries six bits of data (the last one may carry padding).
    return f"{_flip(payload, len(payload) // 2)}.{mac}"


def _tamper_mac(cursor: str) -> str:
    payload, mac = cursor.split(".")
    return f"{payload}.{_flip(mac, len(mac) // 2)}"


TAMPERINGS = {
    "payload character flipped": _tamper_payload,
    "mac character flipped": _tamper_mac,
    "truncated": lambda c: c[:-4],
    "cut before the mac": lambda c: c.split(".")[0],
    "mac swapped for the payload": lambda c: f"{c.split('.')[0]}.{c.split('.')[0]}",
    "extra dot": lambda c: c + ".x",
    "garbage": lambda _: "not-a-cursor",
    "garbage with a dot": lambda _: "!!!.???",
    "non-ascii": lambda _: "เคอร์เซอร์.ปลอม",
    "empty mac": lambda c: c.split(".")[0] + ".",
    "over-long": lambda c: c + "A" * 600,
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
async def test_a_tampered_cursor_is_refused(client: httpx.AsyncClient, tamper: Any) -> None:
    cursor = await _cursor(client)
    tampered = tamper(cursor)
    assert tampered != cursor

    r = await client.get("/v1/services", params={"limit": 1, "cursor": tampered})

    assert_problem(r, 400, "invalid_cursor")


async def test_the_untampered_cursor_is_accepted(client: httpx.AsyncClient) -> None:
    first = (await client.get("/v1/services", params={"limit": 1})).json()

    r = await client.get("/v1/services", params={"limit": 1, "cursor": first["next_cursor"]})

    assert r.status_code == 200
    assert r.json()["items"][0]["id"] > first["items"][0]["id"]


async def test_a_cursor_from_another_category_is_refused(client: httpx.AsyncClient) -> None:
    cursor = await _cursor(client, category="welfare")

    r = await client.get("/v1/services", params={"category": "health", "cursor": cursor})

    assert_problem(r, 400, "invalid_cursor")


async def test_a_filtered_cursor_is_refused_without_the_filter(client: httpx.AsyncClient) -> None:
    cursor = await _cursor(client, category="welfare")

    r = await client.get("/v1/services", params={"cursor": cursor})

    assert_problem(r, 400, "invalid_cursor")


async def test_a_cursor_from_another_search_is_refused(client: httpx.AsyncClient) -> None:
    cursor = await _cursor(client, q="ต่ออายุ")

    r = await client.get("/v1/services", params={"q": "ใบขับขี่", "cursor": cursor})

    assert_problem(r, 400, "invalid_cursor")


async def test_a_cursor_from_another_life_stage_or_agency_is_refused(
    client: httpx.AsyncClient,
) -> None:
    cursor = await _cursor(client, life_stage="elderly")

    other_stage = await client.get(
        "/v1/services", params={"life_stage": "student", "cursor": cursor}
    )
    other_agency = await client.get(
        "/v1/services", params={"life_stage": "elderly", "agency": "DLT", "cursor": cursor}
    )

    assert_problem(other_stage, 400, "invalid_cursor")
    assert_problem(other_agency, 400, "invalid_cursor")


# -- oversized searches ----------------------------------------------------------------------


async def test_a_query_of_ten_thousand_characters_is_refused_as_a_validation_error(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/v1/services", params={"q": "x" * 10_000})

    error = _field_error(r, "/query/q")
    assert error["code"] == "string_too_long"


async def test_a_query_with_too_many_words_is_refused(client: httpx.AsyncClient) -> None:
    words = [f"w{i}" for i in range(MAX_QUERY_TERMS + 1)]

    r = await client.get("/v1/services", params={"q": " ".join(words)})

    _field_error(r, "/query/q")


async def test_a_query_with_the_most_words_allowed_is_run(client: httpx.AsyncClient) -> None:
    words = [f"w{i}" for i in range(MAX_QUERY_TERMS)]

    r = await client.get("/v1/services", params={"q": " ".join(words)})

    assert r.status_code == 200
    assert r.json()["items"] == []


async def test_repeated_words_count_once(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/services", params={"q": " ".join(["ใบขับขี่"] * (MAX_QUERY_TERMS + 4))})

    assert r.status_code == 200
    assert any(i["id"] == "dlt-driving-licence-renewal" for i in r.json()["items"])
