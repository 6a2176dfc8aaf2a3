"""Progressive tariffs (electricity, water): each band's units at the band's rate. Pure."""

from __future__ import annotations

from collections.abc import Sequence

#: (the band's last unit, or None for the top band; the rate a unit)
Bands = Sequence[tuple[int | None, int]]


def banded(units: int, bands: Bands) -> int:
    """The charge for `units`: the units in each band at its rate, in the rates' money."""
    if units < 0:
        raise ValueError("units must not be negative")
    charge, below = 0, 0
    for last, rate in bands:
        top = units if last is None else min(units, last)
        if top > below:
            charge += (top - below) * rate
        if last is None or units <= last:
            break
        below = last
    return charge
