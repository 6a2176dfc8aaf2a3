"""Helpers for the receipt trust tests (importable as `receipts_support`; pytest puts this
directory on the path)."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable

#: The instant the TSA's clock shows in these tests (a Pi day, to the microsecond).
FIXED_INSTANT = dt.datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=dt.UTC)

#: `openssl(*args)` as the `openssl` fixture gives it.
Runner = Callable[..., subprocess.CompletedProcess[str]]


class FixedClock:
    """A clock that shows what the test sets (kernel.clock.Clock)."""

    def __init__(self, instant: dt.datetime = FIXED_INSTANT) -> None:
        self.instant = instant

    def now(self) -> dt.datetime:
        return self.instant
