"""Forwarding throughput: how many submitted applications `citizen-gateway worker` processes
hand to an agency per second, with 1 and with 2 workers.

    BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<empty db> \\
        .venv/bin/python -m loadtests.forwarding

It starts the mock agencies and the gateway (no embedded worker) on loopback, files
BENCH_FORWARD_MESSAGES applications (default 400) as a demo citizen over HTTP, then starts the
workers and times until every message is done (the operator's outbox counts). A fresh batch is
filed for each worker count. Everything stops by itself.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from loadtests.bench import _free_port, _wait_ready

BIN = Path(sys.executable).parent
SOMCHAI = {
    "national_id": "1100100001014",
    "laser_code": "JT0123456701",
    "first_name_th": "สมชาย",
    "last_name_th": "ใจดี",
    "birth_date_be": "25300115",
}
FORM = {
    "appointment_date": "2026-12-01",
    "appointment_period": "morning",
    "contact_phone": "0812345678",
}
PDF = b"%PDF-1.7\n" + b"0" * 2048


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _token(gateway: str, agencies: str) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    with httpx.Client(timeout=30) as client:
        started = client.post(
            f"{gateway}/v1/identity/verifications",
            json={
                **SOMCHAI,
                "authorization": {
                    "client_id": "tangrat-app",
                    "redirect_uri": "th.go.tangrat.app:/oauth/callback",
                    "response_type": "code",
                    "scope": "openid citizen",
                    "state": "bench",
                    "nonce": secrets.token_urlsafe(12),
                    "code_challenge": challenge.decode(),
                    "code_challenge_method": "S256",
                },
            },
        ).json()
        scan = client.post(
            f"{agencies}/device/face-scan",
            json={
                "pid": SOMCHAI["national_id"],
                "challenge": {k: started["challenge"][k] for k in ("nonce", "action")},
            },
        ).json()
        face = client.post(
            f"{gateway}{started['face_url']}",
            json={"template": scan["template"], "liveness": scan["liveness"]},
        ).json()
        token = client.post(
            f"{gateway}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": face["authorization"]["code"],
                "redirect_uri": "th.go.tangrat.app:/oauth/callback",
                "client_id": "tangrat-app",
                "code_verifier": verifier,
            },
        ).json()
    return str(token["access_token"])


def _file(gateway: str, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=gateway, timeout=30, headers=headers) as client:
        draft = client.post(
            "/v1/applications",
            json={"service_id": "dlt-driving-licence-renewal", "form": FORM},
        ).json()
        client.post(
            f"/v1/applications/{draft['id']}/attachments?document=medical-certificate",
            files={"file": ("certificate.pdf", PDF, "application/pdf")},
        ).raise_for_status()
        client.post(f"/v1/applications/{draft['id']}/submit").raise_for_status()


def _stats(gateway: str, admin: str) -> dict[str, int]:
    r = httpx.get(f"{gateway}/v1/admin/outbox/stats", headers={"Authorization": f"Bearer {admin}"})
    r.raise_for_status()
    counts: dict[str, int] = r.json()
    return counts


def main() -> None:
    messages = int(os.environ.get("BENCH_FORWARD_MESSAGES", "400"))
    work = Path(tempfile.mkdtemp(prefix="cg-forward-"))
    agencies = f"http://127.0.0.1:{_free_port()}"
    gateway = f"http://127.0.0.1:{_free_port()}"
    admin = secrets.token_urlsafe(32)
    env = {
        **os.environ,
        "CITIZEN_GATEWAY_DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite+aiosqlite:///{work}/gateway.db"
        ),
        "CITIZEN_GATEWAY_VAR_DIR": str(work / "var"),
        "CITIZEN_GATEWAY_STORAGE_DIR": str(work / "var" / "storage"),
        "CITIZEN_GATEWAY_AGENCIES_URL": agencies,
        "CITIZEN_GATEWAY_PUBLIC_URL": gateway,
        "CITIZEN_GATEWAY_ADMIN_TOKEN": admin,
        "CITIZEN_GATEWAY_EMBEDDED_WORKER": "false",
        "CITIZEN_GATEWAY_DOPA_CONSUMER_FILE": str(
            work / "var" / "mock-agencies" / "dopa-consumer.json"
        ),
        "CITIZEN_GATEWAY_AGENCY_CREDENTIALS_FILE": str(
            work / "var" / "mock-agencies" / "agency-credentials.json"
        ),
        "CITIZEN_GATEWAY_LOG_LEVEL": "WARNING",
        "MOCK_AGENCIES_VAR_DIR": str(work / "var" / "mock-agencies"),
        "MOCK_DOPA_POPULATION": "200",
        "MOCK_DLT_CALLBACKS": "off",
    }
    cli = str(BIN / "citizen-gateway")
    for step in (["db", "upgrade"], ["seed"]):
        subprocess.run([cli, *step], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    subprocess.run([cli, "urls"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    results = []
    with (
        _process([cli, "agencies", "--port", agencies.rsplit(":", 1)[1]], env),
        _process([cli, "serve", "--port", gateway.rsplit(":", 1)[1]], env),
    ):
        _wait_ready(f"{agencies}/healthz")
        _wait_ready(f"{gateway}/readyz")
        headers = {"Authorization": f"Bearer {_token(gateway, agencies)}"}
        for workers in (1, 2):
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda _: _file(gateway, headers), range(messages)))
            before = _stats(gateway, admin)["done"]
            started = time.perf_counter()
            procs = [
                subprocess.Popen(  # noqa: S603 - our own console script
                    [cli, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                for _ in range(workers)
            ]
            try:
                deadline = started + 600
                while time.perf_counter() < deadline:
                    stats = _stats(gateway, admin)
                    if stats["done"] - before >= messages:
                        break
                    time.sleep(0.2)
                elapsed = time.perf_counter() - started
            finally:
                for proc in procs:
                    proc.terminate()
                    proc.wait(timeout=10)
            stats = _stats(gateway, admin)
            results.append(
                {
                    "workers": workers,
                    "messages": messages,
                    "seconds": round(elapsed, 2),
                    "per_second": round(messages / elapsed, 1),
                    "dead": stats["dead"],
                    "pending": stats["pending"] + stats["in_flight"],
                }
            )
    database = "PostgreSQL" if "postgresql" in env["CITIZEN_GATEWAY_DATABASE_URL"] else "SQLite"
    print(f"\nforwarding to mock DLT over loopback, {database}, {os.cpu_count()} cores")
    print(f"{'workers':>8} {'messages':>9} {'seconds':>8} {'msg/s':>7} {'dead':>5} {'left':>5}")
    for r in results:
        print(
            f"{r['workers']:>8} {r['messages']:>9} {r['seconds']:>8} {r['per_second']:>7} "
            f"{r['dead']:>5} {r['pending']:>5}"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
