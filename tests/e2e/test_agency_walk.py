"""docs/agency-integration.md "A new agency in one sitting", done as the page says: its shell
blocks, as printed, from a directory shaped like the checkout, for the new agency DOEX (scaffold,
`pip install -e`, lint; `make run`; seed, the 13 onboarding steps with the connector certified at
step 9 and go-live publishing it; file as a citizen and see the case forwarded to DOEX's
mock). No file is edited by hand between the blocks.

The install goes into a fresh virtual environment, never into the checkout's `.venv` (other
tests and processes share it): the fresh one sees everything the checkout's `.venv` has (a
`.pth` listing that interpreter's path) plus what the walk installs, and `make run` runs with it
(`VENV=`). Installing the project itself again would take minutes on a busy machine for nothing
this test checks; its console script is the one thing a fresh venv lacks, and is written as pip
writes it. `pip install -e agencies/doex` fetches the build backend (hatchling) from the package
index, as it does for an agency team. Everything lives under the test's temporary directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from makerun import ROOT, MakeRun, environment, make_run, needs_make
from test_readme import documents, readme_block

pytestmark = needs_make

PAGE = ROOT / "docs" / "agency-integration.md"
CHECKLIST = ROOT / "docs" / "agency-onboarding-checklist.md"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"


def fresh_venv(where: Path) -> Path:
    """A virtual environment that sees what the checkout's `.venv` has, and installs apart."""
    subprocess.run(  # noqa: S603 - the standard library's venv, fixed arguments
        [sys.executable, "-m", "venv", str(where)], check=True, timeout=300
    )
    project, fresh = (
        subprocess.run(  # noqa: S603 - an interpreter, fixed arguments
            [str(python), "-c", "import sys; print('\\n'.join(p for p in sys.path if p))"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.splitlines()
        for python in (PROJECT_PYTHON, where / "bin" / "python")
    )
    (site,) = where.glob("lib/python*/site-packages")
    # Only what the project's environment adds (its site-packages, the editable checkout): the
    # standard library stays the fresh interpreter's own.
    (site / "zz_project_venv.pth").write_text("".join(f"{p}\n" for p in project if p not in fresh))
    script = where / "bin" / "citizen-gateway"
    script.write_text(
        f"#!{where}/bin/python\nimport sys\nfrom gateway.cli import main\nsys.exit(main())\n"
    )
    script.chmod(0o755)
    (where / ".installed-stamp").touch()  # make's install step: nothing to do
    return where


class Checkout:
    """Where the reader types: `.venv` (the fresh one), `docs`, `var` of the running stack."""

    def __init__(self, where: Path, venv: Path, var: Path) -> None:
        self.where = where
        where.mkdir()
        (where / ".venv").symlink_to(venv)
        (where / "docs").symlink_to(ROOT / "docs")
        (where / "var").symlink_to(var)
        self.var = var
        self.env = environment(var)
        self.running: MakeRun | None = None

    def sh(self, block: str, timeout: float = 300) -> str:
        if self.running is not None:
            gateway = self.running.gateway_url.rsplit(":", 1)[1]
            agencies = self.running.agencies_url.rsplit(":", 1)[1]
            block = block.replace("localhost:8000", f"localhost:{gateway}")
            block = block.replace("localhost:8100", f"localhost:{agencies}")
            self.env.update(
                CITIZEN_GATEWAY_PUBLIC_URL=self.running.gateway_url,
                CITIZEN_GATEWAY_AGENCIES_URL=self.running.agencies_url,
            )
        done = subprocess.run(  # noqa: S603 - bash running the page's own text
            ["/bin/bash", "-c", "set -eo pipefail\n" + block],
            cwd=self.where,
            env=self.env,
            stdin=subprocess.DEVNULL,  # no terminal: certify does not ask before filing
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, (
            f"{block}\nexit {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
        return done.stdout


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Checkout:
    workdir = tmp_path_factory.mktemp("walk")
    venv = fresh_venv(workdir / "venv")
    return Checkout(workdir / "checkout", venv, workdir / "var")


def test_a_new_agency_is_scaffolded_certified_and_filed_as_the_page_says(walk: Checkout) -> None:
    made = walk.sh(readme_block("agency scaffold DOEX", page=PAGE))
    assert "created agencies/doex/ for DOEX (api)" in made
    assert "1 services checked, 0 with findings, 0 findings" in made  # the stub lints clean
    package = walk.where / "agencies" / "doex"
    assert (package / "doex_agency" / "agency.toml").is_file()

    with make_run(walk.var.parent, venv=walk.where / ".venv") as running:
        walk.running = running
        index = httpx.get(f"{running.agencies_url}/", timeout=30).json()
        assert "DOEX" in {agency["code"] for agency in index["agencies"]}
        assert index["broken"] == []
        credentials = json.loads(
            (walk.var / "mock-agencies" / "agency-credentials.json").read_text()
        )
        assert "DOEX" in credentials  # made on demand, nobody wrote it

        onboarded = walk.sh(readme_block("certify --agency DOEX", page=PAGE))
        lines = onboarded.splitlines()
        assert any(line.startswith("DOEX: ") and line.endswith(": CERTIFIED") for line in lines)
        assert "outage" in onboarded
        # The signed summary names the agency's own package's version, which step 10 compares.
        assert "DOEX CaseworkConnector 1.0.0 certified" in onboarded
        live = [line for line in lines if "doex-example-permit" in line]
        assert live[-2].split()[-1] == "live"  # step 13's answer: the case is live
        assert live[-1] == "doex-example-permit is live"  # and the catalog shows it

        filed = walk.sh(readme_block('"service_id": "doex-example-permit"', page=PAGE))
        summary, staff_list = filed.split("\n", 1)
        number, status = summary.split()
        assert status == "forwarded"
        (cases,) = documents(staff_list)
        assert number in {case["application_number"] for case in cases["applications"]}

        # The checklist's sample requests against the mocks (DLT's Case API, its credentials
        # read from the development file as printed).
        health, filed_at_dlt, staff = documents(
            walk.sh(readme_block("gdx/auth/validate", page=CHECKLIST))
        )
        assert health["status"] == "ok"
        assert filed_at_dlt["status"] == "received"
        assert "SAMPLE-1" in {case["application_number"] for case in staff["applications"]}
        walk.running = None


def test_the_page_s_blocks_name_no_file_to_edit() -> None:
    """The walk is commands only: no editor, no `sed -i`, no heredoc into a file."""
    blocks = [
        readme_block(marker, page=PAGE)
        for marker in (
            "agency scaffold DOEX",
            "certify --agency DOEX",
            '"service_id": "doex-example-permit"',
        )
    ]
    for block in blocks:
        assert "sed -i" not in block
        assert "<<" not in block
        assert "$EDITOR" not in block
