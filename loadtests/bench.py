"""`make bench` (`python -m loadtests.bench --help`): the reads an app makes most, measured
against two ceilings in the same run.

It starts everything it measures itself on 127.0.0.1 (a seeded gateway with N workers on SQLite
or PostgreSQL, the mock agencies, and the ceilings), prepares logged-in citizens with one filed
application each, loads each scenario with Locust (headless, bounded in time), stops everything
and prints a table: req/s, p50/p95/p99, errors, CPU milliseconds per request (read from the
measured processes' own CPU counters, which stay meaningful on a shared, noisy machine) and each
figure as a ratio of its ceiling: by req/s, and by CPU per request. Results go to
bench-results/<time>.json.

Ceilings: `bare` (a bare FastAPI endpoint) for the catalog read; `bare-read` (a bare FastAPI
endpoint doing one SQLAlchemy read by primary key on the same database) for the citizen's reads.

Logins: `login` logs citizens in as fast as the users can (its req/s is the peak, its CPU the
gateway's whole cost of a login: card step, face step, token exchange); `login-half` paces the
same logins at half that peak and is where the latency target is read. Every eighth login is a
person's second device logging in at the same time; a face false reject of the simulated sensor,
or a challenge the other device's newer verification voided, starts the login again, as the app
would (counted beside the errors, see loadtests/locustfile.py).
"""

from __future__ import annotations

import argparse
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from loadtests import profile
from loadtests.journeys import citizen_token

BIN = Path(sys.executable).parent
RESULTS = Path("bench-results")
SCENARIOS = ("bare", "bare-read", "catalog", "status", "inbox", "login", "login-half", "submit")
DEFAULT_SCENARIOS = "bare,bare-read,catalog,status,inbox,login,login-half"
#: The login's journey row, and what is counted beside it (never as errors).
LOGIN = "login (verification + token)"
LOGIN_NOTES = {
    "twin_logins": "login: twin logins (one person, two devices at once)",
    "face_retries": "login: face rejected, started again",
    "voided_retries": "login: challenge voided by the other device, started again",
}
#: Which ceiling each scenario is compared with.
CEILING = {"catalog": "bare", "status": "bare-read", "inbox": "bare-read"}
SAMPLE_PDF = b"%PDF-1.7\n" + b"0" * 4096


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.bench",
        description="Load the gateway's most frequent calls and their ceilings on loopback; "
        "print req/s, latency percentiles, errors and gateway CPU ms per request.",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", "sqlite"),
        help="'sqlite' (a fresh file, the default) or the URL of an empty PostgreSQL database "
        "(postgresql+asyncpg://postgres@127.0.0.1:5432/bench)",
    )
    parser.add_argument("--workers", type=int, default=1, help="gateway worker processes")
    parser.add_argument(
        "--seconds",
        type=int,
        default=int(os.environ.get("BENCH_SECONDS", "15")),
        help="how long each scenario runs",
    )
    parser.add_argument(
        "--users", type=int, default=int(os.environ.get("BENCH_USERS", "32")), help="Locust users"
    )
    parser.add_argument(
        "--login-users",
        type=int,
        default=int(os.environ.get("BENCH_LOGIN_USERS", "16")),
        help="Locust users for the login and filing scenarios",
    )
    parser.add_argument(
        "--scenarios",
        default=os.environ.get("BENCH_SCENARIOS", DEFAULT_SCENARIOS),
        help=f"comma-separated, from: {', '.join(SCENARIOS)} (default: {DEFAULT_SCENARIOS}); "
        "login-half paces logins at half the rate `login` reached in the same run (and so runs "
        "`login` too)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON result goes")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record each gateway scenario with py-spy into DIR/<scenario>.txt and print its "
        "top frames (sampling costs the gateway some CPU: compare profiled runs with each other)",
    )
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    if "login-half" in wanted and "login" not in wanted:
        wanted.insert(wanted.index("login-half"), "login")  # its pace is half of login's peak
    args.scenarios = wanted
    return args


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu_ms: float | None = None  # CPU per request of the process measured (gateway or ceiling)
    ratio: float | None = None  # req/s, of the scenario's ceiling's
    cpu_ratio: float | None = None  # the ceiling's CPU per request, of this one's
    extra: dict[str, Any] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, seconds: float = 60) -> None:
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
def _process(args: list[str], env: dict[str, str], ready_url: str) -> Iterator[psutil.Process]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        _wait_ready(ready_url)
        yield psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU of a process and its live children (uvicorn's workers)."""
    total = 0.0
    for each in (process, *process.children(recursive=True)):
        with contextlib.suppress(psutil.Error):
            times = each.cpu_times()
            total += times.user + times.system
    return total


def _locust(
    host: str, user_class: str, seconds: int, users: int, out: Path, env: dict[str, str]
) -> dict[str, Row]:
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
        stderr=subprocess.DEVNULL,
    )
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = Row(
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                rps=float(row["Requests/s"]),
                p50_ms=float(row["50%"]),
                p95_ms=float(row["95%"]),
                p99_ms=float(row["99%"]),
            )
    with contextlib.suppress(FileNotFoundError), open(f"{prefix}_failures.csv") as handle:
        for failure in csv.DictReader(handle):
            if failure["Name"] in rows:  # what failed, by message, e.g. "face step: 409 ..."
                errors = rows[failure["Name"]].extra.setdefault("errors", {})
                message = failure["Error"].removeprefix("RuntimeError(").strip("')\"")
                errors[message] = errors.get(message, 0) + int(failure["Occurrences"])
    return rows


