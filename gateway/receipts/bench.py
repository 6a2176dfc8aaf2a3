"""How many RFC 3161 tokens one core cuts per second (R-10.4: every submission gets one).

    .venv/bin/python -m gateway.receipts.bench [--seconds 3]

Measures, on one thread, `TimestampAuthority.timestamp()` (the call a submission makes) and
`handle_request()` (the RFC 3161 HTTP path, which also parses the query), for the EC P-256 TSA
the gateway uses and, for comparison, the same TSA with an RSA-2048 key; plus the receipt JWS
(ES256) for scale. Keys are made in a temporary directory and thrown away.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from asn1crypto import tsp

from gateway.receipts.signer import ReceiptSigner
from gateway.receipts.tsa import KeyType, TimestampAuthority
from kernel.clock import SystemClock


def _rate(operation: Callable[[], object], seconds: float) -> tuple[int, float]:
    operation()  # warm up (first-call caches)
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(50):
            operation()
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count, now - started


def _query(digest: bytes) -> bytes:
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": int.from_bytes(os.urandom(8), "big"),
            "cert_req": True,
        }
    )
    der: bytes = request.dump()
    return der


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    args = parser.parse_args(argv)

    digest = hashlib.sha256(b"a submission").digest()
    query = _query(digest)
    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory() as scratch:
        key_types: tuple[KeyType, ...] = ("ec-p256", "rsa-2048")
        for key_type in key_types:
            authority = TimestampAuthority.load_or_create(
                Path(scratch) / key_type, production=False, clock=SystemClock(), key_type=key_type
            )
            rows.append(
                (
                    f"TSA {key_type}: timestamp()",
                    *_rate(functools.partial(authority.timestamp, digest, nonce=1), args.seconds),
                )
            )
            rows.append(
                (
                    f"TSA {key_type}: handle_request()",
                    *_rate(functools.partial(authority.handle_request, query), args.seconds),
                )
            )
        signer = ReceiptSigner.load_or_create(Path(scratch) / "receipt", production=False)
        claims = {"receipt_number": "R-2026-000001", "digest": digest.hex(), "agency": "DOPA"}
        rows.append(
            (
                "receipt JWS ES256: sign()",
                *_rate(functools.partial(signer.sign, claims), args.seconds),
            )
        )

    print(f"one thread, {args.seconds:g} s per row, {os.cpu_count()} CPUs on this machine")
    print(f"{'operation':<36} {'count':>8} {'seconds':>8} {'per s':>9} {'us each':>8}")
    for name, count, elapsed in rows:
        print(
            f"{name:<36} {count:>8} {elapsed:>8.2f} {count / elapsed:>9.0f} "
            f"{elapsed / count * 1e6:>8.1f}"
        )


if __name__ == "__main__":
    main()
