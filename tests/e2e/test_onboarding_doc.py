"""docs/onboarding.md's curl example, as printed, against a `make run` (its demo's onboarding
cases seeded): a service selected, moved through two steps with the versions it names, its
flow model stored, and the lists and the summary read."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from makerun import ROOT, MakeRun, environment, make_run, needs_make
from test_readme import documents, readme_block

pytestmark = needs_make

PAGE = ROOT / "docs" / "onboarding.md"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MakeRun, Path]]:
    workdir = tmp_path_factory.mktemp("onboarding-doc")
    with make_run(workdir) as run:
        checkout = workdir / "checkout"
        checkout.mkdir()
        (checkout / ".venv").symlink_to(ROOT / ".venv")
        (checkout / "var").symlink_to(run.var)
        yield run, checkout


def test_the_onboarding_example_runs_as_printed(running: tuple[MakeRun, Path]) -> None:
    run, checkout = running
    port = run.gateway_url.rsplit(":", 1)[1]
    done = subprocess.run(  # noqa: S603 - bash running the page's own text
        [
            "/bin/bash",
            "-c",
            "set -eo pipefail\n"
            + readme_block("ID=$(curl", page=PAGE).replace("localhost:8000", f"localhost:{port}"),
        ],
        cwd=checkout,
        env=environment(run.var),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    selected, approved, model, models, adapting, case, summary = documents(done.stdout)
    assert (selected["step"]["key"], approved["step"]["key"]) == (
        "management_approval",
        "invite_agency",
    )
    assert approved["version"] == 3
    assert (model["version"], [m["version"] for m in models["items"]]) == (1, [1])
    # The demo's case of SSO's maternity benefit, adapting its system for too long.
    assert [(c["service_id"], c["overdue"]) for c in adapting["items"]] == [
        ("sso-maternity-benefit", True)
    ]
    assert [e["action"] for e in case["history"]] == ["open", "complete", "approve"]
    assert case["flow_model_version"] == 1
    assert summary["by_status"] == {"open": 4, "closed": 1, "live": 1}
    assert summary["portal"]["text_en"].endswith("services live in 12 categories")
