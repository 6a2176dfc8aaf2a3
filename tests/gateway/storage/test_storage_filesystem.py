"""FileSystemStore: blobs appear whole or not at all, and a failed put leaves nothing behind."""

from __future__ import annotations

import asyncio
import hashlib
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storage_samples import (
    ELF,
    JPEG,
    MZ,
    PDF,
    PNG,
    SCRIPT,
    chunked,
    files_under,
    random_bytes,
    read_all,
)

from gateway.storage import FileSystemStore, InvalidKey, validate_key
from kernel.errors import NotFound, PayloadTooLarge, UnsupportedMediaType


async def test_put_open_delete_round_trip(fs_store: FileSystemStore, root: Path) -> None:
    data = PDF + random_bytes(200_000)
    blob = await fs_store.put("attachments/a1", chunked(data, 7_000), max_bytes=len(data))

    assert blob.key == "attachments/a1"
    assert blob.size == len(data)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.media_type == "application/pdf"
    assert await fs_store.exists("attachments/a1")
    assert await read_all(fs_store, "attachments/a1") == data

    await fs_store.delete("attachments/a1")
    assert not await fs_store.exists("attachments/a1")
    assert files_under(root) == []
    await fs_store.delete("attachments/a1")  # idempotent


async def test_files_are_private_and_sharded(fs_store: FileSystemStore, root: Path) -> None:
    await fs_store.put("attachments/b2", chunked(PNG), max_bytes=1024)
    path = fs_store.path_for("attachments/b2")
    digest = hashlib.sha256(b"attachments/b2").hexdigest()

    assert path == root / "attachments" / digest[:2] / digest[2:4] / "b2"
    assert files_under(root) == [path]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_the_type_comes_from_the_content(fs_store: FileSystemStore) -> None:
    for key, data, expected in [
        ("k/png", PNG, "image/png"),
        ("k/jpeg", JPEG, "image/jpeg"),
        ("k/short-pdf", b"%PDF-", "application/pdf"),
    ]:
        blob = await fs_store.put(key, chunked(data, 1), max_bytes=1024)  # byte by byte
        assert blob.media_type == expected
        assert await read_all(fs_store, key) == data


@pytest.mark.parametrize("data", [ELF, MZ, SCRIPT, b"", b"\x89PNG"], ids=repr)
async def test_anything_else_is_refused_and_not_kept(
    fs_store: FileSystemStore, root: Path, data: bytes
) -> None:
    with pytest.raises(UnsupportedMediaType):
        await fs_store.put("attachments/bad", chunked(data + bytes(100_000)), max_bytes=10**6)
    assert files_under(root) == []
    assert not await fs_store.exists("attachments/bad")


async def test_the_cap_stops_reading_and_deletes_the_partial_file(
    fs_store: FileSystemStore, root: Path
) -> None:
    produced = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal produced
        yield PNG
        while True:
            produced += 4096
            yield bytes(4096)

    with pytest.raises(PayloadTooLarge) as caught:
        await fs_store.put("attachments/big", endless(), max_bytes=100_000)

    assert caught.value.code == "attachment_too_large"
    assert produced < 100_000 + 2 * 4096
    assert files_under(root) == []


async def test_exactly_the_cap_is_accepted(fs_store: FileSystemStore) -> None:
    data = PDF + bytes(1000 - len(PDF))
    blob = await fs_store.put("attachments/edge", chunked(data, 300), max_bytes=1000)
    assert blob.size == 1000
    with pytest.raises(PayloadTooLarge):
        await fs_store.put("attachments/edge2", chunked(data + b"x", 300), max_bytes=1000)


async def test_a_failing_source_leaves_nothing(fs_store: FileSystemStore, root: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield PDF + bytes(50_000)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await fs_store.put("attachments/c3", broken(), max_bytes=10**6)
    assert files_under(root) == []


async def test_a_cancelled_put_leaves_nothing(fs_store: FileSystemStore, root: Path) -> None:
    started = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        yield PDF + bytes(50_000)
        started.set()
        await asyncio.Event().wait()  # never comes
        yield b""

    task = asyncio.create_task(fs_store.put("attachments/d4", stalls(), max_bytes=10**6))
    await started.wait()
    assert len(files_under(root)) == 1  # the temporary file, being written
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert files_under(root) == []


async def test_readers_never_see_half_a_blob(fs_store: FileSystemStore) -> None:
    old = PDF + b"old" * 10_000
    new = PNG + b"new" * 10_000
    await fs_store.put("attachments/e5", chunked(old), max_bytes=10**6)
    seen_during_write: list[bytes] = []

    async def slowly() -> AsyncIterator[bytes]:
        async for chunk in chunked(new, 5_000):
            yield chunk
            seen_during_write.append(await read_all(fs_store, "attachments/e5"))

    await fs_store.put("attachments/e5", slowly(), max_bytes=10**6)

    assert seen_during_write
    assert all(seen == old for seen in seen_during_write)
    assert await read_all(fs_store, "attachments/e5") == new


async def test_a_new_key_is_absent_until_complete(fs_store: FileSystemStore) -> None:
    during: list[bool] = []

    async def watched() -> AsyncIterator[bytes]:
        async for chunk in chunked(JPEG + bytes(20_000), 4_000):
            yield chunk
            during.append(await fs_store.exists("attachments/f6"))

    await fs_store.put("attachments/f6", watched(), max_bytes=10**6)
    assert during
    assert not any(during)
    assert await fs_store.exists("attachments/f6")


async def test_opening_a_missing_blob(fs_store: FileSystemStore) -> None:
    with pytest.raises(NotFound):
        await read_all(fs_store, "attachments/nothing")


@pytest.mark.parametrize(
    "key",
    ["", "../x", "a/../b", "/etc/passwd", "a//b", "a/", ".hidden", "a/.b", "a\\b", "a b", "ก"],
)
async def test_bad_keys_are_refused(fs_store: FileSystemStore, root: Path, key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)
    with pytest.raises(InvalidKey):
        await fs_store.put(key, chunked(PDF), max_bytes=1024)
    with pytest.raises(InvalidKey):
        await fs_store.delete(key)
    assert files_under(root) == []
