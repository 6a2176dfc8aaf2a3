"""Problem titles and details follow Accept-Language, Thai by default (API.md "Language")."""

from __future__ import annotations

import httpx
import pytest
from support import assert_problem

from kernel.problems import PROBLEMS

TH_DEFAULT: dict[str, str] = {}
TH = {"Accept-Language": "th"}
EN = {"Accept-Language": "en"}


@pytest.mark.parametrize("headers", [TH_DEFAULT, TH], ids=["default", "th"])
async def test_a_domain_error_is_in_thai_by_default_with_the_raise_sites_thai_detail(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    r = await client.get("/v1/services/no-such-service", headers=headers)

    body = assert_problem(r, 404, "service_not_found")
    assert body["title"] == "ไม่พบบริการ"
    assert body["detail"] == "ไม่พบบริการ 'no-such-service' ที่เปิดให้บริการอยู่"
    assert r.headers["content-language"] == "th"
    assert r.headers["vary"] == "Accept-Language"


async def test_the_same_error_in_english(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/services/no-such-service", headers=EN)

    body = assert_problem(r, 404, "service_not_found")
    assert body["title"] == "No such e-service"
    assert body["detail"] == "No live e-service 'no-such-service'."
    assert r.headers["content-language"] == "en"


async def test_without_a_thai_detail_a_thai_reader_gets_the_registrys_explanation(
    client: httpx.AsyncClient,
) -> None:
    # /v1/me's "no token" raise site gives only an English sentence.
    th = await client.get("/v1/me")
    en = await client.get("/v1/me", headers=EN)

    assert_problem(th, 401, "unauthorized")
    assert th.json()["title"] == PROBLEMS["unauthorized"].title_th
    assert th.json()["detail"] == PROBLEMS["unauthorized"].about_th
    assert_problem(en, 401, "unauthorized")
    assert en.json()["detail"] == "Send the access token as 'Authorization: Bearer <token>'."


async def test_framework_errors_follow_the_language(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/v1/no-such-thing")
    wrong_method = await client.delete("/v1/categories", headers=EN)
    invalid = await client.get("/v1/services", params={"limit": "0"}, headers=TH)

    assert assert_problem(unknown, 404, "not_found")["title"] == "ไม่พบ"
    assert unknown.headers["content-language"] == "th"
    assert assert_problem(wrong_method, 405, "method_not_allowed")["title"] == "Method not allowed"
    assert wrong_method.headers["content-language"] == "en"
    body = assert_problem(invalid, 422, "validation_failed")
    assert body["title"] == "ข้อมูลบางช่องไม่ถูกต้อง"
    assert body["errors"][0]["pointer"] == "/query/limit"  # field errors keep their pointers


async def test_english_is_picked_by_quality(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/agencies/NOPE", headers={"Accept-Language": "th;q=0.5, en"})

    assert assert_problem(r, 404, "agency_not_found")["detail"] == "No agency 'NOPE'."
    assert r.headers["content-language"] == "en"


async def test_a_body_refused_by_the_middleware_is_in_the_requests_language(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    huge = b"x" * (2 * 1024 * 1024)
    r = await client.post("/v1/admin/clock", content=huge, headers={**admin_headers, **TH})

    body = assert_problem(r, 413, "payload_too_large")
    assert body["title"] == PROBLEMS["payload_too_large"].title_th


async def test_oauth_errors_keep_an_english_error_description_and_a_thai_title(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/oauth/token", data={"grant_type": "authorization_code", "code": "nope"})

    body = r.json()
    assert r.status_code in {400, 401}
    assert body["error"] == body["code"]
    assert body["title"] == PROBLEMS[body["code"]].title_th
    assert body["error_description"].isascii()  # RFC 6749 s.5.2
    assert r.headers["content-language"] == "th"
    assert "Accept-Language" in r.headers["vary"]
