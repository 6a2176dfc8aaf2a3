"""Headers every answer owes: personal data is never stored by a cache (`Cache-Control:
no-store`, errors and downloads included), public catalog reads stay cacheable, and an answer
whose content follows `Accept-Language` says `Content-Language` and `Vary: Accept-Language`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support import DLT_RENEWAL, Portal, agency_headers, attach, bearer, draft, login


def _vary(r: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in r.headers.get("vary", "").split(",") if v.strip()}


async def _agency_token(portal: Portal, code: str) -> dict[str, str]:
    assert portal.credentials is not None
    pair = portal.credentials[code]
    r = await portal.gateway.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(pair.consumer_key, pair.consumer_secret),
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_every_answer_carrying_personal_data_says_no_store(portal: Portal) -> None:
    citizen = bearer(await login(portal))
    application = await draft(portal, citizen)
    app_id = application["id"]
    uploaded = await attach(portal, citizen, app_id, "medical-certificate")
    assert uploaded.status_code == 201, uploaded.text
    attachment_id = uploaded.json()["items"][0]["id"]
    permit = await draft(portal, citizen, "bma-building-permit", {})
    launched = await portal.gateway.post(f"/v1/applications/{permit['id']}/launch", headers=citizen)
    token = parse_qs(urlsplit(launched.json()["url"]).query)["mToken"][0]
    bma = await _agency_token(portal, "BMA")
    dlt = await agency_headers(portal, "DLT")
    exchange = {"appId": permit["id"], "mToken": token}
    nobody: dict[str, str] = {}

    # (method, path, headers, json body, the status a user sees)
    table: list[tuple[str, str, dict[str, str], Any, int]] = [
        ("GET", "/v1/me", citizen, None, 200),
        ("GET", "/v1/me", nobody, None, 401),
        ("GET", "/oauth/userinfo", citizen, None, 200),
        ("GET", "/oauth/userinfo", nobody, None, 401),
        ("POST", "/v1/identity/verifications", nobody, {"national_id": "1"}, 422),
        ("POST", "/v1/identity/verifications/nope/card-only", nobody, None, 404),
        ("GET", "/v1/applications", citizen, None, 200),
        ("GET", "/v1/applications", nobody, None, 401),
        ("GET", f"/v1/applications/{app_id}", citizen, None, 200),
        ("HEAD", f"/v1/applications/{app_id}", citizen, None, 200),
        ("GET", "/v1/applications/no-such-application", citizen, None, 404),
        ("GET", f"/v1/applications/{app_id}/attachments/{attachment_id}", citizen, None, 200),
        ("GET", f"/v1/applications/{app_id}/attachments/nope", citizen, None, 404),
        ("GET", f"/v1/applications/{app_id}/receipt", citizen, None, 404),
        ("POST", "/v1/applications", citizen, {"service_id": "no-such-service"}, 404),
        ("GET", "/v1/notifications", citizen, None, 200),
        ("GET", "/v1/notifications?cursor=forged.cursor", citizen, None, 400),
        ("GET", "/v1/notifications/stream?wait=0", citizen, None, 200),
        ("POST", "/v1/notifications/1/read", citizen, None, 404),
        ("GET", "/v1/documents", citizen, None, 200),
        ("GET", "/v1/documents", nobody, None, 401),
        (
            "GET",
            f"/v1/services/{DLT_RENEWAL}/access",
            citizen,
            None,
            200,
        ),
        ("GET", "/v1/agency/applications", dlt, None, 200),
        ("GET", "/v1/agency/applications", nobody, None, 401),
        ("GET", f"/v1/agency/applications/{app_id}", dlt, None, 404),
        ("POST", "/v1/agency/web/exchange", bma, exchange, 200),
        ("POST", "/v1/agency/web/exchange", bma, exchange, 401),  # the mToken is spent
        ("POST", f"/v1/applications/{app_id}/launch", citizen, None, 409),
    ]
    seen = []
    for method, path, headers, body, status in table:
        r = await portal.gateway.request(method, path, headers=headers, json=body)
        seen.append((method, path, r.status_code, r.headers.get("cache-control")))
        assert r.status_code == status, (method, path, r.status_code, r.text)
    assert [s for s in seen if s[3] != "no-store"] == []


async def test_public_catalog_reads_keep_their_caching(portal: Portal) -> None:
    for path in ("/v1/categories", f"/v1/services/{DLT_RENEWAL}", "/v1/agencies/DLT"):
        r = await portal.gateway.get(path)
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "public, max-age=60"
        etag = r.headers["etag"]
        again = await portal.gateway.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.headers["cache-control"] == "public, max-age=60"


async def test_operations_with_personal_data_are_marked_in_the_openapi(portal: Portal) -> None:
    paths = (await portal.gateway.get("/openapi.json")).json()["paths"]
    marked = {
        (method.upper(), path)
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("x-personal-data") is True
    }
    assert ("GET", "/v1/notifications") in marked
    assert ("POST", "/v1/agency/web/exchange") in marked
    assert ("GET", "/v1/me") in marked
    assert ("GET", "/v1/services/{service_id}") not in marked


@pytest.mark.parametrize("language", ["th", "en"])
async def test_answers_that_follow_the_language_say_which_and_vary_on_it(
    portal: Portal, language: str
) -> None:
    citizen = bearer(await login(portal))
    application = await draft(portal, citizen)
    app_id = application["id"]
    dlt = await agency_headers(portal, "DLT")
    await attach(portal, citizen, app_id, "medical-certificate")
    submitted = await portal.gateway.post(f"/v1/applications/{app_id}/submit", headers=citizen)
    assert submitted.status_code == 201, submitted.text
    ask = {"Accept-Language": language}
    paths: list[tuple[str, dict[str, str]]] = [
        ("/v1/notifications", citizen),
        ("/v1/notifications/stream?wait=0", citizen),
        (f"/v1/applications/{app_id}", citizen),
        ("/v1/documents", citizen),
        ("/v1/categories", {}),
        (f"/v1/services/{DLT_RENEWAL}", {}),
        ("/v1/agencies/DLT/calendar", {}),
        (f"/v1/agency/applications/{app_id}", dlt),
    ]
    for path, headers in paths:
        r = await portal.gateway.get(path, headers={**headers, **ask})
        assert r.status_code == 200, (path, r.text)
        assert r.headers.get("content-language") == language, path
        assert "accept-language" in _vary(r), path


async def test_the_inbox_follows_the_language_it_says(portal: Portal) -> None:
    citizen = bearer(await login(portal))
    application = await draft(portal, citizen)
    await attach(portal, citizen, application["id"], "medical-certificate")
    r = await portal.gateway.post(f"/v1/applications/{application['id']}/submit", headers=citizen)
    assert r.status_code == 201, r.text
    th = await portal.gateway.get("/v1/notifications", headers=citizen)
    en = await portal.gateway.get("/v1/notifications", headers={**citizen, "Accept-Language": "en"})
    assert th.json()["items"]
    assert th.json()["items"] != en.json()["items"]
    assert (th.headers["content-language"], en.headers["content-language"]) == ("th", "en")


async def test_answers_that_do_not_follow_the_language_do_not_claim_one(portal: Portal) -> None:
    citizen = bearer(await login(portal))
    listed = await portal.gateway.get("/v1/applications", headers=citizen)
    assert listed.status_code == 200
    assert "content-language" not in listed.headers
    # A problem's title and detail are always in the request's language, so it says which.
    missing = await portal.gateway.get("/v1/applications/nope", headers=citizen)
    assert missing.status_code == 404
    assert missing.headers["content-language"] == "th"
