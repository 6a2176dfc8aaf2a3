"""`make bench`: start a seeded gateway and a bare FastAPI app on loopback, load each with
Locust (headless, bounded in time), print a table and write bench-results/<time>.json.

Knobs (environment): BENCH_SECONDS (default 20), BENCH_USERS (default 32).
Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

BIN = Path(sys.executable).parent
RESULTS = Path("bench-results")
SERVICE_IDS = [
    "dlt-driving-licence-renewal",
    "dop-older-persons-allowance-registration",
    "sso-unemployment-benefit",
    "rd-personal-income-tax-efiling",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url, timeout=1) as response,  # noqa: S310 - loopback only
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        _wait_ready(ready_url)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _locust(
    host: str, paths: list[str], name: str, seconds: int, users: int, out: Path
) -> dict[str, float]:
    prefix = out / name.replace("/", "_")
    env = {**os.environ, "BENCH_PATHS": ",".join(paths), "BENCH_NAME": name}
    subprocess.run(  # noqa: S603
        [
            str(BIN / "locust"),
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "ServiceDetailUser",
            "--headless",
            "--only-summary",
            "--loglevel",
            "WARNING",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--stop-timeout",
            "5",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == name)
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p99_ms": float(row["99%"]),
    }


def main() -> None:
    seconds = int(os.environ.get("BENCH_SECONDS", "20"))
    users = int(os.environ.get("BENCH_USERS", "32"))
    work = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    env = {
        **os.environ,
        "CITIZEN_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{work}/gateway.db",
        "CITIZEN_GATEWAY_VAR_DIR": str(work / "var"),
        "CITIZEN_GATEWAY_LOG_LEVEL": "WARNING",
    }
    cli = str(BIN / "citizen-gateway")
    subprocess.run([cli, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    subprocess.run([cli, "seed"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    gw_port, bare_port = _free_port(), _free_port()
    results: dict[str, dict[str, float]] = {}
    try:
        gateway = f"http://127.0.0.1:{gw_port}"
        with _process([cli, "serve", "--port", str(gw_port)], env, f"{gateway}/readyz"):
            results["GET /v1/services/{id} (gateway, SQLite)"] = _locust(
                gateway,
                [f"/v1/services/{s}" for s in SERVICE_IDS],
                "/v1/services/{id}",
                seconds,
                users,
                work,
            )
        bare = f"http://127.0.0.1:{bare_port}"
        uvicorn = [
            str(BIN / "uvicorn"),
            "loadtests.bare_app:app",
            "--port",
            str(bare_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        with _process(uvicorn, env, f"{bare}/bare/x"):
            results["GET /bare/{id} (bare FastAPI)"] = _locust(
                bare, [f"/bare/{s}" for s in SERVICE_IDS], "/bare/{id}", seconds, users, work
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nLocust headless, {users} users, {seconds}s each, 1 uvicorn worker, 127.0.0.1, "
        f"{os.cpu_count()} cores"
    )
    print(f"{'endpoint':44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'fail':>5} {'requests':>9}")
    for name, r in results.items():
        print(
            f"{name:44} {r['rps']:8.0f} {r['p50_ms']:7.0f} {r['p99_ms']:7.0f} "
            f"{r['failures']:5.0f} {r['requests']:9.0f}"
        )
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"catalog-{stamp}.json"
    out.write_text(json.dumps({"users": users, "seconds": seconds, "results": results}, indent=2))
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
