"""Attachments as files under one directory (the default store).

A key "attachments/6f1c…" lives at ROOT/attachments/ab/cd/6f1c…, where ab/cd are the first
bytes of SHA-256(key): no directory grows past a few hundred entries. A blob is written to a
hidden temporary file in its final directory, fsynced, and renamed into place (rename is
atomic within one file system), so a reader sees the whole blob or none of it. Files are 0600,
directories 0700: only the gateway's user reads attachments.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

from gateway.storage.base import (
    CHUNK_BYTES,
    BlobIntake,
    StoredBlob,
    storage_unavailable,
    validate_key,
)
from kernel.errors import NotFound

_T = TypeVar("_T")

FILE_MODE = 0o600
DIR_MODE = 0o700


class FileSystemStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FileSystemStore({str(self.root)!r})"

    def path_for(self, key: str) -> Path:
        *dirs, leaf = validate_key(key).split("/")
        shard = hashlib.sha256(key.encode()).hexdigest()
        return self.root.joinpath(*dirs, shard[:2], shard[2:4], leaf)

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        path = self.path_for(key)
        intake = BlobIntake(max_bytes)
        # Synchronous (a mkdir and an open): a thread that a cancellation abandoned could
        # otherwise create a temporary file nobody deletes.
        try:
            temp = _TempFile.create(path)
        except OSError as exc:
            raise storage_unavailable("create a file") from exc
        try:
            async for chunk in chunks:
                data = intake.feed(chunk)
                if data:
                    await _io("write a file", temp.write, data)
            data = intake.finish()
            if data:
                await _io("write a file", temp.write, data)
            await _io("write a file", temp.commit)
        except BaseException:
            # Synchronous on purpose: it must run even when the task is being cancelled.
            temp.discard()
            raise
        return intake.blob(key)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_for(key)
        try:
            file = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise NotFound(f"No attachment {key}", code="attachment_not_found") from None
        except OSError as exc:
            raise storage_unavailable("read a file") from exc
        try:
            while chunk := await _io("read a file", file.read, CHUNK_BYTES):
                yield chunk
        finally:
            file.close()

    async def delete(self, key: str) -> None:
        await _io("delete a file", self.path_for(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await _io("look for a file", self.path_for(key).is_file)


async def _io(what: str, func: Callable[..., _T], *args: object, **kwargs: object) -> _T:
    """Blocking file work off the event loop; a failing disk is the store's failure (503)."""
    try:
        return await asyncio.to_thread(func, *args, **kwargs)
    except OSError as exc:
        raise storage_unavailable(what) from exc


class _TempFile:
    """A hidden file next to the final path that becomes the final path on commit.

    The lock makes discard() wait for a write still running in a worker thread (the awaiting
    task may have been cancelled while the thread went on), so the descriptor is never closed
    under a write, and the file is never unlinked before that write lands.
    """

    def __init__(self, path: Path, temp: Path, fd: int) -> None:
        self.path, self.temp, self.fd = path, temp, fd
        self._lock = threading.Lock()
        self._open = True
        self._committed = False

    @classmethod
    def create(cls, path: Path) -> _TempFile:
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        # A leading dot: keys never start with one, so a temp file never shadows a blob.
        temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temp, flags, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # exactly 0600, whatever the umask
        except BaseException:
            os.close(fd)
            temp.unlink(missing_ok=True)
            raise
        return cls(path, temp, fd)

    def write(self, data: bytes) -> None:
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view) :]

    def commit(self) -> None:
        with self._lock:
            os.fsync(self.fd)
            os.close(self.fd)
            self._open = False
            os.replace(self.temp, self.path)
            self._committed = True
        _fsync_directory(self.path.parent)  # the rename itself survives a crash

    def discard(self) -> None:
        with self._lock:
            if self._open:
                os.close(self.fd)
                self._open = False
            self.temp.unlink(missing_ok=True)
            if self._committed:  # put() failed after the rename: it still leaves nothing
                self.path.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
