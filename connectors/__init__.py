"""How agencies plug into the gateway: ports (what the gateway asks of an agency), connectors
(how a given agency answers, over HTTP), the registry that loads them, the retry/breaker policy
around their calls, and the errors a caller acts on.

    from connectors import ConnectorRegistry, ConnectorConfig, Submission, AgencyRejected
    from connectors import CivilRegistry, CardQuery, CardCheckCode
    from connectors.api.dopa import DopaRegistry, DopaConfig
    from connectors.api.casework import CaseworkConnector      # Agency Case API v1

An agency team writing a connector starts from `connectors/template/README.md`.
"""

from connectors.base import (
    AgencyEvent,
    AgencyStatus,
    Applicant,
    AttachmentRef,
    Bill,
    Bills,
    Cancels,
    Connector,
    Fee,
    Health,
    InformationAnswer,
    IssuesDocuments,
    PaymentNotice,
    ProvidesOnceOnlyData,
    ReceivesInformation,
    ReceivesPayments,
    StatusReport,
    Submission,
    SubmitResult,
)
from connectors.civil_registry import (
    CardCheck,
    CardCheckCode,
    CardQuery,
    CivilRegistry,
    PersonRecord,
)
from connectors.config import ConnectorConfig, PolicyConfig
from connectors.errors import (
    AgencyMisconfigured,
    AgencyRejected,
    AgencyUnavailable,
    CircuitOpen,
    ConnectorError,
    ConnectorNotAvailable,
    NotOurCase,
)
from connectors.policy import (
    AgencyPolicy,
    BreakerState,
    CircuitBreaker,
    RetryPolicy,
    call_with_policy,
)
from connectors.registry import GROUP, ConnectorFactory, ConnectorInfo, ConnectorRegistry

__all__ = [
    "GROUP",
    "AgencyEvent",
    "AgencyMisconfigured",
    "AgencyPolicy",
    "AgencyRejected",
    "AgencyStatus",
    "AgencyUnavailable",
    "Applicant",
    "AttachmentRef",
    "Bill",
    "Bills",
    "BreakerState",
    "Cancels",
    "CardCheck",
    "CardCheckCode",
    "CardQuery",
    "CircuitBreaker",
    "CircuitOpen",
    "CivilRegistry",
    "Connector",
    "ConnectorConfig",
    "ConnectorError",
    "ConnectorFactory",
    "ConnectorInfo",
    "ConnectorNotAvailable",
    "ConnectorRegistry",
    "Fee",
    "Health",
    "InformationAnswer",
    "IssuesDocuments",
    "NotOurCase",
    "PaymentNotice",
    "PersonRecord",
    "PolicyConfig",
    "ProvidesOnceOnlyData",
    "ReceivesInformation",
    "ReceivesPayments",
    "RetryPolicy",
    "StatusReport",
    "Submission",
    "SubmitResult",
    "call_with_policy",
]
