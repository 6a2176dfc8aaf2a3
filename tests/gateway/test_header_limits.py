"""The server `citizen-gateway serve` runs caps a request's header block: a head (request line
and header fields) over MAX_HEADER_BYTES is refused with 431 `header_fields_too_large` while it
is read, on a fresh connection or a kept-alive one, however slowly it comes; a request with
hundreds of header fields is refused too, without stalling anyone, and the next ordinary request
is answered as usual. Runs the real command on a loopback port (tests/gateway/test_server.py
meters the protocol read by read)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import free_port

from gateway.config import Settings

BIN = Path(sys.executable).parent
DEADLINE_SECONDS = 60
SOCKET_TIMEOUT_SECONDS = 20


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITIZEN_GATEWAY_")}
    env.update(
        CITIZEN_GATEWAY_DATABASE_URL=settings.database_url,
        CITIZEN_GATEWAY_VAR_DIR=str(settings.var_dir),
        CITIZEN_GATEWAY_STORAGE_DIR=str(settings.storage_dir),
        CITIZEN_GATEWAY_DOPA_CONSUMER_KEY=settings.dopa_consumer_key or "",
        CITIZEN_GATEWAY_DOPA_CONSUMER_SECRET=settings.dopa_consumer_secret.get_secret_value()
        if settings.dopa_consumer_secret
        else "",
        CITIZEN_GATEWAY_AGENCY_CREDENTIALS_FILE=str(settings.agency_credentials_file),
        CITIZEN_GATEWAY_EMBEDDED_WORKER="false",
        CITIZEN_GATEWAY_JOBS_INTERVAL_SECONDS="0",
        CITIZEN_GATEWAY_LOG_JSON="false",
        CITIZEN_GATEWAY_MAX_HEADER_BYTES=str(settings.max_header_bytes),
    )
    return env


@pytest.fixture(scope="module")
def served(seeded: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a running `citizen-gateway serve`."""
    with _serving(seeded, tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield int(base.rsplit(":", 1)[1])


@contextlib.contextmanager
def _serving(settings: Settings, log: Path) -> Iterator[str]:
    port = free_port()
    args = [str(BIN / "citizen-gateway"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            args, env=_environment(settings), stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/v1/categories", timeout=5).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the gateway did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _raw_exchange(port: int, head: bytes) -> tuple[int, bytes]:
    """Send a request head as raw bytes and read the status line and what follows.

    The head is sent from a second thread while this one reads: a server that refuses early
    answers (and closes) before the client has finished sending, which is the point."""
    with socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT_SECONDS) as conn:

        def send() -> None:
            with contextlib.suppress(OSError):  # the server may close before it has read all
                conn.sendall(head)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        # Wait for whatever the body is (short: a problem or the server's plain text).
        with contextlib.suppress(OSError):
            while chunk := conn.recv(65536):
                received += chunk
        sender.join(SOCKET_TIMEOUT_SECONDS)
    status_line = received.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 "), received[:200]
    return int(status_line.split()[1]), received


def _request(headers: list[tuple[str, str]]) -> bytes:
    lines = [b"GET /v1/categories HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [f"{name}: {value}".encode() for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _head_of(size: int, *, close: bool = True) -> bytes:
    """A request for the categories whose head (request line to blank line) is `size` bytes."""
    fields = [("Connection", "close")] if close else []
    bare = len(_request([*fields, ("X-Pad", "")]))
    return _request([*fields, ("X-Pad", "p" * (size - bare))])


def _problem(answer: bytes) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"\r\ncontent-type: application/problem+json" in head.lower(), head
    problem: dict[str, object] = json.loads(body)
    return problem


def _read_answer(conn: socket.socket, received: bytes = b"") -> tuple[bytes, bytes]:
    """One whole answer (it has a Content-Length) read from `conn`, and what followed it."""
    while b"\r\n\r\n" not in received:
        chunk = conn.recv(65536)
        assert chunk, received
        received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        chunk = conn.recv(65536)
        assert chunk, received
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def test_serve_refuses_oversized_or_overfull_header_blocks_and_keeps_answering(
    served: int,
) -> None:
    port = served
    base = f"http://127.0.0.1:{port}"

    # (a) One header of a megabyte: refused by the server while it reads the head.
    status, answer = _raw_exchange(port, _request([("X-Big", "a" * 1_048_576)]))
    assert status == 431
    assert _problem(answer)["code"] == "header_fields_too_large"

    # (b) 500 small header fields (a few kilobytes in all): refused by their number.
    status, answer = _raw_exchange(port, _request([(f"X-F{i}", "1") for i in range(500)]))
    assert status == 431
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["code"] == "header_fields_too_large"

    # At the limits (100 fields including Host, ~30 KB in all): answered as usual.
    fields = [(f"X-F{i}", "1") for i in range(97)] + [("X-Pad", "p" * 30_000)]
    status, _ = _raw_exchange(port, _request([*fields, ("Connection", "close")]))
    assert status == 200

    # (c) And an ordinary request afterwards.
    r = httpx.get(f"{base}/v1/categories", timeout=SOCKET_TIMEOUT_SECONDS)
    assert r.status_code == 200
    assert r.json()["items"]


def test_serve_answers_a_head_of_exactly_the_cap_and_refuses_one_byte_more(
    served: int, seeded: Settings
) -> None:
    cap = seeded.max_header_bytes
    status, _ = _raw_exchange(served, _head_of(cap))
    assert status == 200

    status, answer = _raw_exchange(served, _head_of(cap + 1))
    assert status == 431
    assert _problem(answer)["code"] == "header_fields_too_large"
    assert b"\r\nconnection: close\r\n" in answer.split(b"\r\n\r\n", 1)[0].lower()


def test_serve_refuses_an_oversized_second_head_on_a_kept_alive_connection(
    served: int, seeded: Settings
) -> None:
    cap = seeded.max_header_bytes
    with socket.create_connection(("127.0.0.1", served), timeout=SOCKET_TIMEOUT_SECONDS) as conn:
        conn.sendall(_head_of(1000, close=False))
        first, rest = _read_answer(conn)
        assert first.startswith(b"HTTP/1.1 200 ")
        assert json.loads(first.partition(b"\r\n\r\n")[2])["items"]

        conn.sendall(_head_of(cap + 1, close=False))
        second, rest = _read_answer(conn, rest)
        assert second.startswith(b"HTTP/1.1 431 ")
        assert _problem(second)["code"] == "header_fields_too_large"
        assert rest == b""
        assert conn.recv(65536) == b""  # and the connection is closed


def test_serve_cuts_off_a_header_trickled_past_the_cap_without_waiting_for_its_end(
    served: int, seeded: Settings
) -> None:
    """A head that never ends, sent a kilobyte at a time: the server answers once the cap is
    used, without waiting for an end that never comes (it would never answer if it did), and
    closes the connection under the sender, long before its 64 MiB are out."""
    cap = seeded.max_header_bytes
    chunk = b"a" * 1024
    total = 64 * 1024 * 1024
    sent = 0
    with socket.create_connection(("127.0.0.1", served), timeout=SOCKET_TIMEOUT_SECONDS) as conn:
        try:
            conn.sendall(b"GET /v1/categories HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
            while sent < total:
                conn.sendall(chunk)
                sent += len(chunk)
                if sent < 2 * cap:
                    time.sleep(0.002)  # a trickle: the server reads it in many small reads
        except OSError:
            pass  # cut off
        answer = b""
        with contextlib.suppress(OSError):
            while data := conn.recv(65536):
                answer += data
    assert sent < total
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert _problem(answer)["code"] == "header_fields_too_large"
