"""What can go wrong when the gateway calls an agency, as three kinds a caller acts on.

ConnectorError
├── AgencyUnavailable     the agency could not answer now (network, timeout, 5xx, outage):
│                         retry later; nothing is known about the request's effect
├── AgencyRejected        the agency answered and refused (permanent; shown to the citizen)
└── AgencyMisconfigured   our side is wrong (credentials, URL, a reply we cannot read):
                          an operator must act; retrying the same call will not help
"""

from __future__ import annotations


class ConnectorError(Exception):
    def __init__(self, agency: str, message: str) -> None:
        super().__init__(f"{agency}: {message}")
        self.agency = agency
        self.message = message


class AgencyUnavailable(ConnectorError):
    retryable = True


class AgencyRejected(ConnectorError):
    retryable = False


class AgencyMisconfigured(ConnectorError):
    retryable = False