class _Plain:
    """httpx with Locust's `name=` keyword accepted (and ignored), for loadtests.journeys."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def get(self, url: str, name: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def post(self, url: str, name: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(url, **kwargs)


def prepare_citizens(gateway: str, agencies: str, count: int) -> list[dict[str, str]]:
    """`count` demo citizens logged in, each with one filed application (a timeline and an
    inbox to read): what the status and inbox scenarios poll."""
    fixtures: list[dict[str, str]] = []
    with httpx.Client(base_url=gateway, timeout=30) as client:
        cards = client.get(f"{agencies}/device/id-cards?status=active&limit=1000").json()["cards"]
        for card in cards:
            if len(fixtures) == count:
                break
            token = citizen_token(_Plain(client), agencies, card)
            if token is None:  # a face false reject now and then: the next person
                continue
            headers = {"Authorization": f"Bearer {token}"}
            draft = client.post(
                "/v1/applications",
                json={
                    "service_id": "dlt-driving-licence-renewal",
                    "form": {
                        "appointment_date": "2026-12-01",
                        "appointment_period": "morning",
                        "contact_phone": "0812345678",
                    },
                },
                headers=headers,
            )
            if draft.status_code != 201:
                continue
            application = draft.json()["id"]
            client.post(
                f"/v1/applications/{application}/attachments?document=medical-certificate",
                files={"file": ("certificate.pdf", SAMPLE_PDF, "application/pdf")},
                headers=headers,
            )
            client.post(f"/v1/applications/{application}/submit", headers=headers)
            fixtures.append({"token": token, "application": application})
    if len(fixtures) < count:
        raise RuntimeError(f"only {len(fixtures)} of {count} citizens could be prepared")
    return fixtures


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


def run(args: argparse.Namespace) -> dict[str, Row]:
    work = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    database = (
        f"sqlite+aiosqlite:///{work}/gateway.db" if args.database == "sqlite" else args.database
    )
    gateway = f"http://127.0.0.1:{_free_port()}"
    agencies = f"http://127.0.0.1:{_free_port()}"
    bare = f"http://127.0.0.1:{_free_port()}"
    env = {
        **os.environ,
        "CITIZEN_GATEWAY_DATABASE_URL": database,
        "CITIZEN_GATEWAY_VAR_DIR": str(work / "var"),
        "CITIZEN_GATEWAY_LOG_LEVEL": "WARNING",
        "CITIZEN_GATEWAY_PUBLIC_URL": gateway,
        "CITIZEN_GATEWAY_AGENCIES_URL": agencies,
        "MOCK_AGENCIES_VAR_DIR": str(work / "var" / "mock-agencies"),
        "CITIZEN_GATEWAY_DOPA_CONSUMER_FILE": str(
            work / "var" / "mock-agencies" / "dopa-consumer.json"
        ),
        "AGENCIES_URL": agencies,
        # Every simulated citizen logs in from 127.0.0.1: one client, many people.
        "CITIZEN_GATEWAY_LOGIN_MAX_FAILURES_PER_CLIENT": "1000000",
        "BENCH_DATABASE_URL": database,
    }
    cli = str(BIN / "citizen-gateway")
    for step in (["db", "upgrade"], ["seed"], ["urls"]):
        subprocess.run([cli, *step], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    serve = [cli, "serve", "--port", gateway.rsplit(":", 1)[1], "--workers", str(args.workers)]
    host = [cli, "agencies", "--port", agencies.rsplit(":", 1)[1]]
    uvicorn = [
        str(BIN / "uvicorn"),
        "loadtests.bare_app:app",
        "--port",
        bare.rsplit(":", 1)[1],
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    results: dict[str, Row] = {}
    try:
        with (
            _process(host, env, f"{agencies}/healthz"),
            _process(serve, env, f"{gateway}/readyz") as server,
            _process(uvicorn, env, f"{bare}/bare/x") as ceiling,
        ):
            fixtures = prepare_citizens(gateway, agencies, args.users)
            fixture_file = work / "fixtures.json"
            fixture_file.write_text(json.dumps(fixtures))
            paths = _service_paths(gateway)
            citizens = {**env, "BENCH_FIXTURES": str(fixture_file)}
            logins = {**env, "BENCH_LOGIN_USERS": str(args.login_users)}
            plan: list[tuple[str, str, str, dict[str, str], int, str]] = [
                # scenario, host, user class, env, users, the row to keep
                ("bare", bare, "ServiceDetailUser", _paths(env, ["/bare/x"]), args.users, "get"),
                (
                    "bare-read",
                    bare,
                    "ServiceDetailUser",
                    _paths(env, [f"/bare-read/{f['application']}" for f in fixtures]),
                    args.users,
                    "get",
                ),
                ("catalog", gateway, "ServiceDetailUser", _paths(env, paths), args.users, "get"),
                ("status", gateway, "StatusReadUser", citizens, args.users, "status"),
                ("inbox", gateway, "InboxUser", citizens, args.users, "inbox"),
                ("login", gateway, "LoginUser", logins, args.login_users, LOGIN),
                ("login-half", gateway, "LoginUser", logins, args.login_users, LOGIN),
                (
                    "submit",
                    gateway,
                    "SubmitUser",
                    env,
                    args.login_users,
                    "file (draft + 200 KB attachment + submit)",
                ),
            ]
            for scenario, target, user_class, run_env, users, keep in plan:
                if scenario not in args.scenarios:
                    continue
                if scenario == "login-half":
                    # Paced at half the peak `login` reached just before (parse_args runs it).
                    pace = results["login"].rps / 2
                    run_env = {**run_env, "BENCH_LOGIN_RATE": f"{pace:.3f}"}  # noqa: PLW2901
                spy = (
                    args.profile / f"{scenario}.txt" if args.profile and target == gateway else None
                )
                measured, spent = _measure(
                    server if target == gateway else ceiling,
                    spy,
                    args.seconds,
                    (target, user_class, users, work, run_env),
                )
                row = measured[keep]
                row.name = scenario
                if row.requests:
                    row.cpu_ms = spent * 1000 / row.requests
                if keep == LOGIN:
                    for note, name in LOGIN_NOTES.items():
                        row.extra[note] = measured[name].requests if name in measured else 0
                    row.extra["steps"] = {  # each call of the journey, for the JSON
                        name: {"requests": r.requests, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms}
                        for name, r in measured.items()
                        if r.requests and name not in (LOGIN, "Aggregated", *LOGIN_NOTES.values())
                    }
                    if scenario == "login-half":
                        row.extra["paced_at_rps"] = round(pace, 2)
                results[scenario] = row
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return with_ratios(results)


def with_ratios(results: dict[str, Row]) -> dict[str, Row]:
    """Each read as a ratio of its ceiling measured in the same run: by req/s, and by CPU."""
    for scenario, ceiling in CEILING.items():
        if scenario in results and ceiling in results and results[ceiling].rps:
            row, top = results[scenario], results[ceiling]
            row.ratio = row.rps / top.rps
            if row.cpu_ms and top.cpu_ms:
                row.cpu_ratio = top.cpu_ms / row.cpu_ms
    return results


def _measure(
    server: psutil.Process,
    spy: Path | None,
    seconds: int,
    load: tuple[str, str, int, Path, dict[str, str]],
) -> tuple[dict[str, Row], float]:
    """One scenario's Locust rows (`load`: host, user class, users, work dir, environment),
    and the CPU seconds of `server` (the gateway, or the ceiling) meanwhile; recorded by py-spy
    into `spy` if given."""
    recording = profile.start(server.pid, seconds, spy) if spy is not None else None
    before = _cpu_seconds(server)
    target, user_class, users, work, run_env = load
    rows = _locust(target, user_class, seconds, users, work, run_env)
    spent = _cpu_seconds(server) - before
    if recording is not None:
        try:
            recording.wait(timeout=30)
        except subprocess.TimeoutExpired:
            recording.kill()
    return rows, spent


def _paths(env: dict[str, str], paths: list[str]) -> dict[str, str]:
    return {**env, "BENCH_PATHS": ",".join(paths), "BENCH_NAME": "get"}


def report(results: dict[str, Row], args: argparse.Namespace) -> Path:
    database = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    print(
        f"\nLocust headless (FastHttpUser, no wait), {args.seconds}s a scenario, {args.users} "
        f"users ({args.login_users} for login/filing), {args.workers} gateway worker(s), "
        f"{database}, 127.0.0.1, {os.cpu_count()} cores"
    )
    header = (
        f"{'scenario':10} {'req/s':>8} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>7} "
        f"{'CPU ms/req':>10} {'ratio':>13} {'CPU ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        cpu = f"{r.cpu_ms:10.2f}" if r.cpu_ms is not None else f"{'-':>10}"
        cpu_ratio = f"{r.cpu_ratio:8.2f}x" if r.cpu_ratio is not None else f"{'-':>9}"
        if name in ("bare", "bare-read"):
            ratio = f"{'ceiling':>13}"
        elif r.ratio is not None:
            ratio = f"{r.ratio:5.2f}x {CEILING[name]:>7}"
        else:  # no ceiling for it, or its ceiling was not in this run
            ratio = f"{'-':>13}"
        print(
            f"{name:10} {r.rps:8.0f} {r.p50_ms:6.0f} {r.p95_ms:6.0f} {r.p99_ms:6.0f} "
            f"{r.failures:7d} {cpu} {ratio} {cpu_ratio}"
        )
    print(
        "(latencies in ms; CPU ms/req: user + system time per request of the process measured,"
        " the gateway's or the ceiling's;\n ratio: req/s of the ceiling's; CPU ratio: the"
        " ceiling's CPU per request over this one's, steadier than req/s on a shared machine)"
    )
    for line in _notes(results):
        print(line)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out: Path = args.out / f"bench-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "database": database,
                "workers": args.workers,
                "seconds": args.seconds,
                "users": args.users,
                "login_users": args.login_users,
                "cores": os.cpu_count(),
                "results": {name: vars(row) for name, row in results.items()},
            },
            indent=2,
        )
    )
    print(f"\nwritten: {out}")
    if args.profile:
        for name in results:
            recorded = args.profile / f"{name}.txt"
            if recorded.exists():
                print()
                print(profile.render(name, profile.summarise(recorded.read_text())))
    return out


def _notes(results: dict[str, Row]) -> list[str]:
    """What the table does not show: how logins were paced, what was counted beside the
    errors, and what the errors were."""
    lines = []
    for name, r in results.items():
        said = []
        if "paced_at_rps" in r.extra:
            said.append(f"paced at {r.extra['paced_at_rps']:g} logins/s (half of login's peak)")
        if "twin_logins" in r.extra:
            said.append(f"{r.extra['twin_logins']} twin logins (one person on two devices at once)")
        if r.extra.get("face_retries"):
            said.append(
                f"{r.extra['face_retries']} face false rejects of the simulated sensor, started "
                "again (not errors)"
            )
        if r.extra.get("voided_retries"):
            said.append(
                f"{r.extra['voided_retries']} challenges voided by the person's other device "
                "starting first, started again (not errors)"
            )
        for message, count in sorted(r.extra.get("errors", {}).items()):
            said.append(f"error x{count}: {message}")
        if said:
            lines.append(f"{name}: " + "; ".join(said))
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    report(run(args), args)


if __name__ == "__main__":
    main()
