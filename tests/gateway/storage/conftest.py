"""Fixtures for the storage tests; the helpers they use live in storage_samples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from storage_samples import upload_app

from gateway.storage import BlobStore, FileSystemStore


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def fs_store(root: Path) -> FileSystemStore:
    return FileSystemStore(root)


@pytest.fixture
def make_client() -> Callable[..., httpx.AsyncClient]:
    def make(store: BlobStore, **caps: int) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=upload_app(store, **caps))
        return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")

    return make
