"""The blob store port: what every attachment store does, and the checks they share.

A store keeps opaque blobs under keys that the caller generates (e.g. "attachments/<uuid>").
`put` decides the media type from the content, hashes while streaming, enforces a size cap as
the bytes arrive, and leaves nothing behind when anything fails. A reader never sees half a
blob: the blob appears under its key complete, or not at all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Final, Protocol

from gateway.storage.sniff import ACCEPTED, HEAD_BYTES, sniff
from kernel.errors import PayloadTooLarge, ServiceUnavailable, UnsupportedMediaType

CHUNK_BYTES: Final = 64 * 1024  # what open() yields at a time
MAX_KEY_CHARS: Final = 512

# One path segment: letters, digits, '.', '_', '-', not starting with a dot (so no "." or
# "..", and no collision with a store's own hidden temporary files).
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str  # hex
    media_type: str  # one of sniff.ACCEPTED, decided from the content


class InvalidKey(ValueError):
    """A key the caller built wrongly: a programming error, never the citizen's."""


class BlobStore(Protocol):
    async def put(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        """Store the blob, or raise and leave nothing behind.

        Raises PayloadTooLarge (code "attachment_too_large") as soon as more than `max_bytes`
        arrived, without reading further; UnsupportedMediaType when the content is not PDF,
        JPEG or PNG; whatever `chunks` raises; ServiceUnavailable ("storage_unavailable") when
        the store itself fails. A blob already under `key` is replaced atomically.
        """
        ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks: `async for chunk in store.open(key)`.

        Raises NotFound (on the first iteration) when there is no blob under `key`.
        """
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; nothing happens when there is none."""
        ...

    async def exists(self, key: str) -> bool: ...


def validate_key(key: str) -> str:
    """The key itself, when it is a relative path of safe segments; InvalidKey otherwise."""
    if not key or len(key) > MAX_KEY_CHARS:
        raise InvalidKey(f"a key has 1 to {MAX_KEY_CHARS} characters: {key[:40]!r}")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidKey(
            f"a key is '/'-separated segments of [A-Za-z0-9._-], none empty or starting "
            f"with a dot: {key!r}"
        )
    return key


def storage_unavailable(what: str) -> ServiceUnavailable:
    return ServiceUnavailable(f"The attachment store failed to {what}", code="storage_unavailable")


class BlobIntake:
    """The checks of `put`, for any store: size cap, content sniffing, SHA-256.

    `feed` each arriving chunk and write out what it returns; `finish` at the end of the
    stream and write out what it returns. The first HEAD_BYTES are held back until the media
    type is known, so a store refuses an executable before it writes a single byte of it.
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = max_bytes
        self.size = 0
        self.media_type: str | None = None
        self._hash = hashlib.sha256()
        self._head = b""

    def feed(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise PayloadTooLarge(
                f"An attachment may have at most {self.max_bytes} bytes",
                code="attachment_too_large",
                extra={"max_bytes": self.max_bytes},
            )
        self._hash.update(chunk)
        if self.media_type is not None:
            return chunk
        self._head += chunk
        if len(self._head) < HEAD_BYTES:
            return b""
        return self._decide()

    def finish(self) -> bytes:
        """What is still held back; refuses the blob when its type is still undecided."""
        return self._decide() if self.media_type is None else b""

    def blob(self, key: str) -> StoredBlob:
        assert self.media_type is not None, "finish() decides the media type"
        return StoredBlob(key, self.size, self._hash.hexdigest(), self.media_type)

    def _decide(self) -> bytes:
        self.media_type = sniff(self._head)
        if self.media_type is None:
            raise UnsupportedMediaType(
                "An attachment must be a PDF, JPEG or PNG file (judged by its content)",
                extra={"accepted": sorted(ACCEPTED)},
            )
        head, self._head = self._head, b""
        return head
