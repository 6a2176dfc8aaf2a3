"""receive_multipart over HTTP: what a client sees, and what is left in the store."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from storage_samples import (
    BOUNDARY,
    ELF,
    JPEG,
    MZ,
    PDF,
    PNG,
    SCRIPT,
    Flood,
    MiB,
    Part,
    content_type,
    files_under,
    multipart,
    part_head,
    read_all,
)

from gateway.storage import FileSystemStore, StoredBlob, multipart_body_limit
from gateway.storage.base import BlobStore

PROBLEM = "application/problem+json"
MakeClient = Callable[..., httpx.AsyncClient]


async def post(client: httpx.AsyncClient, body: Any, **headers: str) -> httpx.Response:
    headers.setdefault("content-type", content_type())
    return await client.post("/upload", content=body, headers=headers)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    return problem


async def test_fields_and_files_are_received(
    fs_store: FileSystemStore, make_client: MakeClient
) -> None:
    body = multipart(
        [
            Part("service", b"dopa-house-registration"),
            Part("note", "ขอคัดสำเนาทะเบียนบ้าน".encode()),
            Part("attachments", PDF, "สำเนาทะเบียนบ้าน.pdf", "application/pdf"),
            Part("attachments", JPEG, "../../etc/passwd", "image/jpeg"),
        ]
    )
    async with make_client(fs_store) as client:
        response = await post(client, body)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["fields"] == {
        "service": "dopa-house-registration",
        "note": "ขอคัดสำเนาทะเบียนบ้าน",
    }
    first, second = result["files"]
    assert first["filename"] == "สำเนาทะเบียนบ้าน.pdf"  # Thai kept
    assert first["media_type"] == "application/pdf"
    assert first["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert first["size"] == len(PDF)
    assert second["filename"] == "passwd"
    assert second["download_name"] == "passwd.jpg"
    assert second["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert await read_all(fs_store, first["key"]) == PDF
    assert await read_all(fs_store, second["key"]) == JPEG


async def test_a_png_named_pdf_is_stored_as_png(
    fs_store: FileSystemStore, make_client: MakeClient
) -> None:
    body = multipart([Part("attachments", PNG, "x.pdf", "application/pdf")])
    async with make_client(fs_store) as client:
        response = await post(client, body)

    assert response.status_code == 200, response.text
    (stored,) = response.json()["files"]
    assert stored["media_type"] == "image/png"
    assert stored["declared_type"] == "application/pdf"
    assert stored["filename"] == "x.pdf"
    assert stored["download_name"] == "x.png"
    assert await read_all(fs_store, stored["key"]) == PNG


@pytest.mark.parametrize("executable", [ELF, MZ, SCRIPT], ids=["elf", "mz", "script"])
async def test_an_executable_named_pdf_is_refused(
    fs_store: FileSystemStore, root: Path, make_client: MakeClient, executable: bytes
) -> None:
    body = multipart(
        [
            Part("attachments", PDF, "ok.pdf", "application/pdf"),  # stored, then removed
            Part("attachments", executable, "invoice.pdf", "application/pdf"),
        ]
    )
    async with make_client(fs_store) as client:
        response = await post(client, body)

    problem = assert_problem(response, 415, "unsupported_media_type")
    assert problem["errors"][0]["pointer"] == "/body/attachments"
    assert problem["errors"][0]["filename"] == "invoice.pdf"
    assert files_under(root) == []


async def test_a_gigabyte_is_cut_off_at_the_cap(
    fs_store: FileSystemStore, root: Path, make_client: MakeClient
) -> None:
    cap = MiB
    flood = Flood(part_head(Part("attachments", b"", "huge.pdf")) + PDF, size=2**30)
    async with make_client(fs_store, max_file_bytes=cap) as client:
        response = await post(client, flood)

    assert_problem(response, 413, "attachment_too_large")
    assert not flood.finished
    assert flood.produced < 2 * cap
    assert files_under(root) == []


async def test_files_over_the_application_cap_are_refused(
    fs_store: FileSystemStore, root: Path, make_client: MakeClient
) -> None:
    each = PNG + bytes(400_000)
    body = multipart([Part("attachments", each, f"scan-{i}.png") for i in range(3)])
    async with make_client(fs_store, max_file_bytes=500_000, max_total_bytes=1_000_000) as client:
        response = await post(client, body)

    assert_problem(response, 413, "application_too_large")
    assert files_under(root) == []


async def test_a_declared_length_over_the_caps_is_refused_before_reading(
    fs_store: FileSystemStore, make_client: MakeClient
) -> None:
    flood = Flood(part_head(Part("attachments", b"", "huge.pdf")) + PDF, size=2**30)
    async with make_client(fs_store) as client:
        response = await post(client, flood, **{"content-length": str(2**30 + 500)})

    assert_problem(response, 413, "application_too_large")
    assert flood.produced == 0


async def test_a_flood_before_the_first_boundary_is_cut_off(
    fs_store: FileSystemStore, root: Path, make_client: MakeClient
) -> None:
    # Before the first boundary the parser skips a chunk that starts with a line break and
    # holds no "-": such a preamble would be read forever if the body were not capped whole.
    flood = Flood(b"", size=2**30, fill=b"\r")
    async with make_client(fs_store, max_total_bytes=MiB) as client:
        response = await post(client, flood)

    assert_problem(response, 413, "application_too_large")
    assert flood.produced < 3 * MiB
    assert files_under(root) == []


async def test_too_many_files(
    fs_store: FileSystemStore, root: Path, make_client: MakeClient
) -> None:
    body = multipart([Part("attachments", PDF, f"{i}.pdf") for i in range(3)])
    async with make_client(fs_store, max_files=2) as client:
        response = await post(client, body)

    assert_problem(response, 413, "too_many_files")
    assert files_under(root) == []


async def test_too_many_fields(fs_store: FileSystemStore, make_client: MakeClient) -> None:
    body = multipart([Part(f"f{i}", b"x") for i in range(5)])
    async with make_client(fs_store, max_fields=4) as client:
        response = await post(client, body)
    assert_problem(response, 413, "too_many_fields")


async def test_an_oversized_field(
    fs_store: FileSystemStore, root: Path, make_client: MakeClient
) -> None:
    body = multipart([Part("attachments", PDF, "a.pdf"), Part("form", b"{" * 2000)])
    async with make_client(fs_store, max_field_bytes=1024) as client:
        response = await post(client, body)

    problem = assert_problem(response, 413, "field_too_large")
    assert problem["errors"][0]["pointer"] == "/body/form"
    assert files_under(root) == []


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({"content-type": "application/json"}, b"{}", 415, "multipart_required"),
        ({"content-type": "application/x-www-form-urlencoded"}, b"a=b", 415, "multipart_required"),
        ({"content-type": "multipart/form-data"}, b"--x--\r\n", 400, "invalid_multipart"),
        ({"content-type": "multipart/form-data; boundary="}, b"----\r\n", 400, "invalid_multipart"),
        (
            {"content-type": "multipart/form-data; boundary=" + "b" * 71},
            b"",
            400,
            "invalid_multipart",
        ),
        ({}, b"not multipart at all", 400, "invalid_multipart"),
        ({}, b"", 400, "invalid_multipart"),
        # The closing boundary never comes.
        ({}, part_head(Part("attachments", b"", "a.pdf")) + PDF, 400, "invalid_multipart"),
        # A part without Content-Disposition.
        (
            {},
            f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            400,
            "invalid_multipart",
        ),
        # Base64 transfer encoding is not decoded, so not accepted (RFC 7578 §4.7).
        (
            {},
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"; filename="a.pdf"\r\n'
                f"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--{BOUNDARY}--\r\n"
            ).encode(),
            400,
            "invalid_multipart",
        ),
        ({}, multipart([Part("a", b"1"), Part("a", b"2")]), 400, "invalid_multipart"),
        ({}, multipart([Part("a", b"\xff\xfe")]), 400, "invalid_multipart"),
    ],
    ids=[
        "json",
        "urlencoded",
        "no-boundary",
        "empty-boundary",
        "long-boundary",
        "garbage",
        "empty-body",
        "truncated",
        "no-disposition",
        "base64",
        "duplicate-field",
        "field-not-utf8",
    ],
)
async def test_malformed_requests(
    fs_store: FileSystemStore,
    root: Path,
    make_client: MakeClient,
    headers: dict[str, str],
    body: bytes,
    status: int,
    code: str,
) -> None:
    async with make_client(fs_store) as client:
        response = await post(client, body, **headers)
    assert_problem(response, status, code)
    assert files_under(root) == []


async def test_an_empty_file_input_is_ignored(
    fs_store: FileSystemStore, make_client: MakeClient
) -> None:
    # What a browser sends for <input type=file> left empty: filename="" and no bytes.
    body = multipart([Part("attachments", b"", "", "application/octet-stream"), Part("a", b"1")])
    async with make_client(fs_store) as client:
        response = await post(client, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"fields": {"a": "1"}, "files": []}


async def test_an_empty_form(fs_store: FileSystemStore, make_client: MakeClient) -> None:
    async with make_client(fs_store) as client:
        response = await post(client, f"--{BOUNDARY}--\r\n".encode())
    assert response.status_code == 200, response.text
    assert response.json() == {"fields": {}, "files": []}


async def test_the_epilogue_is_not_read(fs_store: FileSystemStore, make_client: MakeClient) -> None:
    flood = Flood(multipart([Part("attachments", PDF, "a.pdf")]), size=2**30)
    async with make_client(fs_store) as client:
        response = await post(client, flood)
    assert response.status_code == 200, response.text
    assert flood.produced < MiB


async def test_file_bytes_stream_into_the_store(
    fs_store: FileSystemStore, make_client: MakeClient
) -> None:
    """The store receives a file in request-sized chunks, not as one buffered blob."""
    sizes: list[int] = []

    class Recording:
        async def put(
            self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int
        ) -> StoredBlob:
            async def tap() -> AsyncIterator[bytes]:
                async for chunk in chunks:
                    sizes.append(len(chunk))
                    yield chunk

            return await fs_store.put(key, tap(), max_bytes=max_bytes)

        def open(self, key: str) -> AsyncIterator[bytes]:
            return fs_store.open(key)

        async def delete(self, key: str) -> None:
            await fs_store.delete(key)

        async def exists(self, key: str) -> bool:
            return await fs_store.exists(key)

    store: BlobStore = Recording()
    data = PDF + bytes(800_000)
    body = multipart([Part("attachments", data, "a.pdf")])

    async def in_chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 16_384):
            yield body[i : i + 16_384]

    async with make_client(store) as client:
        response = await post(client, in_chunks())

    assert response.status_code == 200, response.text
    assert sum(sizes) == len(data)
    assert len(sizes) > 40
    assert max(sizes) <= 16_384


async def test_a_request_at_every_cap_is_accepted(
    fs_store: FileSystemStore, make_client: MakeClient
) -> None:
    caps = {
        "max_file_bytes": 100_000,
        "max_total_bytes": 200_000,
        "max_files": 2,
        "max_field_bytes": 1000,
        "max_fields": 2,
    }
    long_name = "ก" * 300 + ".pdf"
    body = multipart(
        [
            Part("attachments", PDF + bytes(100_000 - len(PDF)), long_name, "application/pdf"),
            Part("attachments", PNG + bytes(100_000 - len(PNG)), long_name, "image/png"),
            Part("form", b"x" * 1000),
            Part("note", "ก".encode() * 333),
        ]
    )
    assert len(body) <= multipart_body_limit(
        max_total_bytes=200_000, max_files=2, max_field_bytes=1000, max_fields=2
    )
    async with make_client(fs_store, **caps) as client:
        response = await post(client, body)  # with its Content-Length

    assert response.status_code == 200, response.text
    assert [f["size"] for f in response.json()["files"]] == [100_000, 100_000]
