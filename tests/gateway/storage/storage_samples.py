"""Sample blobs, a multipart body builder and a tiny upload app for the storage tests."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

from gateway.errors import install_error_handlers
from gateway.storage import BlobStore, receive_multipart

MiB = 1_048_576

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(64)
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run"
SCRIPT = b"#!/bin/sh\necho owned > /tmp/owned\n"

BOUNDARY = "----citizen-gateway-test-boundary"


def files_under(root: Path) -> list[Path]:
    """Every file below root, temporary ones included; directories do not count."""
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if not p.is_dir())


@dataclass(frozen=True)
class Part:
    name: str
    content: bytes
    filename: str | None = None
    content_type: str | None = None


def part_head(part: Part, boundary: str = BOUNDARY) -> bytes:
    disposition = f'form-data; name="{part.name}"'
    if part.filename is not None:
        disposition += f'; filename="{part.filename}"'
    lines = [f"--{boundary}", f"Content-Disposition: {disposition}"]
    if part.content_type:
        lines.append(f"Content-Type: {part.content_type}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def multipart(parts: Iterable[Part], boundary: str = BOUNDARY) -> bytes:
    body = b"".join(part_head(p, boundary) + p.content + b"\r\n" for p in parts)
    return body + f"--{boundary}--\r\n".encode()


def content_type(boundary: str = BOUNDARY) -> str:
    return f"multipart/form-data; boundary={boundary}"


class Flood:
    """A lazily generated request body: `head`, then `size` filler bytes, then `tail`.

    `produced` counts the bytes handed out, so a test can tell how far the server read.
    """

    def __init__(
        self, head: bytes, size: int, tail: bytes = b"", chunk: int = 64 * 1024, fill: bytes = b"\0"
    ) -> None:
        self.head, self.size, self.tail, self.chunk, self.fill = head, size, tail, chunk, fill
        self.produced = 0
        self.finished = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.produced += len(self.head)
        yield self.head
        block = self.fill * self.chunk
        left = self.size
        while left > 0:
            piece = block[: min(left, self.chunk)]
            left -= len(piece)
            self.produced += len(piece)
            yield piece
        self.produced += len(self.tail)
        yield self.tail
        self.finished = True


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


async def read_all(store: BlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(key)])


async def chunked(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def upload_app(
    store: BlobStore,
    *,
    max_file_bytes: int = MiB,
    max_total_bytes: int = 3 * MiB,
    max_files: int = 5,
    max_field_bytes: int = 1024,
    max_fields: int = 4,
) -> FastAPI:
    """The smallest app that receives attachments the way an endpoint of the gateway would."""
    app = FastAPI()
    install_error_handlers(app)
    counter = itertools.count(1)

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, Any]:
        received = await receive_multipart(
            request,
            store=store,
            new_key=lambda: f"attachments/test-{next(counter):04d}",
            max_file_bytes=max_file_bytes,
            max_total_bytes=max_total_bytes,
            max_files=max_files,
            max_field_bytes=max_field_bytes,
            max_fields=max_fields,
        )
        return {
            "fields": received.fields,
            "files": [
                {
                    "field": f.field,
                    "filename": f.filename,
                    "download_name": f.download_name,
                    "declared_type": f.declared_type,
                    "key": f.blob.key,
                    "size": f.blob.size,
                    "sha256": f.blob.sha256,
                    "media_type": f.blob.media_type,
                }
                for f in received.files
            ],
        }

    return app
