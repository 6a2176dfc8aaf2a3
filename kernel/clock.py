"""One clock for the whole gateway.

Every component asks an injected `Clock` for the time instead of calling `datetime.now()`, so
that in simulation mode an operator can move time (to a holiday, past a deadline, seven days
on for an overdue notice) and every rule sees the same moment.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

MAX_ADVANCE = dt.timedelta(days=3660)
# Simulated time stays within these bounds: beyond them date arithmetic overflows.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def check_simulated_time(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError("the simulated time must carry a timezone offset")
    if not EARLIEST <= instant <= LATEST:
        raise ValueError(f"simulated time must lie between {EARLIEST:%Y} and {LATEST:%Y}")
    return instant


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time. Production uses only this."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class SimulatedClock:
    """Real time shifted by an offset an operator sets; time keeps flowing from there."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0), real: Clock | None = None) -> None:
        self._real = real or SystemClock()
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> dt.timedelta:
        return self._offset

    def now(self) -> dt.datetime:
        return self._real.now() + self._offset

    def offset_to(self, instant: dt.datetime) -> dt.timedelta:
        """The offset that makes now() return `instant`."""
        return check_simulated_time(instant) - self._real.now()

    def set(self, instant: dt.datetime) -> dt.datetime:
        check_simulated_time(instant)
        with self._lock:
            self._offset = instant - self._real.now()
        return self.now()

    def advance(self, seconds: float) -> dt.datetime:
        step = advance_step(seconds)
        with self._lock:
            check_simulated_time(self.now() + step)
            self._offset += step
        return self.now()

    def adopt(self, offset: dt.timedelta) -> None:
        """Take an offset another process stored (keeps all processes on one time)."""
        with self._lock:
            self._offset = offset


def advance_step(seconds: float) -> dt.timedelta:
    step = dt.timedelta(seconds=seconds)
    if not dt.timedelta(0) < step <= MAX_ADVANCE:
        raise ValueError(f"advance must be more than 0 and at most {MAX_ADVANCE.days} days")
    return step
