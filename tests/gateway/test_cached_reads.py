"""A cached catalog answer is served before routing (gateway.http.CachedReads) exactly as the
endpoint serves it, and a stale one is served while it is rendered again in the background
(gateway.http.RenderCache): the app sees the same bytes, headers, ETags and 304s either way."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from gateway.catalog.models import EService
from gateway.http import CachedReads, RenderCache, Rendered, edge_key

SERVICE = "/v1/services/dlt-driving-licence-renewal"
ROUTE = "/v1/services/{service_id}"
SAME = ("content-type", "content-length", "etag", "cache-control", "vary", "content-language")


def requests_counted(app: FastAPI, method: str = "GET", status: str = "200") -> float:
    metric = app.state.runtime.metrics.requests.labels(method, ROUTE, status)
    value: float = metric._value.get()
    return value


def cache_of(app: FastAPI) -> RenderCache:
    cache: RenderCache = app.state.runtime.render_cache
    return cache


async def test_a_cached_answer_is_the_endpoints_answer_byte_for_byte(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for lang in ("th", "en"):
        headers = {"Accept-Language": lang}
        # The query string sends this one through the router and the endpoint.
        routed = await client.get(f"{SERVICE}?via=router", headers=headers)
        cached = await client.get(SERVICE, headers=headers)
        assert routed.status_code == cached.status_code == 200
        assert cached.content == routed.content
        for name in SAME:
            assert cached.headers[name] == routed.headers[name], name
        assert cached.headers["content-language"] == lang
        assert cached.headers["x-request-id"] != routed.headers["x-request-id"]

        etag = cached.headers["etag"]
        revalidated = await client.get(SERVICE, headers={**headers, "If-None-Match": etag})
        assert revalidated.status_code == 304
        assert revalidated.content == b""
        assert revalidated.headers["etag"] == cached.headers["etag"]

        head = await client.head(SERVICE, headers=headers)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["etag"] == cached.headers["etag"]


async def test_cached_answers_are_counted_under_their_route(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await client.get(SERVICE)
    before = requests_counted(app)
    for _ in range(3):
        assert (await client.get(SERVICE)).status_code == 200
    assert requests_counted(app) == before + 3


async def test_a_stale_answer_is_served_while_it_is_rendered_again(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    cache = cache_of(app)
    ticks = [1000.0]
    cache._now = lambda: ticks[0]  # the cache's own clock, moved by the test
    first = await client.get(SERVICE)
    assert first.status_code == 200
    name_was = first.json()["name"]
    sessions = app.state.runtime.sessions
    try:
        async with sessions() as session:
            await session.execute(
                update(EService)
                .where(EService.id == "dlt-driving-licence-renewal")
                .values(name_th="ต่ออายุใบอนุญาตขับรถ (ชื่อใหม่)")
            )
            await session.commit()

        ticks[0] += cache.ttl + 1  # stale: served as it was, and rendered again meanwhile
        stale = await client.get(SERVICE)
        assert stale.content == first.content
        await cache.settled()
        renewed = await client.get(SERVICE)
        assert renewed.json()["name"] == "ต่ออายุใบอนุญาตขับรถ (ชื่อใหม่)"
        assert renewed.headers["etag"] != first.headers["etag"]

        async with sessions() as session:  # withdrawn: after its stale answer, a 404
            await session.execute(
                update(EService)
                .where(EService.id == "dlt-driving-licence-renewal")
                .values(status="retired")
            )
            await session.commit()
        ticks[0] += cache.ttl + 1
        assert (await client.get(SERVICE)).status_code == 200
        await cache.settled()
        gone = await client.get(SERVICE)
        assert gone.status_code == 404
        assert gone.json()["code"] == "service_not_found"
    finally:  # the catalog is shared by the whole test session
        async with sessions() as session:
            await session.execute(
                update(EService)
                .where(EService.id == "dlt-driving-licence-renewal")
                .values(name_th=name_was, status="live")
            )
            await session.commit()


async def test_the_render_cache_serves_fresh_then_stale_then_nothing() -> None:
    ticks = [0.0]
    cache = RenderCache(5, now=lambda: ticks[0], stale_seconds=60)
    key = ("GET", "/x", "th")
    cache.put(key, Rendered(b"{}", '"e"'))
    assert cache.find(key) == (Rendered(b"{}", '"e"'), False)
    ticks[0] = 5.0
    assert cache.find(key) == (Rendered(b"{}", '"e"'), True)
    assert cache.get(key) is None  # only fresh entries are served before routing
    ticks[0] = 65.0
    assert cache.find(key) is None


async def test_one_refresh_per_entry_however_many_requests_find_it_stale() -> None:
    ticks = [0.0]
    cache = RenderCache(5, now=lambda: ticks[0])
    key = ("GET", "/x", "th")
    cache.put(key, Rendered(b"1", '"1"'))
    ticks[0] = 6.0
    renders = []

    async def render() -> Rendered | None:
        renders.append(1)
        return Rendered(b"2", '"2"')

    for _ in range(10):
        cache.refresh(key, render)
    await cache.settled()
    assert renders == [1]
    assert cache.find(key) == (Rendered(b"2", '"2"'), False)

    async def gone() -> Rendered | None:
        return None

    ticks[0] = 20.0
    cache.refresh(key, gone)
    await cache.settled()
    assert cache.find(key) is None


async def test_a_fresh_entry_is_answered_without_the_app_and_anything_else_reaches_it() -> None:
    reached: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(f"{scope['method']} {scope['path']} {scope['query_string'].decode()}")
        await PlainTextResponse("from the app")(scope, receive, send)

    cache = RenderCache(5)
    cache.put(edge_key("/x", "en"), Rendered(b'{"x":1}', '"e1"', route="/{name}"))
    cache.put(edge_key("/y", "en"), Rendered(b'{"y":1}', '"e2"'))  # no route: not served early
    transport = httpx.ASGITransport(app=CachedReads(app, cache=cache))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        english = {"Accept-Language": "en"}
        r = await c.get("/x", headers=english)
        assert r.content == b'{"x":1}'
        assert r.headers["etag"] == '"e1"'
        assert reached == []
        assert (await c.get("/x", headers={"Accept-Language": "th"})).text == "from the app"
        assert (await c.get("/x?a=1", headers=english)).text == "from the app"
        assert (await c.post("/x", headers=english)).text == "from the app"
        assert (await c.get("/y", headers=english)).text == "from the app"
    assert reached == ["GET /x ", "GET /x a=1", "POST /x ", "GET /y "]
