"""HTTP details clients rely on: Allow on 405, HEAD on GET routes, Accept-Language."""

from __future__ import annotations

import httpx
import pytest
from support import assert_problem

from kernel.language import negotiate_language


async def test_405_allow_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    r = await client.put("/v1/admin/clock", json={})
    assert_problem(r, 405, "method_not_allowed")
    assert [m.strip() for m in r.headers["allow"].split(",")] == ["GET", "HEAD", "POST"]


async def test_head_on_a_get_route_answers_headers_without_a_body(
    client: httpx.AsyncClient,
) -> None:
    get = await client.get("/v1/services/dlt-driving-licence-renewal")
    head = await client.head("/v1/services/dlt-driving-licence-renewal")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["x-request-id"]


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "th"),
        ("", "th"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr, en;q=0.9, th;q=0.9", "en"),  # equal q: the earlier one
        ("fr, th;q=0.8, en;q=0.9", "en"),
        ("en;level=1;q=0", "th"),  # q=0 refuses English, whatever comes before q
        ("en;q=0, *", "th"),
        ("th;q=0.1, en;q=0.2", "en"),
        ("EN", "en"),
        ("en;q=abc", "th"),  # a malformed q is skipped
        ("en;q=2", "th"),  # q above 1 is malformed
        (",,,;;;===", "th"),
        ("x" * 5000, "th"),
    ],
)
def test_language_negotiation(header: str | None, language: str) -> None:
    assert negotiate_language(header) == language
