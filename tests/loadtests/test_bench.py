"""The benchmark command: its options, and the table and JSON it reports (the load itself is
measured by `make bench`, never in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.bench import Row, parse_args, report, with_ratios


def test_unknown_scenarios_are_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--scenarios", "catalog,stauts"])
    assert exit_.value.code == 2
    assert "unknown scenario(s): stauts" in capsys.readouterr().err


def test_the_defaults_measure_the_reads_their_ceilings_and_the_login_at_half_its_peak() -> None:
    args = parse_args([])
    assert args.scenarios == [
        "bare",
        "bare-read",
        "catalog",
        "status",
        "inbox",
        "login",
        "login-half",
    ]
    assert args.workers == 1
    assert args.database == "sqlite"


def test_login_half_brings_the_login_whose_peak_it_halves() -> None:
    assert parse_args(["--scenarios", "status,login-half"]).scenarios == [
        "status",
        "login",
        "login-half",
    ]


def test_a_read_whose_ceiling_was_not_run_shows_no_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse_args(["--out", str(tmp_path), "--scenarios", "status"])
    report({"status": Row("status", 100, 0, 50.0, 10, 20, 30, cpu_ms=9.0)}, args)
    status_line = next(
        line for line in capsys.readouterr().out.splitlines() if line.startswith("status")
    )
    assert "ceiling" not in status_line
    assert status_line.rstrip().endswith("-")


def test_the_report_prints_each_scenario_with_its_ratio_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse_args(["--out", str(tmp_path), "--seconds", "3"])
    results = with_ratios(
        {
            "bare-read": Row("bare-read", 3000, 0, 1000.0, 7, 11, 14, cpu_ms=1.2),
            "status": Row("status", 1500, 2, 500.0, 60, 80, 190, cpu_ms=1.5),
            "login": Row("login", 60, 1, 20.0, 130, 350, 750, cpu_ms=48.9),
        }
    )
    written = report(results, args)
    printed = capsys.readouterr().out
    status_line = next(line for line in printed.splitlines() if line.startswith("status"))
    assert "0.50x bare-read" in status_line
    assert status_line.rstrip().endswith("0.80x")  # 1.2 ms of the ceiling's CPU over 1.5 ms
    assert "1.50" in status_line  # CPU ms per request
    assert " 2 " in status_line  # errors
    login_line = next(line for line in printed.splitlines() if line.startswith("login"))
    assert login_line.rstrip().endswith("-")  # no ceiling for a login
    saved = json.loads(written.read_text())
    assert saved["seconds"] == 3
    assert saved["results"]["status"]["ratio"] == 0.5
    assert saved["results"]["status"]["cpu_ratio"] == pytest.approx(0.8)
    assert saved["results"]["login"]["cpu_ms"] == 48.9


def test_the_logins_show_their_pace_twins_retries_and_errors_beside_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse_args(["--out", str(tmp_path), "--scenarios", "login-half"])
    login = Row("login", 300, 2, 20.0, 400, 900, 1200, cpu_ms=30.0)
    login.extra = {
        "twin_logins": 37,
        "face_retries": 2,
        "voided_retries": 3,
        "errors": {"face step: 500 internal_error": 2},
    }
    half = Row("login-half", 150, 0, 10.0, 90, 200, 280, cpu_ms=31.0)
    half.extra = {"paced_at_rps": 10.0, "twin_logins": 18, "face_retries": 0}
    written = report({"login": login, "login-half": half}, args)
    lines = capsys.readouterr().out.splitlines()
    half_line = next(line for line in lines if line.startswith("login-half "))
    assert " 280 " in half_line  # p99
    assert " 0 " in half_line  # no error
    notes = {line.split(":", 1)[0]: line for line in lines if line.startswith("login")}
    assert "37 twin logins" in notes["login"]
    assert "2 face false rejects" in notes["login"]
    assert "3 challenges voided by the person's other device" in notes["login"]
    assert "error x2: face step: 500 internal_error" in notes["login"]
    assert "paced at 10 logins/s" in notes["login-half"]
    assert "face false rejects" not in notes["login-half"]  # none: not mentioned
    saved = json.loads(written.read_text())
    assert saved["results"]["login-half"]["extra"]["paced_at_rps"] == 10.0
    assert saved["results"]["login"]["extra"]["face_retries"] == 2
