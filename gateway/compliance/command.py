"""`citizen-gateway compliance`: the compliance matrix of RULES.md's rule ids and their tests.

    citizen-gateway compliance --run            run the rule-marked tests, then write the matrix
    citizen-gateway compliance --from FILE      the matrix of a results file the plugin wrote
    citizen-gateway compliance                  the last run's results (var/compliance/), or
                                                a new run when there are none

It writes `matrix.md`, `matrix.html` and `matrix.json` into `--out` (default
var/compliance/, beside the run's `results.json`, `junit.xml` and `pytest.log`), prints the
summary table, and exits 1 when a rule is uncovered or failing (or a test names an unknown
rule id), 2 when it cannot read or make the results.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from gateway.compliance.matrix import (
    build,
    render_html,
    render_json,
    render_markdown,
    summary_markdown,
)
from gateway.compliance.results import ResultsUnreadable, Run, load_results
from gateway.compliance.rules import load_rules
from gateway.config import Settings

#: The repository's root (where `tests/` is in a checkout).
ROOT = Path(__file__).resolve().parents[2]


def run_tests(
    results: Path, out: Path, paths: tuple[str, ...], select: str | None
) -> tuple[int, str]:
    """Run the rule-marked tests under `paths` in a child pytest; its exit code and the last
    line it printed (its whole output goes to `out/pytest.log`)."""
    out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "gateway.compliance.plugin",
        "-p",
        "no:cacheprovider",
        "-m",
        "rule",
        "-q",
        f"--rule-results={results}",
        f"--junitxml={out / 'junit.xml'}",
        *paths,
    ]
    if select:
        command += ["-k", select]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    log = done.stdout + done.stderr
    (out / "pytest.log").write_text(log, encoding="utf-8")
    lines = [line for line in log.splitlines() if line.strip()]
    return done.returncode, lines[-1] if lines else ""


@click.command()
@click.option("--run", "run_now", is_flag=True, help="Run the rule-marked tests now.")
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read the results of an earlier run (the plugin's JSON) instead of running.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the matrix (and a run's results) go. Default: var/compliance/.",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The rule list: a RULES.md, or a JSON copy. Default: the copy the project keeps.",
)
@click.option(
    "--tests",
    "test_paths",
    multiple=True,
    help="What --run runs (repeatable; default: tests/, from the repository's root).",
)
@click.option("-k", "select", default=None, help="With --run: pytest's -k expression.")
def compliance(
    run_now: bool,
    from_file: Path | None,
    out: Path | None,
    rules_file: Path | None,
    test_paths: tuple[str, ...],
    select: str | None,
) -> None:
    """The compliance matrix: every RULES.md rule id, the tests marked
    `@pytest.mark.rule(ID)` that check it, their results and the id's verdict
    (covered-passing, failing, uncovered). Exits 1 unless every rule is covered and passing."""
    if run_now and from_file is not None:
        raise click.UsageError("give --run or --from, not both")
    out = out or Settings().var_dir / "compliance"
    results = out / "results.json"
    try:
        rules = load_rules(rules_file)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        click.echo(f"cannot read the rule list: {exc}", err=True)
        sys.exit(2)
    if from_file is None and not run_now and not results.is_file():
        click.echo(f"no earlier results at {results}: running the tests", err=True)
        run_now = True
    if run_now:
        paths = test_paths or ("tests",)
        click.echo(f"running the rule-marked tests in {' '.join(paths)} …", err=True)
        code, last = run_tests(results, out, paths, select)
        click.echo(f"pytest: {last} (exit {code}; its output: {out / 'pytest.log'})", err=True)
        if code not in {0, 1}:
            click.echo(f"pytest did not finish its run (exit {code})", err=True)
            if not results.is_file():
                sys.exit(2)
    source = from_file or results
    try:
        run: Run = load_results(source)
    except FileNotFoundError:
        click.echo(f"no results file at {source}", err=True)
        sys.exit(2)
    except (OSError, ResultsUnreadable) as exc:
        click.echo(f"cannot read the results: {exc}", err=True)
        sys.exit(2)
    matrix = build(rules, run)
    out.mkdir(parents=True, exist_ok=True)
    (out / "matrix.md").write_text(render_markdown(matrix), encoding="utf-8")
    (out / "matrix.html").write_text(render_html(matrix), encoding="utf-8")
    (out / "matrix.json").write_text(render_json(matrix), encoding="utf-8")
    click.echo(summary_markdown(matrix), nl=False)
    click.echo(f"matrix written to {out}/matrix.md, .html and .json", err=True)
    if run.pytest_exit not in {None, 0, 1}:
        sys.exit(1)
    sys.exit(0 if matrix.ok else 1)
