"""Operator state shared by every gateway process."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class SimulationClock(Base):
    """The simulated clock's offset from real time, so every process shows the same time."""

    __tablename__ = "simulation_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    offset_microseconds: Mapped[int] = mapped_column(BigInteger)
    # The CLOCK_START value last applied, so restarts with the same setting do not reset time.
    applied_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
