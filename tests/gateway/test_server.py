"""The server protocol `serve` runs (uvicorn's httptools one, metered) caps every request's head:
a head of exactly MAX_HEADER_BYTES is answered and one byte more is refused with 431
`header_fields_too_large`, however the bytes are split into reads, whatever came before the
head on the connection (answered requests, pipelined ones with bodies), and a head that never
ends is cut off once it has used the cap. The protocol runs here over an in-memory transport,
so the reads are exactly the ones a test makes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uvicorn.config import Config
from uvicorn.server import ServerState

from gateway.server import HeadCappedProtocol, after_last_blank_line, body_length, head_end

CAP = 512
WAIT_SECONDS = 10


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """Answers 200 `METHOD path <body length>` once it has read the whole body."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if message["type"] == "http.disconnect" or not message.get("more_body"):
            break
    text = f"{scope['method']} {scope['path']} {size}".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(text)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": text})


class Transport(asyncio.Transport):
    """A connection's socket in memory: what the server wrote, whether it reads, and closes."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.reading = True
        self.changed = asyncio.Event()
        self.protocol: asyncio.BaseProtocol | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        info = {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}
        return info.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data
        self.changed.set()

    def close(self) -> None:
        self.closed = True
        self.changed.set()

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True
        self.changed.set()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self.protocol is not None
        return self.protocol


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: bytes


def answers_in(raw: bytes) -> list[Answer]:
    """The whole answers in what the server wrote (each with a Content-Length)."""
    found: list[Answer] = []
    while True:
        head, blank, rest = raw.partition(b"\r\n\r\n")
        if not blank:
            return found
        status_line, *lines = head.split(b"\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        if len(rest) < length:
            return found
        found.append(Answer(int(status_line.split()[1]), headers, rest[:length]))
        raw = rest[length:]


@dataclass
class Connection:
    protocol: HeadCappedProtocol
    transport: Transport
    read: int = 0  # bytes the server was given
    reads: list[bytes] = field(default_factory=list)

    async def until(self, done: Callable[[], bool]) -> None:
        async def wait() -> None:
            while not done():
                self.transport.changed.clear()
                await self.transport.changed.wait()

        await asyncio.wait_for(wait(), WAIT_SECONDS)

    async def send(self, *reads: bytes) -> None:
        """Each read given to the server when it reads (as a socket would), until it closes."""
        for data in reads:
            await self.until(lambda: self.transport.reading or self.transport.closed)
            if self.transport.closed:
                return
            self.protocol.data_received(data)
            self.read += len(data)

    async def answers(self, count: int) -> list[Answer]:
        await self.until(
            lambda: len(answers_in(bytes(self.transport.written))) >= count or self.transport.closed
        )
        return answers_in(bytes(self.transport.written))

    async def closed_after(self, count: int) -> list[Answer]:
        """The answers once the server has closed the connection (it must: `count` of them)."""
        await self.until(lambda: self.transport.closed)
        found = answers_in(bytes(self.transport.written))
        assert len(found) == count, self.transport.written
        return found


_CONFIG = Config(app=echo, h11_max_incomplete_event_size=CAP, log_config=None, lifespan="off")


def connect(config: Config = _CONFIG) -> Connection:
    transport = Transport()
    protocol = HeadCappedProtocol(config=config, server_state=ServerState(), app_state={})
    transport.set_protocol(protocol)
    protocol.connection_made(transport)
    return Connection(protocol, transport)


def request(
    head: int,
    path: str = "/x",
    body: bytes | None = None,
    fields: tuple[str, ...] = (),
    method: str | None = None,
) -> bytes:
    """A request whose head (request line to blank line, inclusive) is `head` bytes long."""
    verb = method or ("GET" if body is None else "POST")
    start = f"{verb} {path} HTTP/1.1\r\nHost: t\r\n" + "".join(f"{f}\r\n" for f in fields)
    if body is not None:
        start += f"Content-Length: {len(body)}\r\n"
    fill = head - len(start) - len("X-Pad: \r\n\r\n")
    assert fill >= 0
    return start.encode() + b"X-Pad: " + b"p" * fill + b"\r\n\r\n" + (body or b"")


def chunked(path: str, *chunks: bytes) -> bytes:
    framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    head = f"POST {path} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    return head + framed + b"0\r\n\r\n"


def assert_refused(answer: Answer) -> None:
    assert answer.status == 431
    assert answer.headers[b"content-type"] == b"application/problem+json"
    assert answer.headers[b"connection"] == b"close"
    assert json.loads(answer.body)["code"] == "header_fields_too_large"


async def test_a_head_of_exactly_the_cap_is_answered_and_one_byte_more_is_refused() -> None:
    conn = connect()
    await conn.send(request(CAP))
    [answer] = await conn.answers(1)
    assert (answer.status, answer.body) == (200, b"GET /x 0")
    assert not conn.transport.closed

    conn = connect()
    await conn.send(request(CAP + 1))
    [answer] = await conn.closed_after(1)
    assert_refused(answer)
    assert answer.headers[b"content-language"] == b"th"  # Thai unless asked otherwise
    assert answer.headers[b"x-request-id"] == json.loads(answer.body)["request_id"].encode()


async def test_the_refusal_speaks_the_language_the_fields_read_so_far_ask_for() -> None:
    conn = connect()
    await conn.send(request(CAP + 100, fields=("Accept-Language: en",)))
    [answer] = await conn.closed_after(1)
    assert_refused(answer)
    assert answer.headers[b"content-language"] == b"en"
    assert f"longer than {CAP} bytes" in json.loads(answer.body)["detail"]


async def test_a_refused_head_request_gets_no_body() -> None:
    conn = connect()
    await conn.send(request(CAP + 1, method="HEAD"))
    await conn.until(lambda: conn.transport.closed)
    head, _, body = bytes(conn.transport.written).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert body == b""


@pytest.mark.parametrize("size", [CAP, CAP + 1])
async def test_a_head_is_metered_wherever_the_reads_split_it(size: int) -> None:
    # A short request with a short body before it: both may share a read with the head.
    stream = request(100, path="/a", body=b"x" * 50) + request(size, path="/b")
    for at in range(1, len(stream)):
        conn = connect()
        await conn.send(stream[:at], stream[at:])
        if size <= CAP:
            assert [a.body for a in await conn.answers(2)] == [b"POST /a 50", b"GET /b 0"], at
        else:
            first, second = await conn.closed_after(2)
            assert first.body == b"POST /a 50"
            assert_refused(second)


async def test_a_head_sent_a_byte_at_a_time_is_cut_off_once_it_has_used_the_cap() -> None:
    conn = connect()
    await conn.send(*(bytes([b]) for b in request(CAP)))
    assert [a.status for a in await conn.answers(1)] == [200]

    conn = connect()
    endless = b"GET /x HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * (100 * CAP)
    await conn.send(*(bytes([b]) for b in endless))
    assert_refused((await conn.closed_after(1))[0])
    assert conn.read == CAP  # not a byte more was read


async def test_a_kept_alive_connection_refuses_an_oversized_second_head() -> None:
    conn = connect()
    await conn.send(request(CAP, path="/first"))
    [first] = await conn.answers(1)
    assert first.body == b"GET /first 0"
    assert conn.protocol.timeout_keep_alive_task is not None  # kept alive, as uvicorn does
    await conn.send(request(CAP, path="/second"))
    assert [a.body for a in await conn.answers(2)] == [b"GET /first 0", b"GET /second 0"]
    await conn.send(request(CAP + 1, path="/third"))
    *_, third = await conn.closed_after(3)
    assert_refused(third)


async def test_pipelined_requests_each_have_the_whole_cap() -> None:
    # Bodies holding blank lines, and heads of exactly the cap, in one read.
    stream = (
        request(CAP, path="/a")
        + request(100, path="/b", body=b"\r\n\r\nbody")
        + request(100, path="/c", body=b"x" * 50)
        + request(CAP, path="/d", body=b"x" * 3000)
        + request(CAP, path="/e")
    )
    conn = connect()
    await conn.send(stream)
    found = await conn.answers(5)
    assert [a.body for a in found] == [
        b"GET /a 0",
        b"POST /b 8",
        b"POST /c 50",
        b"POST /d 3000",
        b"GET /e 0",
    ]
    assert not conn.transport.closed


async def test_an_oversized_pipelined_head_is_refused_after_the_answers_before_it() -> None:
    stream = (
        request(CAP, path="/a", body=b"\r\n\r\n")
        + request(CAP, path="/b")
        + request(CAP + 1, path="/c")
        + request(100, path="/never")
    )
    conn = connect()
    await conn.send(stream)
    a, b, c = await conn.closed_after(3)
    assert (a.body, b.body) == (b"POST /a 4", b"GET /b 0")
    assert_refused(c)


async def test_after_a_chunked_body_the_next_head_has_the_whole_cap() -> None:
    conn = connect()
    await conn.send(chunked("/a", b"one\r\n\r\n", b"two") + request(CAP, path="/b"))
    assert [a.body for a in await conn.answers(2)] == [b"POST /a 10", b"GET /b 0"]

    conn = connect()
    await conn.send(chunked("/a", b"one") + request(CAP + 1, path="/b"))
    a, b = await conn.closed_after(2)
    assert a.body == b"POST /a 3"
    assert_refused(b)


async def test_a_malformed_request_still_gets_uvicorns_400() -> None:
    conn = connect()
    await conn.send(b"GET /x HTTP/1.1\r\nHost: t\nX: y\r\n\r\n")
    [answer] = await conn.closed_after(1)
    assert answer.status == 400


async def test_the_concurrency_limit_is_uvicorns() -> None:
    limited = Config(
        app=echo,
        h11_max_incomplete_event_size=CAP,
        log_config=None,
        lifespan="off",
        limit_concurrency=1,
    )
    conn = connect(limited)
    await conn.send(request(100))
    [answer] = await conn.answers(1)
    assert answer.status == 503


# The pieces, and how they add up over any way of splitting a stream of requests into reads.

_BODIES = st.one_of(
    st.none(),
    st.binary(max_size=40),
    st.lists(st.sampled_from([b"\r\n", b"\r\n\r\n", b"x", b"0\r\n\r\n"]), max_size=8).map(b"".join),
)
_REQUESTS = st.lists(
    st.tuples(st.sampled_from([60, CAP - 40, CAP - 1, CAP, CAP + 1]), _BODIES),
    min_size=1,
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(_REQUESTS, st.data())
async def test_any_split_of_any_pipelined_stream_is_metered_exactly(
    requests: list[tuple[int, bytes | None]], data: st.DataObject
) -> None:
    stream = b"".join(
        request(size, path=f"/{i}", body=body) for i, (size, body) in enumerate(requests)
    )
    cuts = sorted(data.draw(st.sets(st.integers(1, len(stream) - 1), max_size=6)))
    reads = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    expected: list[int] = []
    for size, _ in requests:
        expected.append(200 if size <= CAP else 431)
        if size > CAP:
            break

    conn = connect()
    await conn.send(*reads)
    if expected[-1] == 431:
        found = await conn.closed_after(len(expected))
    else:
        found = await conn.answers(len(expected))
    assert [a.status for a in found] == expected


def test_head_end_finds_the_first_blank_line_even_across_two_reads() -> None:
    assert head_end(b"", b"GET / HTTP/1.1\r\n\r\nrest", 100) == 18
    assert head_end(b"", b"GET / HTTP/1.1\r\n\r\nrest", 17) == -1  # not within the limit
    assert head_end(b"1\r\n", b"\r\nrest", 100) == 2
    assert head_end(b"\r\n\r", b"\nrest", 100) == 1
    assert head_end(b"abc", b"\r\n\r\n", 100) == 4
    assert head_end(b"", b"Host: t\r\n", 100) == -1


def test_after_last_blank_line_counts_what_follows_the_last_one() -> None:
    assert after_last_blank_line(b"", b"a\r\n\r\nb\r\n\r\nGET /") == 5
    assert after_last_blank_line(b"\r\n\r", b"\nGET") == 3
    assert after_last_blank_line(b"xyz", b"GET /") == 5


def test_body_length_is_the_declared_one_or_unknown_when_chunked() -> None:
    assert body_length([(b"host", b"t")]) == 0
    assert body_length([(b"content-length", b"12")]) == 12
    assert body_length([(b"transfer-encoding", b"chunked")]) is None
