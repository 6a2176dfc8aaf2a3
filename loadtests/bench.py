"""`make bench`: start a seeded gateway and a bare FastAPI app on loopback, load each with
Locust (headless, bounded in time), print a table and write bench-results/<time>.json.

Knobs (environment): BENCH_SECONDS (default 20), BENCH_USERS (default 32), BENCH_LOGIN_USERS
and BENCH_SUBMIT_USERS (default 16), BENCH_SCENARIOS (default catalog,login,submit),
BENCH_DATABASE_URL (default: a fresh SQLite file; give an empty PostgreSQL database to measure
on PostgreSQL).
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
    host: str,
    user_class: str,
    seconds: int,
    users: int,
    out: Path,
    env: dict[str, str],
) -> dict[str, dict[str, float]]:
    """Run one Locust user class headless; its stats rows by request name."""
    prefix = out / user_class
    subprocess.run(  # noqa: S603
        [
            str(BIN / "locust"),
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            user_class,
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
        check=False,  # Locust exits 1 when any request failed; the table reports failures
        stdout=subprocess.DEVNULL,
    )
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"]),
                "p99_ms": float(row["99%"]),
            }
    return rows


def _service_paths(base: str) -> list[str]:
    """Every live service's path, read from the gateway itself (paged)."""
    paths: list[str] = []
    cursor = ""
    while True:
        url = f"{base}/v1/services?limit=200" + (f"&cursor={cursor}" if cursor else "")
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            page = json.load(response)
        paths += [item["href"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return paths


def main() -> None:
    seconds = int(os.environ.get("BENCH_SECONDS", "20"))
    users = int(os.environ.get("BENCH_USERS", "32"))
    login_users = int(os.environ.get("BENCH_LOGIN_USERS", "16"))
    submit_users = int(os.environ.get("BENCH_SUBMIT_USERS", "16"))
    work = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    env = {
        **os.environ,
        "CITIZEN_GATEWAY_DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite+aiosqlite:///{work}/gateway.db"
        ),
        "CITIZEN_GATEWAY_VAR_DIR": str(work / "var"),
        "CITIZEN_GATEWAY_LOG_LEVEL": "WARNING",
    }
    cli = str(BIN / "citizen-gateway")
    for step in (["db", "upgrade"], ["seed"]):
        subprocess.run([cli, *step], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    gateway = f"http://127.0.0.1:{_free_port()}"
    bare = f"http://127.0.0.1:{_free_port()}"
    serve = [cli, "serve", "--port", gateway.rsplit(":", 1)[1]]
    results: dict[str, dict[str, float]] = {}
    paths: list[str] = []
    scenarios = os.environ.get("BENCH_SCENARIOS", "catalog,login,submit").split(",")
    try:
        if "catalog" in scenarios:
            for label, cache in (("render cache 5 s", "5"), ("render cache off", "0")):
                run_env = {**env, "CITIZEN_GATEWAY_CATALOG_CACHE_SECONDS": cache}
                with _process(serve, run_env, f"{gateway}/readyz"):
                    paths = _service_paths(gateway)
                    rows = _locust(
                        gateway,
                        "ServiceDetailUser",
                        seconds,
                        users,
                        work,
                        {**env, "BENCH_PATHS": ",".join(paths), "BENCH_NAME": "detail"},
                    )
                    results[f"GET /v1/services/{{id}} ({label})"] = rows["detail"]
            uvicorn = [
                str(BIN / "uvicorn"),
                "loadtests.bare_app:app",
                "--port",
                bare.rsplit(":", 1)[1],
                "--log-level",
                "warning",
                "--no-access-log",
            ]
            bare_paths = [p.replace("/v1/services/", "/bare/") for p in paths]
            with _process(uvicorn, env, f"{bare}/bare/x"):
                rows = _locust(
                    bare,
                    "ServiceDetailUser",
                    seconds,
                    users,
                    work,
                    {**env, "BENCH_PATHS": ",".join(bare_paths), "BENCH_NAME": "detail"},
                )
                results["GET /bare/{id} (bare FastAPI)"] = rows["detail"]
        if "login" in scenarios or "submit" in scenarios:
            agencies = f"http://127.0.0.1:{_free_port()}"
            login_env = {
                **env,
                "CITIZEN_GATEWAY_AGENCIES_URL": agencies,
                "MOCK_AGENCIES_VAR_DIR": str(work / "var" / "mock-agencies"),
                "CITIZEN_GATEWAY_DOPA_CONSUMER_FILE": str(
                    work / "var" / "mock-agencies" / "dopa-consumer.json"
                ),
                "AGENCIES_URL": agencies,
                # Every simulated citizen logs in from 127.0.0.1: one client, many people.
                "CITIZEN_GATEWAY_LOGIN_MAX_FAILURES_PER_CLIENT": "1000000",
            }
            subprocess.run([cli, "urls"], env=login_env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
            host = [cli, "agencies", "--port", agencies.rsplit(":", 1)[1]]
            with (
                _process(host, login_env, f"{agencies}/healthz"),
                _process(serve, login_env, f"{gateway}/readyz"),
            ):
                if "login" in scenarios:
                    rows = _locust(gateway, "LoginUser", seconds, login_users, work, login_env)
                    for name in (
                        "login (verification + token)",
                        "POST /v1/identity/verifications",
                        "POST /v1/identity/verifications/{id}/face",
                        "POST /oauth/token",
                    ):
                        if name in rows:
                            results[name] = rows[name]
                if "submit" in scenarios:
                    rows = _locust(gateway, "SubmitUser", seconds, submit_users, work, login_env)
                    for name in (
                        "file (draft + 200 KB attachment + submit)",
                        "POST /v1/applications",
                        "POST /v1/applications/{id}/attachments (200 KB)",
                        "POST /v1/applications/{id}/submit",
                        "GET /v1/applications/{id}",
                    ):
                        if name in rows:
                            results[name] = rows[name]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    database = "PostgreSQL" if "postgresql" in env["CITIZEN_GATEWAY_DATABASE_URL"] else "SQLite"
    _report(results, users, seconds, len(paths), login_users, submit_users, database)


def _report(
    results: dict[str, dict[str, float]],
    users: int,
    seconds: int,
    services: int,
    login_users: int,
    submit_users: int,
    database: str,
) -> None:
    print(
        f"\nLocust headless (FastHttpUser, no wait), {users} users, {seconds}s each, "
        f"1 uvicorn worker, {database}, {services} services, {login_users} login users, "
        f"{submit_users} filing users, 127.0.0.1, {os.cpu_count()} cores"
    )
    print(f"{'endpoint':48} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'fail':>5} {'requests':>9}")
    for name, r in results.items():
        print(
            f"{name:48} {r['rps']:8.0f} {r['p50_ms']:7.0f} {r['p99_ms']:7.0f} "
            f"{r['failures']:5.0f} {r['requests']:9.0f}"
        )
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"bench-{stamp}.json"
    out.write_text(json.dumps({"users": users, "seconds": seconds, "results": results}, indent=2))
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
