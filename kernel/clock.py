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

    def set(self, instant: dt.datetime) -> dt.datetime:
        if instant.tzinfo is None:
            raise ValueError("the simulated time must carry a timezone offset")
        with self._lock:
            self._offset = instant - self._real.now()
        return self.now()

    def advance(self, seconds: float) -> dt.datetime:
        step = dt.timedelta(seconds=seconds)
        if not dt.timedelta(0) < step <= MAX_ADVANCE:
            raise ValueError(f"advance must be more than 0 and at most {MAX_ADVANCE.days} days")
        with self._lock:
            self._offset += step
        return self.now()

    def adopt(self, offset: dt.timedelta) -> None:
        """Take an offset another process stored (keeps all processes on one time)."""
        with self._lock:
            self._offset = offset
