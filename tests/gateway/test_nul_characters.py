"""No text in this API can hold the NUL character (U+0000), and PostgreSQL cannot store it: a
request carrying one, in its path, its query or a JSON body, is refused like any invalid input
(422, saying where) before it reaches a service. Found by the schemathesis run: an mToken
exchange with a NUL in its appId answered 500 on PostgreSQL. Binary uploads are not text and
still go through."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest
from support import PDF, Stack, assert_problem, bearer, draft, login


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("GET", "/v1/applications/%00", None, "/path"),
        ("GET", "/v1/applications?cursor=%00", None, "/query"),
        ("GET", "/v1/services?q=a%00b", None, "/query"),
        ("POST", "/v1/applications", {"service_id": "dlt-\u0000", "form": {}}, "/body"),
        ("POST", "/v1/agency/web/exchange", {"appId": "\u0000", "mToken": "x" * 20}, "/body"),
        ("POST", "/v1/identity/verifications", {"national_id": "\u0000"}, "/body"),
    ],
)
async def test_a_nul_character_is_refused_before_anything_is_read(
    stack: Stack, method: str, path: str, body: object, where: str
) -> None:
    headers = {**bearer(await login(stack)), "Accept-Language": "en"}
    r = await stack.gateway.request(method, path, json=body, headers=headers)
    problem = assert_problem(r, 422, "validation_failed")
    assert "U+0000" in problem["detail"]
    (error,) = problem["errors"]
    assert error["code"] == "nul_character"
    assert error["pointer"] == (
        "/body"
        if body is not None
        else "/path"
        if "%00" in path.split("?", maxsplit=1)[0]
        else "/query"
    )


async def test_a_nul_escape_split_across_two_chunks_is_refused(stack: Stack) -> None:
    headers = bearer(await login(stack))

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"service_id": "dlt-\\u00'
        yield b'00", "form": {}}'

    r = await stack.gateway.post(
        "/v1/applications",
        content=chunks(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["pointer"] == "/body"


async def test_binary_uploads_with_nul_bytes_still_go_through(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    scan = PDF + b"\x00\\u0000\x00"  # NUL bytes, and the JSON escape as bytes: not text here
    r = await stack.gateway.post(
        f"/v1/applications/{application['id']}/attachments",
        files={"file": ("scan.pdf", scan, "application/pdf")},
        data={"document": "medical-certificate"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    (stored,) = r.json()["items"]
    assert stored["size"] == len(scan)
    assert stored["sha256"] == hashlib.sha256(scan).hexdigest()
