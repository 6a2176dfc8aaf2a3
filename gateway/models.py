"""Every table of the system, imported in one place for Alembic and the test fixtures."""

from gateway.admin.models import SimulationClock
from gateway.catalog.models import Agency, AgencyUnit, EService, EServiceLifeStage, ExtraHoliday
from identity.oidc.models import TABLES as OIDC_TABLES
from identity.verification.models import AttemptCounter, Citizen, IdentityVerification

__all__ = [
    "OIDC_TABLES",
    "Agency",
    "AgencyUnit",
    "AttemptCounter",
    "Citizen",
    "EService",
    "EServiceLifeStage",
    "ExtraHoliday",
    "IdentityVerification",
    "SimulationClock",
]
