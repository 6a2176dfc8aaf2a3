"""Every table of the gateway, imported in one place for Alembic and the test fixtures."""

from gateway.admin.models import SimulationClock
from gateway.catalog.models import Agency, AgencyUnit, EService, EServiceLifeStage, ExtraHoliday

__all__ = [
    "Agency",
    "AgencyUnit",
    "EService",
    "EServiceLifeStage",
    "ExtraHoliday",
    "SimulationClock",
]
