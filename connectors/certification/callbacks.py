"""The callback receiver of a certification run.

While the checks run, `CallbackReceiver` serves HTTP (in-process, uvicorn; by default on
127.0.0.1, a free port) and the checks' filings name it as their `callback_url`
(`http://127.0.0.1:<port>/callbacks/<CODE>`, or `<public_url>/<CODE>` for an agency on another
machine), so the status callbacks the agency sends as its
staff move the cases on arrive here. Each is kept as it came (headers, raw body, the real time
it arrived) and acknowledged with 200; `analysis.py` judges them afterwards against the
signature scheme the gateway enforces (docs/agency-integration.md, "Callbacks"): the
`X-Signature` over `"<X-Timestamp>.<X-Nonce>." + body` with the agency's callback secret, a
timestamp within 300 s, a nonce never used before.

    async with CallbackReceiver() as receiver:
        url = receiver.url_for("DLT")
        ...                                   # filings with callback_url=url
        await receiver.wait_for(expected, seconds=5)
    receiver.received                         # every callback, in arrival order
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import uvicorn

PATH = "/callbacks"
#: The longest callback body kept.
MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class ReceivedCallback:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: float  # unix seconds (real time: X-Timestamp is judged against it)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def payload(self) -> Mapping[str, Any]:
        """The JSON object of the body ({} when it is not one)."""
        try:
            body = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return {}
        return body if isinstance(body, dict) else {}


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _Quiet(uvicorn.Server):
    """uvicorn without its signal handlers: the certification run's process keeps its own."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class CallbackReceiver:
    """Receives callbacks while open (an async context manager): on a free loopback port by
    default. An agency on another machine needs an address it can reach: `host` and `port`
    to listen on (e.g. "0.0.0.0", 8765) and `public_url`, the base it calls (e.g.
    "https://certify.example.go.th/callbacks", a tunnel or proxy to that port); the filings
    then name `<public_url>/<CODE>`."""

    host: str = "127.0.0.1"
    port_wanted: int = 0  # 0: a free port
    public_url: str | None = None
    received: list[ReceivedCallback] = field(default_factory=list)
    _codes: set[str] = field(default_factory=set, init=False)  # the agencies told its address
    _port: int | None = field(default=None, init=False)
    _server: _Quiet | None = field(default=None, init=False, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the receiver is not serving")
        return self._port

    def url_for(self, agency_code: str) -> str:
        """The address to give agency `agency_code` (only what arrives at an address handed
        out is kept: on a public interface, a stranger's request is no callback to judge)."""
        self._codes.add(agency_code)
        if self.public_url is not None:
            return f"{self.public_url.rstrip('/')}/{agency_code}"
        return f"http://{self.host}:{self.port}{PATH}/{agency_code}"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:  # the ASGI app
        if scope["type"] != "http":
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= MAX_BODY:
                chunks.append(chunk)
            more = message.get("more_body", False)
        if scope["method"] != "POST" or not self._handed_out(scope["path"]):
            await _answer(send, 404, b'{"error": "not_a_callback_address"}')
            return
        self.received.append(
            ReceivedCallback(
                method=scope["method"],
                path=scope["path"],
                headers=tuple(
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
                ),
                body=b"".join(chunks),
                received_at=time.time(),
            )
        )
        self._arrived.set()
        await _answer(send, 200, b'{"received": true}')

    def _handed_out(self, path: str) -> bool:
        """Whether `path` ends in an address handed out (`…/<CODE>`: a proxy in front may
        have changed what comes before it)."""
        last = path.rstrip("/").rpartition("/")[2]
        return last in self._codes

    async def __aenter__(self) -> CallbackReceiver:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port_wanted))
        self._port = int(sock.getsockname()[1])
        config = uvicorn.Config(self, lifespan="off", log_level="warning", access_log=False)
        self._server = _Quiet(config)
        self._task = asyncio.create_task(
            self._server.serve(sockets=[sock]), name="certify-callbacks"
        )
        while not self._server.started:
            if self._task.done():  # it could not start: say why
                await self._task
                raise RuntimeError("the callback receiver stopped before it started")
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None

    async def wait_for(
        self, done: Callable[[list[ReceivedCallback]], bool], *, seconds: float
    ) -> bool:
        """Wait until `done(received)` holds (True), or `seconds` passed (False)."""
        deadline = time.monotonic() + seconds
        while not done(self.received):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await self._arrived.wait()
        return True
