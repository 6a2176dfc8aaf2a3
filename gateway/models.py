"""Every table of the system, imported in one place for Alembic and the test fixtures."""

from gateway.admin.models import SimulationClock
from gateway.applications.models import TABLES as APPLICATION_TABLES
from gateway.audit.models import AuditChainHead, AuditEntry
from gateway.catalog.models import Agency, AgencyUnit, EService, EServiceLifeStage, ExtraHoliday
from gateway.forwarding.models import TABLES as FORWARDING_TABLES
from identity.oidc.models import TABLES as OIDC_TABLES
from identity.verification.models import AttemptCounter, Citizen, IdentityVerification

__all__ = [
    "APPLICATION_TABLES",
    "FORWARDING_TABLES",
    "OIDC_TABLES",
    "Agency",
    "AgencyUnit",
    "AttemptCounter",
    "AuditChainHead",
    "AuditEntry",
    "Citizen",
    "EService",
    "EServiceLifeStage",
    "ExtraHoliday",
    "IdentityVerification",
    "SimulationClock",
]
