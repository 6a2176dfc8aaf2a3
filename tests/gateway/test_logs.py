"""What the gateway's log may hold: never an agency's secret or a national ID carried in a URL
the gateway calls (the GDX validate query, a licence looked up by ID)."""

from __future__ import annotations

import io
import logging

import httpx

from gateway.logs import configure_logging


async def test_outgoing_request_urls_do_not_reach_the_log() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO", as_json=True)
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"Result": "t"}))
        async with httpx.AsyncClient(transport=transport, base_url="http://agency.test") as http:
            await http.get("/gdx/auth/validate", params={"ConsumerSecret": "s3cret-value"})
            await http.get("/dlt/api/v1/licences/1100100001014")
        logging.getLogger("gateway.test").info("still logging")
        written = stream.getvalue()
        assert "still logging" in written
        assert "s3cret-value" not in written
        assert "1100100001014" not in written
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
