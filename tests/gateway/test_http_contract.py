"""The HTTP contract every endpoint shares (API.md "HTTP"): problem+json errors, request ids,
the body limit, health, readiness, metrics and the published API description."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url
from support import assert_problem, started

from gateway.config import Settings
from gateway.main import create_app

SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


# -- problem+json ----------------------------------------------------------------------------


async def test_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/no-such-thing")

    body = assert_problem(r, 404, "not_found")
    assert body["instance"] == "/v1/no-such-thing"
    assert body["type"] != "about:blank"


async def test_wrong_method_is_a_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    r = await client.delete("/v1/categories")

    assert_problem(r, 405, "method_not_allowed")
    assert "GET" in [m.strip() for m in r.headers["allow"].split(",")]
    assert "DELETE" not in r.headers["allow"]


async def test_validation_error_is_a_422_problem_with_field_pointers(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/v1/services", params={"limit": "0"})

    body = assert_problem(r, 422, "validation_failed")
    assert body["instance"] == "/v1/services"
    assert [e["pointer"] for e in body["errors"]] == ["/query/limit"]
    assert all(e["code"] and e["message"] for e in body["errors"])


async def test_invalid_json_body_is_a_422_problem(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await client.post(
        "/v1/admin/clock",
        content=b'{"advance": ',
        headers={**admin_headers, "Content-Type": "application/json"},
    )

    body = assert_problem(r, 422, "validation_failed")
    assert body["errors"][0]["pointer"].startswith("/body")


async def test_an_unhandled_exception_is_a_500_problem_without_internals(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def boom() -> None:
        raise RuntimeError("secret stack detail")

    app.add_api_route("/boom", boom)

    r = await client.get("/boom")

    body = assert_problem(r, 500, "internal_error")
    assert "secret stack detail" not in r.text
    assert "Traceback" not in r.text
    assert "RuntimeError" not in r.text
    assert ".py" not in r.text
    assert r.headers["x-request-id"]
    assert body["instance"] == "/boom"


async def test_a_500_keeps_the_request_id_the_client_sent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def boom() -> None:
        raise RuntimeError("secret stack detail")

    app.add_api_route("/boom-again", boom)

    r = await client.get("/boom-again", headers={"X-Request-ID": "trace-500"})

    assert_problem(r, 500, "internal_error")
    assert r.headers["x-request-id"] == "trace-500"


# -- request ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/v1/categories"),
        ("GET", "/v1/services/no-such-service"),
        ("GET", "/v1/no-such-thing"),
        ("DELETE", "/v1/categories"),
        ("GET", "/v1/services?limit=0"),
        ("POST", "/v1/admin/clock"),
        ("GET", "/metrics"),
    ],
)
async def test_every_response_has_a_request_id(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    r = await client.request(method, path)

    assert SAFE_REQUEST_ID.match(r.headers["x-request-id"])


async def test_a_304_has_a_request_id(client: httpx.AsyncClient) -> None:
    etag = (await client.get("/v1/categories")).headers["etag"]

    r = await client.get("/v1/categories", headers={"If-None-Match": etag})

    assert r.status_code == 304
    assert SAFE_REQUEST_ID.match(r.headers["x-request-id"])


async def test_requests_without_an_id_get_distinct_ids(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/healthz")).headers["x-request-id"] for _ in range(3)}

    assert len(ids) == 3


@pytest.mark.parametrize(
    "request_id", ["abc-123", "trace.id:42_x", "0b6f2c9e-4d1a-4f7e-9c3b-2a5d8e1f7c60", "A" * 128]
)
async def test_a_safe_client_request_id_is_echoed(
    client: httpx.AsyncClient, request_id: str
) -> None:
    r = await client.get("/v1/categories", headers={"X-Request-ID": request_id})

    assert r.headers["x-request-id"] == request_id
    assert len(r.headers.get_list("x-request-id")) == 1


async def test_a_problem_quotes_the_echoed_request_id(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/no-such-thing", headers={"X-Request-ID": "trace-404"})

    assert r.headers["x-request-id"] == "trace-404"
    assert r.json()["request_id"] == "trace-404"


@pytest.mark.parametrize(
    "request_id",
    ["has spaces in it", "A" * 300, "semi;colon", 'quote"d', "<script>", "ไทย"],
)
async def test_an_unsafe_client_request_id_is_replaced(
    client: httpx.AsyncClient, request_id: str
) -> None:
    r = await client.get("/v1/categories", headers={b"X-Request-ID": request_id.encode("utf-8")})

    assert r.status_code == 200
    replaced = r.headers["x-request-id"]
    assert replaced != request_id
    assert SAFE_REQUEST_ID.match(replaced)
    assert len(r.headers.get_list("x-request-id")) == 1


# -- body size limit -------------------------------------------------------------------------

SMALL_LIMIT = 1024


@pytest.fixture
async def small_body_client(seeded: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with started(seeded.model_copy(update={"max_body_bytes": SMALL_LIMIT})) as client:
        yield client


def _holiday(day: str, name_length: int) -> dict[str, str]:
    return {"day": day, "name_th": "ก" * name_length, "name_en": "x" * name_length}


async def test_a_body_under_the_limit_is_accepted(
    small_body_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await small_body_client.post(
        "/v1/admin/calendar/holidays", json=_holiday("2031-01-02", 10), headers=admin_headers
    )

    assert r.status_code == 201, r.text


async def test_a_body_over_the_limit_with_content_length_is_a_413_problem(
    small_body_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = httpx.Request("POST", "/", json=_holiday("2031-01-03", SMALL_LIMIT)).content
    assert len(body) > SMALL_LIMIT

    r = await small_body_client.post(
        "/v1/admin/calendar/holidays",
        content=body,
        headers={**admin_headers, "Content-Type": "application/json"},
    )

    assert_problem(r, 413, "payload_too_large")
    assert r.headers["x-request-id"]


async def test_a_streamed_body_over_the_limit_is_a_413_problem_and_not_read_to_the_end(
    small_body_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    chunk = b" " * 256
    total_chunks = 64
    sent = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"day": "2031-01-04", "name_th": "x", "name_en": "x"'
        for _ in range(total_chunks):
            sent += 1
            yield chunk
        yield b"}"

    r = await small_body_client.post(
        "/v1/admin/calendar/holidays",
        content=stream(),
        headers={**admin_headers, "Content-Type": "application/json"},
    )

    assert_problem(r, 413, "payload_too_large")
    assert sent < total_chunks


async def test_a_refused_body_stores_nothing(
    small_body_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    refused = await small_body_client.post(
        "/v1/admin/calendar/holidays",
        json=_holiday("2031-01-06", SMALL_LIMIT),
        headers=admin_headers,
    )

    assert refused.status_code == 413
    listed = await small_body_client.get("/v1/admin/calendar/holidays", headers=admin_headers)
    assert "2031-01-06" not in {h["day"] for h in listed.json()["items"]}


# -- health, readiness -----------------------------------------------------------------------


async def test_healthz_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")

    assert r.status_code == 200
    assert r.json()["status"] == "ok"


async def test_readyz_checks_the_database_and_its_schema(client: httpx.AsyncClient) -> None:
    r = await client.get("/readyz")

    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["schema"] == "ok"


async def test_readyz_is_503_on_an_unmigrated_empty_database(
    seeded: Settings, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    settings = seeded.model_copy(update={"database_url": f"sqlite+aiosqlite:///{empty}"})

    async with started(settings) as client:
        r = await client.get("/readyz")
        healthz = await client.get("/healthz")

    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["schema"] != "ok"
    assert healthz.status_code == 200


def _missing_database_url(seeded: Settings, tmp_path: Path) -> str:
    url = make_url(seeded.database_url)
    if url.get_backend_name() == "postgresql":
        return url.set(database=f"cg_missing_{uuid.uuid4().hex[:12]}").render_as_string(
            hide_password=False
        )
    # SQLite creates a missing file on connect; a read-only URI names one that must exist.
    return f"sqlite+aiosqlite:///file:{tmp_path / 'missing.db'}?mode=ro&uri=true"


async def test_readyz_is_503_when_the_database_does_not_exist(
    seeded: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # anything a driver creates from the URL stays in tmp_path
    settings = seeded.model_copy(update={"database_url": _missing_database_url(seeded, tmp_path)})

    async with started(settings) as client:
        r = await client.get("/readyz")

    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"] != "ok"


async def test_readyz_is_503_when_the_database_server_is_unreachable(
    seeded: Settings,
) -> None:
    settings = seeded.model_copy(
        update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    )

    async with started(settings) as client:
        r = await client.get("/readyz")

    assert r.status_code == 503
    assert r.json()["status"] == "not_ready"
    assert r.json()["checks"]["database"] != "ok"


# -- metrics ---------------------------------------------------------------------------------


def _request_counts(text: str) -> dict[tuple[str, str, str], float]:
    counts = {}
    for family in text_string_to_metric_families(text):
        if family.name == "gateway_http_requests":
            for sample in family.samples:
                if sample.name == "gateway_http_requests_total":
                    labels = sample.labels
                    counts[(labels["method"], labels["route"], labels["status"])] = sample.value
    return counts


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/v1/services/dlt-driving-licence-renewal")
    await client.get("/v1/services/dlt-annual-vehicle-tax")
    await client.get("/v1/services/no-such-service")

    r = await client.get("/metrics")

    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    counts = _request_counts(r.text)
    assert counts[("GET", "/v1/services/{service_id}", "200")] == 2
    assert counts[("GET", "/v1/services/{service_id}", "404")] == 1
    assert "dlt-driving-licence-renewal" not in r.text


async def test_metrics_record_latency_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/v1/categories")

    text = (await client.get("/metrics")).text

    assert (
        'gateway_http_request_duration_seconds_count{method="GET",route="/v1/categories"}' in text
    )


async def test_metrics_put_unknown_paths_under_one_label(client: httpx.AsyncClient) -> None:
    await client.get("/wp-admin/scanner-probe-8d1f")
    await client.get("/v1/another-unknown-7c2e")

    text = (await client.get("/metrics")).text

    assert _request_counts(text)[("GET", "unmatched", "404")] == 2
    assert "scanner-probe-8d1f" not in text
    assert "another-unknown-7c2e" not in text


# -- API description -------------------------------------------------------------------------


async def test_openapi_lists_the_catalog_paths(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")

    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/v1/categories",
        "/v1/life-stages",
        "/v1/services",
        "/v1/services/{service_id}",
        "/v1/agencies",
        "/v1/agencies/{code}",
    ):
        assert "get" in paths[path], path
    parameters = {p["name"] for p in paths["/v1/services"]["get"]["parameters"]}
    assert {"q", "category", "life_stage", "agency", "limit", "cursor"} <= parameters


async def test_docs_are_served_as_html(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs")

    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in r.text


async def test_readyz_reports_the_embedded_worker(seeded: Settings) -> None:
    """A process that forwards itself is ready only while its worker goes round; without one,
    the workers are external processes."""
    async with started(seeded) as external:
        body = (await external.get("/readyz")).json()
        assert body["worker"] == "external"
        assert "worker" not in body["checks"]
    embedded = seeded.model_copy(update={"embedded_worker": True, "worker_idle_seconds": 0.05})
    app = create_app(embedded)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        # Bounded (30 s), not timed: a loaded machine may take a while for the first round,
        # and a readiness check that cannot read the database within its 2 s says not_ready.
        for _ in range(1500):
            body = (await client.get("/readyz")).json()
            if body["status"] == "ready":
                break
            await asyncio.sleep(0.02)
        assert body["checks"]["worker"] == "ok", body
        assert body["status"] == "ready", body
        app.state.forwarder.heartbeat = 0.0  # as if it had stopped going round long ago
        r = await client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["checks"]["worker"] == "stalled"
