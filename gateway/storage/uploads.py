"""multipart/form-data uploads streamed from the request straight into a blob store.

The body is parsed incrementally: each chunk read from the request goes through
python-multipart's streaming parser, and a file part's bytes are handed to `store.put` as they
arrive. Nothing is buffered beyond one request chunk (and one S3 part in the S3 store), and
nothing is spooled to a temporary file. Reading is pulled by the store: when it stops (a cap,
a refused type), the request body is not read any further.

Limits, each refused with a problem the client can switch on:

    not multipart/form-data                 415 multipart_required
    no or bad boundary, malformed body      400 invalid_multipart
    a file over max_file_bytes              413 attachment_too_large
    files over max_total_bytes together     413 application_too_large
    more than max_files / max_fields parts  413 too_many_files / too_many_fields
    a field over max_field_bytes            413 field_too_large
    a file that is not PDF, JPEG or PNG     415 unsupported_media_type

When anything fails, every blob this request already stored is deleted before the error is
raised. On success the caller owns the blobs (see Upload.discard).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import re
import unicodedata
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Final

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from gateway.storage.base import BlobStore, StoredBlob
from gateway.storage.sniff import EXTENSIONS, JPEG
from kernel.errors import (
    BadRequest,
    DomainError,
    FieldError,
    PayloadTooLarge,
    UnsupportedMediaType,
)

MAX_FILENAME_CHARS: Final = 120
FALLBACK_FILENAME: Final = "attachment"

# Per part: at most this many header lines of at most this many bytes (the part headers
# a browser sends are Content-Disposition and Content-Type, well under 1 KiB).
MAX_PART_HEADERS: Final = 8
MAX_PART_HEADER_BYTES: Final = 2048

# RFC 2046 §5.1.1: 1 to 70 characters from bchars, not ending with a space.
MAX_BOUNDARY_CHARS: Final = 70
_BOUNDARY = re.compile(rb"[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]")
_PLAIN_TRANSFER_ENCODINGS = frozenset({"7bit", "8bit", "binary"})
_UNSAFE_FILENAME_CHARS = frozenset('<>:"|?*')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_EXTENSION_LIKE = re.compile(r"[A-Za-z0-9]{1,5}")


# -- file names ------------------------------------------------------------------------------


def safe_filename(name: str) -> str:
    """A display name that is safe to store, show and offer for download.

    Keeps only the last path component; drops control and format characters (including the
    bidirectional overrides that disguise "gpj.exe" as "exe.jpg"); replaces characters that
    file systems refuse; NFC; at most 120 characters, keeping the extension; never empty,
    never starting with a dot. Thai (letters, vowel and tone marks) passes unchanged.
    """
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if char.isspace():  # tabs and line breaks too: they separate words
            kept.append(" ")
        elif category[0] == "C":
            continue
        elif char in _UNSAFE_FILENAME_CHARS:
            kept.append("_")
        else:
            kept.append(char)
    # Removing a character can bring a base and a combining mark together: normalise again.
    name = unicodedata.normalize("NFC", " ".join("".join(kept).split()))
    name = name.strip(" .")
    if name.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    name = _truncate(name, MAX_FILENAME_CHARS).rstrip(" .")
    return name or FALLBACK_FILENAME


def _truncate(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not (dot and stem and _EXTENSION_LIKE.fullmatch(extension)):
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    cut = limit - len(suffix)
    # Never leave a base letter without its marks (a Thai consonant without its vowel).
    while cut > 0 and unicodedata.category(stem[cut])[0] == "M":
        cut -= 1
    stem = stem[:cut].rstrip(" .")
    return stem + suffix if stem else name[:limit]


def filename_for(filename: str, media_type: str) -> str:
    """`filename` with the extension that matches the content: x.pdf holding a PNG is x.png."""
    extension = EXTENSIONS[media_type]
    stem, dot, current = filename.rpartition(".")
    current = f".{current.lower()}"
    if dot and stem and (current == extension or (media_type == JPEG and current == ".jpeg")):
        return filename
    if dot and stem and _EXTENSION_LIKE.fullmatch(current[1:]):
        filename = stem
    return safe_filename(filename + extension)


# -- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    field: str  # the form field it came in
    filename: str  # the client's name, through safe_filename()
    declared_type: str | None  # the part's Content-Type: informative only, never trusted
    blob: StoredBlob  # key, size, sha256 and the media type decided from the content

    @property
    def download_name(self) -> str:
        return filename_for(self.filename, self.blob.media_type)


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.blob.size for f in self.files)

    async def discard(self, store: BlobStore) -> None:
        """Delete the stored blobs, e.g. when the transaction that records them fails."""
        for uploaded in self.files:
            await store.delete(uploaded.blob.key)


# -- receiving -------------------------------------------------------------------------------


async def receive_multipart(
    request: Request,
    *,
    store: BlobStore,
    new_key: Callable[[], str],
    max_file_bytes: int,
    max_total_bytes: int,
    max_files: int,
    max_field_bytes: int = 64 * 1024,
    max_fields: int = 20,
) -> Upload:
    """Parse a multipart/form-data request, storing each file part as it streams in."""
    boundary = _boundary(request.headers.get("content-type"))
    # No more is ever read (this also bounds a preamble, which the parser skips; the epilogue
    # after the closing boundary is not read at all).
    body_limit = multipart_body_limit(
        max_total_bytes=max_total_bytes,
        max_files=max_files,
        max_field_bytes=max_field_bytes,
        max_fields=max_fields,
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > body_limit:
        raise _application_too_large(max_total_bytes)

    upload = Upload()
    keys: list[str] = []
    stream = request.stream()
    try:
        body = _Body(stream, boundary, body_limit, max_total_bytes)
        reader = _PartReader(
            body,
            upload,
            keys,
            store=store,
            new_key=new_key,
            max_file_bytes=max_file_bytes,
            max_files=max_files,
            max_field_bytes=max_field_bytes,
            max_fields=max_fields,
        )
        await reader.read_all()
    except BaseException:
        # Shielded: the clean-up finishes even when the request task is being cancelled.
        await asyncio.shield(_delete_all(store, keys))
        raise
    finally:
        await stream.aclose()
    return upload


def multipart_body_limit(
    *, max_total_bytes: int, max_files: int, max_field_bytes: int = 64 * 1024, max_fields: int = 20
) -> int:
    """The largest body a well-formed request within these caps can have.

    receive_multipart reads no further; give the upload route at least this much in the
    gateway's body-size middleware, so the finer caps here are the ones clients meet.
    """
    boundary_line = 2 + MAX_BOUNDARY_CHARS + 4  # "--" boundary "--" CRLF
    per_part = boundary_line + MAX_PART_HEADERS * (MAX_PART_HEADER_BYTES + 2) + 2 + 2
    return max_total_bytes + max_fields * max_field_bytes + (max_files + max_fields + 1) * per_part


async def _delete_all(store: BlobStore, keys: list[str]) -> None:
    for key in keys:
        # Delete what we can: the error that brought us here is the one to report.
        with contextlib.suppress(Exception):
            await store.delete(key)


def _boundary(content_type: str | None) -> bytes:
    kind, params = parse_options_header(content_type or "")
    if kind != b"multipart/form-data":
        raise UnsupportedMediaType(
            "Attachments are sent as multipart/form-data", code="multipart_required"
        )
    boundary = params.get(b"boundary", b"")
    if not _BOUNDARY.fullmatch(boundary):
        raise _invalid("The Content-Type needs a boundary of 1 to 70 characters (RFC 2046)")
    return boundary


def _invalid(detail: str) -> BadRequest:
    return BadRequest(detail, code="invalid_multipart")


def _application_too_large(max_total_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"An application's attachments may have at most {max_total_bytes} bytes together",
        code="application_too_large",
        extra={"max_bytes": max_total_bytes},
    )


def _pointer(name: str) -> str:
    return "/body/" + name.replace("~", "~0").replace("/", "~1")


class _Event(enum.Enum):
    PART_BEGIN = enum.auto()
    HEADER_FIELD = enum.auto()
    HEADER_VALUE = enum.auto()
    HEADER_END = enum.auto()
    HEADERS_FINISHED = enum.auto()
    PART_DATA = enum.auto()
    PART_END = enum.auto()
    END = enum.auto()


class _Body:
    """The request body as parser events, read from the request only when they are needed.

    The parser's callbacks queue the events of one request chunk; the next chunk is read when
    the queue is empty. So a reader that stops asking stops the reading.
    """

    def __init__(
        self, chunks: AsyncIterator[bytes], boundary: bytes, limit: int, max_total_bytes: int
    ) -> None:
        self._chunks = chunks
        self._limit = limit
        self._max_total_bytes = max_total_bytes
        self.read_bytes = 0
        self.file_bytes = 0
        self._events: deque[tuple[_Event, bytes]] = deque()
        self._ended = False
        self.part_finished = False

        def event(kind: _Event) -> Callable[[], None]:
            return lambda: self._events.append((kind, b""))

        def data(kind: _Event) -> Callable[[bytes, int, int], None]:
            return lambda buffer, start, end: self._events.append((kind, buffer[start:end]))

        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": event(_Event.PART_BEGIN),
                "on_header_field": data(_Event.HEADER_FIELD),
                "on_header_value": data(_Event.HEADER_VALUE),
                "on_header_end": event(_Event.HEADER_END),
                "on_headers_finished": event(_Event.HEADERS_FINISHED),
                "on_part_data": data(_Event.PART_DATA),
                "on_part_end": event(_Event.PART_END),
                "on_end": event(_Event.END),
            },
            max_header_count=MAX_PART_HEADERS,
            max_header_size=MAX_PART_HEADER_BYTES,
        )

    async def next(self) -> tuple[_Event, bytes]:
        while not self._events:
            if self._ended:  # the epilogue is never read
                raise RuntimeError("read past the closing boundary")
            chunk = await anext(self._chunks, None)
            if chunk is None:
                raise _invalid("The body ends before the closing boundary")
            self.read_bytes += len(chunk)
            if self.read_bytes > self._limit:
                raise _application_too_large(self._max_total_bytes)
            try:
                self._parser.write(chunk)
            except FormParserError as exc:
                raise _invalid(f"The multipart body is malformed: {exc}") from None
        kind, payload = self._events.popleft()
        if kind is _Event.END:
            self._ended = True
        return kind, payload

    async def headers(self) -> dict[str, str]:
        """The headers of the part that just began, names in lower case."""
        headers: dict[str, str] = {}
        name, value = b"", b""
        while True:
            kind, payload = await self.next()
            if kind is _Event.HEADER_FIELD:
                name += payload
            elif kind is _Event.HEADER_VALUE:
                value += payload
            elif kind is _Event.HEADER_END:
                # Header bytes as ISO-8859-1, as HTTP has it; parse_options_header gives the
                # original bytes back, and a filename is then decoded as UTF-8.
                key = name.decode("latin-1").strip().lower()
                if key in headers:
                    raise _invalid(f"A part repeats the {key} header")
                headers[key] = value.decode("latin-1").strip()
                name, value = b"", b""
            elif kind is _Event.HEADERS_FINISHED:
                return headers
            else:  # the parser emits nothing else between a part's start and its data
                raise _invalid("The multipart body is malformed")

    async def part_data(self, *, counts_as_file: bool = False) -> AsyncGenerator[bytes, None]:
        """The current part's bytes, up to its end."""
        self.part_finished = False
        while True:
            kind, payload = await self.next()
            if kind is _Event.PART_END:
                self.part_finished = True
                return
            if kind is not _Event.PART_DATA:
                raise _invalid("The multipart body is malformed")
            if counts_as_file:
                self.file_bytes += len(payload)
                if self.file_bytes > self._max_total_bytes:
                    raise _application_too_large(self._max_total_bytes)
            yield payload


