"""S3Store against a local S3 emulator (moto's server, over real HTTP on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from storage_samples import (
    ELF,
    JPEG,
    PDF,
    PNG,
    Flood,
    MiB,
    Part,
    chunked,
    content_type,
    multipart,
    part_head,
    read_all,
)

from gateway.config import Settings
from gateway.storage import FileSystemStore, S3Store, store_from_settings
from kernel.errors import NotFound, PayloadTooLarge, UnsupportedMediaType

BUCKET = "attachments-test"
PART = 5 * MiB  # the S3 minimum, so multipart uploads happen with small test data


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        pytest.skip(f"S3 STORE NOT TESTED: moto[server] is not installed ({exc})")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"S3 STORE NOT TESTED: the moto S3 emulator did not start ({exc!r})")
    with pytest.MonkeyPatch.context() as env:
        # Fake credentials: boto3 reads the standard variables, and must never find real ones.
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_SESSION_TOKEN", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.delenv("AWS_PROFILE", raising=False)
        env.setenv("AWS_CONFIG_FILE", "/dev/null")
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def bucket(s3_endpoint: str) -> str:
    S3Store(BUCKET, endpoint_url=s3_endpoint, region="us-east-1").client.create_bucket(
        Bucket=BUCKET
    )
    return BUCKET


@pytest.fixture
def s3_store(s3_endpoint: str, bucket: str) -> S3Store:
    prefix = f"run-{uuid.uuid4().hex[:8]}"  # each test sees only its own objects
    return S3Store.from_url(f"s3://{bucket}/{prefix}?endpoint_url={s3_endpoint}&region=us-east-1")


def s3_store_with_parts(store: S3Store) -> S3Store:
    return S3Store(store.bucket, store.prefix, client=store.client, part_bytes=PART)


def objects(store: S3Store) -> list[str]:
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + "/")
    return [item["Key"] for item in listing.get("Contents", [])]


def pending_uploads(store: S3Store) -> list[dict[str, Any]]:
    listing = store.client.list_multipart_uploads(Bucket=store.bucket, Prefix=store.prefix + "/")
    uploads: list[dict[str, Any]] = listing.get("Uploads", [])
    return uploads


def test_from_url() -> None:
    store = S3Store.from_url(
        "s3://docs/gateway/attachments?endpoint_url=http://s3.test:9000&region=ap-southeast-7"
    )
    assert (store.bucket, store.prefix) == ("docs", "gateway/attachments")
    assert store.client.meta.endpoint_url == "http://s3.test:9000"
    assert store.client.meta.region_name == "ap-southeast-7"
    assert store.object_key("attachments/x") == "gateway/attachments/attachments/x"
    for bad in ["http://docs/x", "s3:///x", "s3://docs/x?endpoint=http://a"]:
        with pytest.raises(ValueError, match="S3"):
            S3Store.from_url(bad)


def test_store_from_settings(tmp_path: Path) -> None:
    by_default = store_from_settings(Settings(_env_file=None, storage_dir=tmp_path))
    assert isinstance(by_default, FileSystemStore)
    assert by_default.root == tmp_path
    s3 = store_from_settings(Settings(_env_file=None, storage_url="s3://b/p?region=us-east-1"))
    assert isinstance(s3, S3Store)
    assert (s3.bucket, s3.prefix) == ("b", "p")


async def test_small_blob_round_trip(s3_store: S3Store) -> None:
    blob = await s3_store.put("attachments/a", chunked(JPEG), max_bytes=MiB)

    assert blob.media_type == "image/jpeg"
    assert blob.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert blob.size == len(JPEG)
    assert await s3_store.exists("attachments/a")
    assert await read_all(s3_store, "attachments/a") == JPEG
    head = s3_store.client.head_object(
        Bucket=s3_store.bucket, Key=s3_store.object_key("attachments/a")
    )
    assert head["ContentType"] == "image/jpeg"

    await s3_store.delete("attachments/a")
    assert not await s3_store.exists("attachments/a")
    await s3_store.delete("attachments/a")  # idempotent
    with pytest.raises(NotFound):
        await read_all(s3_store, "attachments/a")
    assert objects(s3_store) == []


async def test_large_blob_goes_up_in_parts(s3_store: S3Store) -> None:
    store = s3_store_with_parts(s3_store)
    data = PDF + bytes(range(256)) * (11 * MiB // 256)
    blob = await store.put("attachments/big", chunked(data, 256 * 1024), max_bytes=20 * MiB)

    assert blob.size == len(data)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    head = store.client.head_object(Bucket=store.bucket, Key=store.object_key("attachments/big"))
    assert head["ETag"].strip('"').endswith("-3")  # 5 + 5 + 1 MiB: a multipart upload
    assert head["ContentType"] == "application/pdf"
    assert await read_all(store, "attachments/big") == data
    assert pending_uploads(store) == []


async def test_the_cap_aborts_the_multipart_upload(s3_store: S3Store) -> None:
    store = s3_store_with_parts(s3_store)
    produced = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal produced
        yield PNG
        while True:
            produced += 256 * 1024
            yield bytes(256 * 1024)

    with pytest.raises(PayloadTooLarge) as caught:
        await store.put("attachments/huge", endless(), max_bytes=7 * MiB)

    assert caught.value.code == "attachment_too_large"
    assert produced < 8 * MiB
    assert objects(store) == []
    assert pending_uploads(store) == []


async def test_a_failing_source_aborts_the_upload(s3_store: S3Store) -> None:
    store = s3_store_with_parts(s3_store)

    async def broken() -> AsyncIterator[bytes]:
        yield PDF + bytes(6 * MiB)  # one part is already up
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put("attachments/broken", broken(), max_bytes=20 * MiB)
    assert objects(store) == []
    assert pending_uploads(store) == []


async def test_an_executable_is_refused(s3_store: S3Store) -> None:
    with pytest.raises(UnsupportedMediaType):
        await s3_store.put("attachments/elf", chunked(ELF + bytes(10_000)), max_bytes=MiB)
    assert objects(s3_store) == []
    assert pending_uploads(s3_store) == []


async def test_uploads_through_http_into_s3(
    s3_store: S3Store, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    store = s3_store_with_parts(s3_store)
    body = multipart([Part("attachments", PNG, "x.pdf", "application/pdf")])
    # A cap above one part: the flood is cut off in the middle of a multipart upload.
    async with make_client(store, max_file_bytes=7 * MiB, max_total_bytes=20 * MiB) as client:
        ok = await client.post("/upload", content=body, headers={"content-type": content_type()})
        flood = Flood(part_head(Part("attachments", b"", "huge.pdf")) + PDF, size=2**30)
        too_large = await client.post(
            "/upload", content=flood, headers={"content-type": content_type()}
        )

    assert ok.status_code == 200, ok.text
    (stored,) = ok.json()["files"]
    assert stored["media_type"] == "image/png"
    assert await read_all(store, stored["key"]) == PNG

    assert too_large.status_code == 413
    assert too_large.json()["code"] == "attachment_too_large"
    assert flood.produced < 8 * MiB
    assert objects(store) == [store.object_key(stored["key"])]
    assert pending_uploads(store) == []
