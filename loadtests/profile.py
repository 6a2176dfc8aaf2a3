"""Where the gateway's CPU goes during a bench scenario: py-spy samples, summarised.

`python -m loadtests.bench --profile DIR` records each gateway scenario with py-spy (all
gateway processes, the thread holding the GIL: the Python work) into
`DIR/<scenario>.txt` as collapsed stacks, and prints the top frames of each:

- *self*: the frames the samples were in (where the time is spent);
- *inclusive*: the project's own functions (gateway, identity, kernel, persistence) with
  everything they called (which of our code paths costs what).

`python -m loadtests.profile DIR/status.txt` prints the same summary for a recorded file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
OURS = ("gateway/", "identity/", "kernel/", "persistence/")


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy recording `pid` and its children for `seconds`, as collapsed stacks."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(  # noqa: S603
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--rate",
            "250",
            # Only the thread holding the GIL: where Python work is done. Without it the idle
            # threads of the database driver (waiting in C) read as busy on this kind of VM.
            "--gil",
            "--duration",
            str(seconds),
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@dataclass(frozen=True)
class Summary:
    samples: int
    self_top: list[tuple[str, int]]
    ours_top: list[tuple[str, int]]


def _frames(stack: str) -> list[str]:
    # "process 123:\"...\";thread (0x7f..);fn (path/file.py:10);..." -> the function frames
    return [f for f in stack.split(";") if "(" in f and not f.startswith(("process ", "thread "))]


def _short(frame: str) -> str:
    """`fn (…/site-packages/pkg/mod.py:12)` -> `fn (pkg/mod.py)`: lines differ, functions count."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        for ours in OURS:
            if f"/{ours}" in path:
                path = ours + path.split(f"/{ours}", 1)[1]
                break
    return f"{name} ({path})"


def summarise(raw: str, top: int = 12) -> Summary:
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in _frames(stack)]
        if not frames:
            continue
        total += count
        leaf[frames[-1]] += count
        for frame in set(frames):
            if frame.split(" (", 1)[1].startswith(OURS):
                inclusive[frame] += count
    return Summary(total, leaf.most_common(top), inclusive.most_common(top))


def render(name: str, summary: Summary) -> str:
    if not summary.samples:
        return f"{name}: no samples (is py-spy allowed to attach? it needs ptrace)"

    def share(count: int) -> str:
        return f"{100 * count / summary.samples:5.1f}%"

    lines = [f"{name}: {summary.samples} samples", "  self (where the time is spent):"]
    lines += [f"    {share(n)}  {frame}" for frame, n in summary.self_top]
    lines.append("  inclusive (the project's functions, with what they call):")
    lines += [f"    {share(n)}  {frame}" for frame, n in summary.ours_top]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.profile",
        description="Summarise a py-spy raw (collapsed stacks) file the bench recorded.",
    )
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    for path in args.files:
        print(render(path.stem, summarise(path.read_text(), args.top)))


if __name__ == "__main__":
    main()
