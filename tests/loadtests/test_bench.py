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


def test_the_defaults_measure_the_reads_and_their_ceilings() -> None:
    args = parse_args([])
    assert args.scenarios == ["bare", "bare-read", "catalog", "status", "inbox", "login"]
    assert args.workers == 1
    assert args.database == "sqlite"


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
