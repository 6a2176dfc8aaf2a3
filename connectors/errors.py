"""What can go wrong when the gateway calls an agency, as three kinds a caller acts on.

ConnectorError
├── AgencyUnavailable       the agency could not answer now (network, timeout, 429, 5xx,
│   │                       outage, a garbled reply): retry later; nothing is known about the
│   │                       request's effect (a retry with the same idempotency key is safe)
│   └── CircuitOpen         no call was made: the agency failed too often lately and its
│                           circuit breaker is open until `retry_at` (monotonic seconds)
├── AgencyRejected          the agency answered and refused (permanent; shown to the citizen);
│   │                       `code` is the agency's machine-readable reason
│   └── NotOurCase          the case belongs to another agency, `responsible_agency` (s.10 ¶2)
└── AgencyMisconfigured     our side is wrong (credentials, URL, a reply that breaks the
    │                       contract): an operator must act; retrying the same call will not help
    └── ConnectorNotAvailable   no working connector is loaded for this agency code
"""

from __future__ import annotations


class ConnectorError(Exception):
    def __init__(self, agency: str, message: str) -> None:
        super().__init__(f"{agency}: {message}")
        self.agency = agency
        self.message = message


class AgencyUnavailable(ConnectorError):
    retryable = True

    def __init__(self, agency: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(agency, message)
        self.retry_after = retry_after  # seconds the agency asked us to wait (429/503)


class CircuitOpen(AgencyUnavailable):
    def __init__(self, agency: str, *, retry_at: float) -> None:
        super().__init__(agency, "circuit open")
        self.retry_at = retry_at


class AgencyRejected(ConnectorError):
    retryable = False

    def __init__(self, agency: str, message: str, *, code: str | None = None) -> None:
        super().__init__(agency, message)
        self.code = code


class NotOurCase(AgencyRejected):
    def __init__(self, agency: str, message: str, *, responsible_agency: str) -> None:
        super().__init__(agency, message, code="not_our_case")
        self.responsible_agency = responsible_agency


class AgencyMisconfigured(ConnectorError):
    retryable = False


class ConnectorNotAvailable(AgencyMisconfigured):
    pass
