"""The HTTP/1.1 protocol `citizen-gateway serve` runs: uvicorn's httptools protocol (llhttp, a
C parser) with a cap on the size of each request's head, the request line and header fields.

llhttp itself has no such cap, and httptools keeps a header field it has not seen the end of in
a growing buffer, so a head is metered here before the parser sees it: the bytes of a read are
fed in pieces that never run past the end of a head, nor past the end of a Content-Length body,
so each request's head is counted from its first byte, whether it arrives alone, after another
one on a kept-alive connection, or pipelined behind one in the same read. A head that has used
`max_head_bytes` without ending is refused with 431 `header_fields_too_large` (problem+json,
`Connection: close`), after the answers to the requests before it on the connection, and
nothing more of it is parsed or kept. The number of header fields is capped by the app
(gateway.http.ResponseHeadersMiddleware).

The cap is uvicorn's own head-size option, `h11_max_incomplete_event_size` (named after h11,
the pure-Python parser it was written for), so one option sets it for this protocol and for
the h11 fallback alike, and it reaches uvicorn's worker processes with the rest of its config.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.config import Settings
from gateway.errors import plain_problem_response

# The blank line that ends a head. llhttp takes no bare LF as a line end (it answers 400), and a
# header value holds no CR or LF, so the first blank line of a request is the end of its head.
BLANK_LINE = b"\r\n\r\n"
DEFAULT_MAX_HEAD_BYTES: int = Settings.model_fields["max_header_bytes"].default


def head_end(tail: bytes, data: bytes, limit: int) -> int:
    """Where in `data` the first blank line ending in `data[:limit]` ends (the index just past
    it), counting one that began in `tail`, the last bytes read before `data`; -1 if none."""
    if tail:
        at = (tail + data[:3]).find(BLANK_LINE)
        if at >= 0 and at + len(BLANK_LINE) - len(tail) <= limit:
            return at + len(BLANK_LINE) - len(tail)
    at = data.find(BLANK_LINE, 0, limit)
    return -1 if at < 0 else at + len(BLANK_LINE)


def after_last_blank_line(tail: bytes, data: bytes) -> int:
    """How many bytes of `data` follow the last blank line that ends in it (one may have begun
    in `tail`, the bytes read before it); all of them if none ends in it."""
    at = data.rfind(BLANK_LINE)
    if at >= 0:
        return len(data) - at - len(BLANK_LINE)
    at = (tail + data[:3]).rfind(BLANK_LINE)
    if at >= 0:
        return len(data) - (at + len(BLANK_LINE) - len(tail))
    return len(data)


def body_length(headers: Sequence[tuple[bytes, bytes]]) -> int | None:
    """The length of the body a request's (lower-cased) header fields announce: 0 without one,
    None when the parser alone can tell where it ends (chunked)."""
    length = 0
    for name, value in headers:
        if name == b"transfer-encoding":
            return None
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:  # llhttp answers 400 first; never trust it to end anywhere
                return None
    return length


class HeadCappedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head over `max_head_bytes`.

    Only `data_received` changes what it does: it hands uvicorn's own `data_received` one piece
    of the read at a time. While a head is being read, a piece ends at the head's blank line or
    at the bytes it has left under the cap; while a Content-Length body is, at its last byte, so
    the next request is counted from its first byte. A chunked body's end is the parser's to
    find: after one, the next head is counted from the last blank line of the piece (the chunked
    body ended with one), and the piece is at most `max_head_bytes` long, so no head read whole
    in it is over the cap either. (Only when a Content-Length request also came whole in that
    piece, after the chunked one, can that count take in some of its body too: a head may then
    be refused that many bytes early, never late.) Everything else (keep-alive, pipelining, flow
    control, `--limit-concurrency`, upgrades, the 400 on a malformed request) is uvicorn's.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.max_head_bytes: int = config.h11_max_incomplete_event_size or DEFAULT_MAX_HEAD_BYTES
        self._in_head = True  # reading a head, or waiting for the next request
        self._head_bytes = 0  # bytes of that head read so far
        self._begun = False  # that request's first byte has been read
        self._body_left: int | None = 0  # Content-Length bytes still to read; None: chunked
        self._tail = b""  # the last bytes fed to the parser: a blank line can straddle two reads
        self._ended = False  # a request ended in the piece being fed
        self._refused = False
        self._refusal: bytes | None = None  # waiting for the answers before it to go out

    # Parser callbacks: uvicorn's, and where the head and the body begin and end.

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._begun = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._body_left = body_length(self.headers)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        if self._body_left is not None:
            self._body_left -= len(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0
        self._begun = False
        self._ended = True

    # Reading

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a refused head: neither parsed nor kept
        while data:
            if self._in_head:
                left = self.max_head_bytes - self._head_bytes
                end = head_end(self._tail, data, left)
                size = end if end > 0 else left
            elif self._body_left:
                size = self._body_left
            else:
                size = self.max_head_bytes
            if size < len(data):
                piece, data = data[:size], data[size:]
            else:
                piece, data = data, b""
            if not self._feed(piece):
                return
            if self._in_head and self._head_bytes >= self.max_head_bytes:
                self._refuse()
                return

    def _feed(self, piece: bytes) -> bool:
        """Parse one piece (uvicorn's own reading) and count what it added to a head; False when
        the connection reads no more (a 400 went out, or it became a WebSocket)."""
        self._ended = False
        super().data_received(piece)
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return False
        if self._in_head:
            if not self._ended:
                self._head_bytes += len(piece)
            elif self._begun:  # the next request began in the piece the last one ended in
                self._head_bytes = after_last_blank_line(self._tail, piece)
            # else: only blank lines, if anything, followed the end of the last request
        self._tail = (self._tail + piece)[-3:] if len(piece) < 3 else piece[-3:]
        return True

    # Refusing

    def _refuse(self) -> None:
        self._refused = True
        self.flow.pause_reading()
        request_id = uuid.uuid4().hex
        self.logger.warning(
            "Request head over %d bytes refused (request id %s).", self.max_head_bytes, request_id
        )
        self._refusal = self._refusal_bytes(request_id)
        if not self._answering():
            self._send_refusal()
        # else: on_response_complete sends it once the answers before it are out

    def _answering(self) -> bool:
        return bool(self.pipeline) or (self.cycle is not None and not self.cycle.response_complete)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._refusal is not None and not self._answering() and not self.transport.is_closing():
            self._send_refusal()

    def _send_refusal(self) -> None:
        assert self._refusal is not None
        self._unset_keepalive_if_required()
        self.transport.write(self._refusal)
        self._refusal = None
        self.transport.close()

    def _refusal_bytes(self, request_id: str) -> bytes:
        # The fields read whole so far say the language; the path may not be whole: none given.
        headers = self.headers if self._begun else []
        scope = {"type": "http", "path": "", "headers": headers}
        response = plain_problem_response(
            scope,
            "header_fields_too_large",
            request_id,
            f"The request line and header fields are longer than {self.max_head_bytes} bytes.",
            {"connection": "close", "x-request-id": request_id},
            detail_th=f"บรรทัดคำขอและส่วนหัว (header) รวมกันยาวเกิน {self.max_head_bytes} ไบต์",
        )
        lines = [STATUS_LINE[response.status_code]]
        for name, value in [*self.server_state.default_headers, *response.raw_headers]:
            lines += [name, b": ", value, b"\r\n"]
        lines.append(b"\r\n")
        head_request = self._begun and bool(self.url) and self.parser.get_method() == b"HEAD"
        return b"".join(lines) + (b"" if head_request else response.body)
