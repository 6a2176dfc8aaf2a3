"""Operator state shared by every gateway process."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base


class SimulationClock(Base):
    """The simulated clock's offset from real time, so every process shows the same time."""

    __tablename__ = "simulation_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    offset_microseconds: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
