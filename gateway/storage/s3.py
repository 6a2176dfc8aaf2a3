"""Attachments in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, moto in tests).

boto3 is synchronous, so every call runs in a worker thread. A blob smaller than one part is
sent with a single PutObject from memory; a larger one streams as a multipart upload, one part
(PART_BYTES, at least the 5 MiB S3 minimum) buffered at a time. S3 makes an object visible only
when PutObject or CompleteMultipartUpload succeeds, so readers never see half a blob; on any
failure the multipart upload is aborted, so no parts linger (and are billed) either.

Credentials come from boto3's usual chain: the standard AWS_* environment variables first.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any, Final, TypeVar
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from gateway.storage.base import (
    CHUNK_BYTES,
    BlobIntake,
    StoredBlob,
    storage_unavailable,
    validate_key,
)
from kernel.errors import NotFound

_T = TypeVar("_T")

MIN_PART_BYTES: Final = 5 * 1_048_576  # S3: every part but the last has at least 5 MiB
PART_BYTES: Final = 8 * 1_048_576

log = logging.getLogger("gateway.storage.s3")

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class S3Store:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
        *,
        part_bytes: int = PART_BYTES,
    ) -> None:
        if not bucket:
            raise ValueError("S3Store needs a bucket")
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"S3 parts have at least {MIN_PART_BYTES} bytes")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if self.prefix:
            validate_key(self.prefix)
        self.part_bytes = part_bytes
        self.client: Any = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            # Path-style addressing: what S3-compatible servers on a plain host:port expect.
            config=Config(s3={"addressing_style": "path"}) if endpoint_url else None,
        )

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        """s3://bucket/prefix?endpoint_url=http://127.0.0.1:9000&region=us-east-1"""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"an S3 storage URL looks like s3://bucket/prefix, not {url!r}")
        query = parse_qs(parts.query, strict_parsing=bool(parts.query))
        unknown = set(query) - {"endpoint_url", "region"}
        if unknown:
            raise ValueError(f"unknown S3 storage URL parameters: {', '.join(sorted(unknown))}")
        endpoint = query.get("endpoint_url", [None])[-1]
        region = query.get("region", [None])[-1]
        return cls(parts.netloc, parts.path, endpoint_url=endpoint, region=region)

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def object_key(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        upload = _Upload(self.client, self.bucket, self.object_key(key))
        intake = BlobIntake(max_bytes)
        buffer = bytearray()
        try:
            async for chunk in chunks:
                buffer += intake.feed(chunk)
                if len(buffer) >= self.part_bytes:
                    assert intake.media_type is not None  # sniffed long before 5 MiB
                    if upload.upload_id is None:
                        await _call("start an upload", upload.start, intake.media_type)
                    part, buffer = bytes(buffer), bytearray()
                    await _call("upload a part", upload.send_part, part)
            buffer += intake.finish()
            assert intake.media_type is not None
            if upload.upload_id is None:
                await _call("store an object", upload.put_whole, bytes(buffer), intake.media_type)
            else:
                if buffer:
                    await _call("upload a part", upload.send_part, bytes(buffer))
                await _call("complete an upload", upload.complete)
        except BaseException:
            # Shielded: a second cancellation must not stop the clean-up from being scheduled.
            await asyncio.shield(asyncio.to_thread(upload.clean_up))
            raise
        return intake.blob(key)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        object_key = self.object_key(key)
        try:
            response = await asyncio.to_thread(
                self.client.get_object, Bucket=self.bucket, Key=object_key
            )
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND_CODES:
                raise NotFound(f"No attachment {key}", code="attachment_not_found") from None
            raise storage_unavailable("read an object") from exc
        except BotoCoreError as exc:
            raise storage_unavailable("read an object") from exc
        body = response["Body"]
        try:
            while chunk := await _call("read an object", body.read, CHUNK_BYTES):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        # DeleteObject succeeds for a missing key: idempotent as the port requires.
        await _call(
            "delete an object",
            self.client.delete_object,
            Bucket=self.bucket,
            Key=self.object_key(key),
        )

    async def exists(self, key: str) -> bool:
        try:
            await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=self.object_key(key)
            )
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND_CODES:
                return False
            raise storage_unavailable("look for an object") from exc
        except BotoCoreError as exc:
            raise storage_unavailable("look for an object") from exc
        return True


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


async def _call(what: str, func: Callable[..., _T], *args: object, **kwargs: object) -> _T:
    try:
        return await asyncio.to_thread(func, *args, **kwargs)
    except (BotoCoreError, ClientError) as exc:
        raise storage_unavailable(what) from exc


class _Upload:
    """The S3 calls of one put(), serialised by a lock.

    A cancelled task abandons its worker thread, which may still be sending a part or
    completing the upload. clean_up() takes the lock, so it runs after that call has landed,
    and then removes whatever it left: the multipart upload and, if the object had already
    appeared, the object.
    """

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._finishing = False

    def start(self, media_type: str) -> None:
        with self._lock:
            response = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=media_type
            )
            self.upload_id = str(response["UploadId"])

    def send_part(self, data: bytes) -> None:
        with self._lock:
            number = len(self._parts) + 1
            response = self.client.upload_part(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=data,
            )
            self._parts.append({"ETag": response["ETag"], "PartNumber": number})

    def complete(self) -> None:
        with self._lock:
            self._finishing = True
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self._parts},
            )

    def put_whole(self, data: bytes, media_type: str) -> None:
        with self._lock:
            self._finishing = True
            self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=data, ContentType=media_type
            )

    def clean_up(self) -> None:
        with self._lock:
            try:
                if self.upload_id is not None:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
                    )
            except (BotoCoreError, ClientError) as exc:
                if not (isinstance(exc, ClientError) and _error_code(exc) == "NoSuchUpload"):
                    log.warning("could not abort the multipart upload of %s: %s", self.key, exc)
            if self._finishing:  # the failure may have come after the object appeared
                try:
                    self.client.delete_object(Bucket=self.bucket, Key=self.key)
                except (BotoCoreError, ClientError) as exc:
                    log.warning("could not delete the failed upload %s: %s", self.key, exc)
