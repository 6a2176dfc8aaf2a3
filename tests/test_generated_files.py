"""What the commands generate (reports, benchmark results) lands where git ignores it, so a
run never leaves files to commit by accident."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from connectors.certification import DEFAULT_JUNIT_PATH
from loadtests.bench import RESULTS

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "generated",
    [
        DEFAULT_JUNIT_PATH,  # citizen-gateway certify --junit
        RESULTS / "bench-20260101T000000Z.json",  # make bench
        Path("var/gateway.db"),  # the development database and keys
        Path("var/compliance/matrix.html"),  # citizen-gateway compliance
    ],
    ids=str,
)
def test_generated_files_are_git_ignored(generated: Path) -> None:
    git = shutil.which("git")
    if git is None or not (REPOSITORY / ".git").exists():
        pytest.skip("not a git checkout")
    assert not generated.is_absolute()
    checked = subprocess.run(  # noqa: S603 - git itself, a fixed path to check
        [git, "-C", str(REPOSITORY), "check-ignore", "--no-index", "-q", str(generated)],
        check=False,
    )
    assert checked.returncode == 0, f"{generated} is not git-ignored"
