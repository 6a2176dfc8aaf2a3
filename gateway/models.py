"""Every table of the system, imported in one place for Alembic and the test fixtures."""

from gateway.applications.models import TABLES as APPLICATION_TABLES
from gateway.audit.models import AuditChainHead, AuditEntry, DataAccess
from gateway.catalog.models import Agency, AgencyUnit, EService, EServiceLifeStage, ExtraHoliday
from gateway.clock import SimulationClock
from gateway.documents.models import TABLES as DOCUMENT_TABLES
from gateway.forwarding.models import TABLES as FORWARDING_TABLES
from gateway.idempotency import IdempotencyRecord
from gateway.know.models import Consent
from gateway.onboarding.models import TABLES as ONBOARDING_TABLES
from gateway.tracking.models import TABLES as TRACKING_TABLES
from identity import TABLES as IDENTITY_TABLES
from payments.models import TABLES as PAYMENT_TABLES

__all__ = [
    "APPLICATION_TABLES",
    "DOCUMENT_TABLES",
    "FORWARDING_TABLES",
    "IDENTITY_TABLES",
    "ONBOARDING_TABLES",
    "PAYMENT_TABLES",
    "TRACKING_TABLES",
    "Agency",
    "AgencyUnit",
    "AuditChainHead",
    "AuditEntry",
    "Consent",
    "DataAccess",
    "EService",
    "EServiceLifeStage",
    "ExtraHoliday",
    "IdempotencyRecord",
    "SimulationClock",
]
