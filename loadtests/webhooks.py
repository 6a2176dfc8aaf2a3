"""Webhooks handled per second: the bank's signed notifications of real payments, each checked,
confirmed with the bank's status API and credited (the payment succeeds, its e-receipt is
signed, the application moves to `paid`, the agency's notice is queued), by the gateway
`citizen-gateway serve` runs on loopback.

    [BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<empty db>] \\
        .venv/bin/python -m loadtests.webhooks

It starts the mock agencies (with the bank) and the gateway, files BENCH_WEBHOOKS applications
(default 300) as a demo citizen, has DLT's back end ask each one's fee (agency API), opens each
payment and pays its QR at the mock bank with the bank's own deliveries held; then sends the
bank's notifications itself (signed with the bank's development key, as the bank signs them),
BENCH_WEBHOOK_CONCURRENCY at a time (default 16), and times them until every one is answered.
Everything stops by itself. HTTP only: nothing of the project is imported but the other
benchmarks' helpers. BENCH_PROFILE_DIR=DIR records the gateway with py-spy while the
notifications are sent (DIR/webhooks.txt) and prints where its time goes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from loadtests import profile
from loadtests.bench import _free_port, _wait_ready
from loadtests.forwarding import _file, _process, _token

BIN = Path(sys.executable).parent


def _agency_token(gateway: str, credentials: dict[str, Any]) -> str:
    dlt = credentials["DLT"]
    r = httpx.post(
        f"{gateway}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(dlt["consumer_key"], dlt["consumer_secret"]),
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def _payer(n: int) -> str:
    """A valid national ID (mod-11 check digit) for the n-th payer: the bank opens each an
    account of 50,000 THB, so the fees are paid from many."""
    base = f"3{n:011d}"
    check = (11 - sum(int(d) * (13 - i) for i, d in enumerate(base)) % 11) % 10
    return base + str(check)


def _prepare(gateway: str, agencies: str, count: int, work: Path) -> list[dict[str, Any]]:
    """`count` payments paid at the bank, their notifications not yet sent."""
    citizen = {"Authorization": f"Bearer {_token(gateway, agencies)}"}
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: _file(gateway, citizen), range(count)))
    credentials = json.loads(
        (work / "var" / "mock-agencies" / "agency-credentials.json").read_text()
    )
    agency = {"Authorization": f"Bearer {_agency_token(gateway, credentials)}"}
    with httpx.Client(base_url=gateway, timeout=30) as client:
        ids: list[str] = []
        cursor = None
        while True:
            page = client.get(
                "/v1/applications",
                params={"limit": 200, **({"cursor": cursor} if cursor else {})},
                headers=citizen,
            ).json()
            ids += [a["id"] for a in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    httpx.put(f"{agencies}/bank/admin/webhook-faults", json={"hold": True}).raise_for_status()

    def one(numbered: tuple[int, str]) -> dict[str, Any]:
        number, application_id = numbered
        with httpx.Client(base_url=gateway, timeout=30) as client:
            for action in ("accept", "request_payment"):
                client.post(
                    f"/v1/agency/applications/{application_id}/actions",
                    json={"action": action},
                    headers=agency,
                ).raise_for_status()
            payment = client.post(
                f"/v1/applications/{application_id}/payments", headers=citizen
            ).json()
        paid = httpx.post(
            f"{agencies}/bank/app/scan-pay",
            json={"pid": _payer(1 + number // 50), "payload": payment["qr_payload"]},
            timeout=30,
        )
        paid.raise_for_status()
        txn: dict[str, Any] = paid.json()
        return txn

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, enumerate(ids[:count])))


def _send(gateway: str, key_id: str, secret: str, txn: dict[str, Any]) -> tuple[float, str]:
    body = json.dumps(
        {
            "event_id": f"EV-{txn['txn_id']}",
            "type": "payment.succeeded",
            "txn_id": txn["txn_id"],
            "biller_id": txn["biller_id"],
            "ref1": txn["ref1"],
            "ref2": txn["ref2"],
            "amount_satang": txn["amount_satang"],
            "paid_at": txn["paid_at"],
            "channel": txn["channel"],
        }
    ).encode()
    timestamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    started = time.perf_counter()
    r = httpx.post(
        f"{gateway}/v1/payments/webhooks/mockbank",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Bank-Key-Id": key_id,
            "X-Bank-Timestamp": timestamp,
            "X-Bank-Signature": f"v1={mac}",
        },
        timeout=60,
    )
    elapsed = time.perf_counter() - started
    outcome = (
        r.json().get("outcome", f"http {r.status_code}")
        if r.status_code == 200
        else (f"http {r.status_code}")
    )
    return elapsed, str(outcome)


def main() -> None:
    count = int(os.environ.get("BENCH_WEBHOOKS", "300"))
    concurrency = int(os.environ.get("BENCH_WEBHOOK_CONCURRENCY", "16"))
    work = Path(tempfile.mkdtemp(prefix="cg-webhooks-"))
    agencies = f"http://127.0.0.1:{_free_port()}"
    gateway = f"http://127.0.0.1:{_free_port()}"
    mock_dir = work / "var" / "mock-agencies"
    env = {
        **os.environ,
        "CITIZEN_GATEWAY_DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite+aiosqlite:///{work}/gateway.db"
        ),
        "CITIZEN_GATEWAY_VAR_DIR": str(work / "var"),
        "CITIZEN_GATEWAY_STORAGE_DIR": str(work / "var" / "storage"),
        "CITIZEN_GATEWAY_AGENCIES_URL": agencies,
        "CITIZEN_GATEWAY_PUBLIC_URL": gateway,
        "CITIZEN_GATEWAY_ADMIN_TOKEN": secrets.token_urlsafe(32),
        "CITIZEN_GATEWAY_EMBEDDED_WORKER": "false",  # the worker's deliveries are not measured
        "CITIZEN_GATEWAY_JOBS_INTERVAL_SECONDS": "0",
        "CITIZEN_GATEWAY_DOPA_CONSUMER_FILE": str(mock_dir / "dopa-consumer.json"),
        "CITIZEN_GATEWAY_AGENCY_CREDENTIALS_FILE": str(mock_dir / "agency-credentials.json"),
        "CITIZEN_GATEWAY_BANK_CREDENTIALS_FILE": str(mock_dir / "bank-credentials.json"),
        "CITIZEN_GATEWAY_LOG_LEVEL": "WARNING",
        "MOCK_AGENCIES_VAR_DIR": str(mock_dir),
        "MOCK_BANK_WEBHOOK_URL": f"{gateway}/v1/payments/webhooks/mockbank",
        "MOCK_DLT_CALLBACKS": "off",
    }
    cli = str(BIN / "citizen-gateway")
    for step in (["db", "upgrade"], ["seed"]):
        subprocess.run([cli, *step], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    subprocess.run([cli, "urls"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    profile_dir = os.environ.get("BENCH_PROFILE_DIR")
    with (
        _process([cli, "agencies", "--port", agencies.rsplit(":", 1)[1]], env),
        _process([cli, "serve", "--port", gateway.rsplit(":", 1)[1]], env) as server,
    ):
        _wait_ready(f"{agencies}/healthz")
        _wait_ready(f"{gateway}/readyz")
        txns = _prepare(gateway, agencies, count, work)
        keys = json.loads((mock_dir / "bank-credentials.json").read_text())
        recorder = None
        if profile_dir:  # py-spy on the gateway while the webhooks are sent, and only then
            recorder = profile.start(server.pid, 600, Path(profile_dir) / "webhooks.txt")
            time.sleep(1)  # py-spy attaches
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            answers = list(
                pool.map(
                    lambda t: _send(gateway, keys["webhook_key_id"], keys["webhook_secret"], t),
                    txns,
                )
            )
        elapsed = time.perf_counter() - started
        if recorder is not None:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=30)
            summary = profile.summarise((Path(profile_dir or ".") / "webhooks.txt").read_text())
            print(profile.render("webhooks", summary))
    latencies = sorted(a[0] for a in answers)
    outcomes: dict[str, int] = {}
    for _, outcome in answers:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    database = "PostgreSQL" if "postgresql" in env["CITIZEN_GATEWAY_DATABASE_URL"] else "SQLite"
    result = {
        "database": database,
        "webhooks": len(answers),
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "per_second": round(len(answers) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "outcomes": outcomes,
    }
    print(
        f"\nbank webhooks, each confirmed with the bank and credited, {database}, "
        f"{os.cpu_count()} cores, {concurrency} at a time"
    )
    print(
        f"{result['webhooks']} webhooks in {result['seconds']} s: {result['per_second']}/s, "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; outcomes {outcomes}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