@dataclass(frozen=True)
class _Part:
    name: str
    filename: str | None  # None: a field; "": a file input with no file chosen
    declared_type: str | None


def _describe(headers: dict[str, str]) -> _Part:
    disposition = headers.get("content-disposition")
    if disposition is None:
        raise _invalid("Every part needs a Content-Disposition header")
    kind, params = parse_options_header(disposition)
    raw_name = params.get(b"name")
    if kind != b"form-data" or not raw_name:
        raise _invalid("Every part is Content-Disposition: form-data with a name (RFC 7578)")
    try:
        name = raw_name.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("A part's name is not UTF-8") from None
    raw_filename = params.get(b"filename")
    filename = None if raw_filename is None else raw_filename.decode("utf-8", "replace")
    encoding = headers.get("content-transfer-encoding", "binary").lower()
    if encoding not in _PLAIN_TRANSFER_ENCODINGS:  # RFC 7578 §4.7: senders do not encode
        raise _invalid(f"Content-Transfer-Encoding {encoding} is not accepted")
    declared_type = None
    if "content-type" in headers:
        declared = parse_options_header(headers["content-type"])[0].decode("latin-1")
        declared_type = declared or None
    return _Part(name, filename, declared_type)


class _PartReader:
    def __init__(
        self,
        body: _Body,
        upload: Upload,
        keys: list[str],
        *,
        store: BlobStore,
        new_key: Callable[[], str],
        max_file_bytes: int,
        max_files: int,
        max_field_bytes: int,
        max_fields: int,
    ) -> None:
        self.body, self.upload, self.keys = body, upload, keys
        self.store, self.new_key = store, new_key
        self.max_file_bytes, self.max_files = max_file_bytes, max_files
        self.max_field_bytes, self.max_fields = max_field_bytes, max_fields
        self.field_parts = 0

    async def read_all(self) -> None:
        while True:
            kind, _ = await self.body.next()
            if kind is _Event.END:
                return
            if kind is not _Event.PART_BEGIN:
                raise _invalid("The multipart body is malformed")
            part = _describe(await self.body.headers())
            if part.filename:
                await self._file(part, part.filename)
            else:
                await self._field(part)

    async def _file(self, part: _Part, filename: str) -> None:
        if len(self.upload.files) >= self.max_files:
            raise PayloadTooLarge(
                f"An application may have at most {self.max_files} attachments",
                code="too_many_files",
                extra={"max_files": self.max_files},
            )
        key = self.new_key()
        self.keys.append(key)  # before put(): whatever happens, this key is cleaned up
        chunks = self.body.part_data(counts_as_file=True)
        try:
            async with contextlib.aclosing(chunks):
                blob = await self.store.put(key, chunks, max_bytes=self.max_file_bytes)
        except DomainError as exc:
            if not exc.errors:  # say which file: the client may have sent several
                exc.errors.append(
                    FieldError(
                        _pointer(part.name),
                        exc.code,
                        exc.detail,
                        {"filename": safe_filename(filename)},
                    )
                )
            raise
        # A store must read a blob to its end; one that stopped early would leave this part's
        # remaining bytes to be parsed as the next part.
        if not self.body.part_finished:
            raise RuntimeError(f"{self.store!r} returned before the end of the part")
        self.upload.files.append(
            UploadedFile(part.name, safe_filename(filename), part.declared_type, blob)
        )

    async def _field(self, part: _Part) -> None:
        self.field_parts += 1
        if self.field_parts > self.max_fields:
            raise PayloadTooLarge(
                f"A request may have at most {self.max_fields} fields",
                code="too_many_fields",
                extra={"max_fields": self.max_fields},
            )
        value = bytearray()
        async with contextlib.aclosing(self.body.part_data()) as chunks:
            async for chunk in chunks:
                value += chunk
                if len(value) > self.max_field_bytes:
                    raise PayloadTooLarge(
                        f"A field may have at most {self.max_field_bytes} bytes",
                        code="field_too_large",
                        errors=[FieldError(_pointer(part.name), "field_too_large", "Too long")],
                        extra={"max_bytes": self.max_field_bytes},
                    )
        if part.filename is not None:
            return  # filename="": a file input left empty; there is nothing to keep
        if part.name in self.upload.fields:
            raise _invalid(f"The field {part.name} appears more than once")
        try:
            self.upload.fields[part.name] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(
                f"The field {part.name} is not UTF-8",
                code="invalid_multipart",
                errors=[FieldError(_pointer(part.name), "invalid_encoding", "Not UTF-8")],
            ) from None
