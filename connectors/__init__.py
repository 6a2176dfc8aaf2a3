"""How agencies plug into the gateway: ports (what the gateway asks of an agency), connectors
(how a given agency answers, over HTTP), and the errors a caller acts on.

    from connectors import CivilRegistry, CardQuery, CardCheckCode
    from connectors.api.dopa import DopaRegistry, DopaConfig
"""

from connectors.civil_registry import (
    CardCheck,
    CardCheckCode,
    CardQuery,
    CivilRegistry,
    PersonRecord,
)
from connectors.errors import (
    AgencyMisconfigured,
    AgencyRejected,
    AgencyUnavailable,
    ConnectorError,
)

__all__ = [
    "AgencyMisconfigured",
    "AgencyRejected",
    "AgencyUnavailable",
    "CardCheck",
    "CardCheckCode",
    "CardQuery",
    "CivilRegistry",
    "ConnectorError",
    "PersonRecord",
]
