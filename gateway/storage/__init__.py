"""Attachment storage: a blob store port, its file-system and S3 adapters, streaming uploads.

store = store_from_settings(settings)
upload = await receive_multipart(request, store=store, new_key=..., ...)
async for chunk in store.open(upload.files[0].blob.key): ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.storage.base import BlobIntake, BlobStore, InvalidKey, StoredBlob, validate_key
from gateway.storage.filesystem import FileSystemStore
from gateway.storage.s3 import S3Store
from gateway.storage.sniff import ACCEPTED, EXTENSIONS, sniff
from gateway.storage.uploads import (
    Upload,
    UploadedFile,
    multipart_body_limit,
    receive_multipart,
    safe_filename,
)

if TYPE_CHECKING:
    from gateway.config import Settings

__all__ = [
    "ACCEPTED",
    "EXTENSIONS",
    "BlobIntake",
    "BlobStore",
    "FileSystemStore",
    "InvalidKey",
    "S3Store",
    "StoredBlob",
    "Upload",
    "UploadedFile",
    "multipart_body_limit",
    "receive_multipart",
    "safe_filename",
    "sniff",
    "store_from_settings",
    "validate_key",
]


def store_from_settings(settings: Settings) -> BlobStore:
    """S3 when CITIZEN_GATEWAY_STORAGE_URL is set, else files under STORAGE_DIR."""
    if settings.storage_url:
        return S3Store.from_url(settings.storage_url)
    return FileSystemStore(settings.storage_dir)
