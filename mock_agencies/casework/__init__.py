"""The casework engine the API-kind mock agencies share (DLT, SSO, RD).

An agency is an `Agency` subclass (its offices, services, fees, what approval does, its
once-only data endpoints); `CaseworkApps(subclass)` builds its app with `create_casework_app`,
which gives it the data-exchange door (consumer key + token), cases with idempotent filing and
office routing (R-10.5, R-10.6), staff actions and automatic rules, issued documents, and signed
callbacks to the gateway (docs/agency-integration.md, "The API-kind agency back end" and
"Callbacks").
"""

from mock_agencies.casework.agency import DEMO_PIDS, Agency, Office, checked_pid
from mock_agencies.casework.app import (
    AgencyOptions,
    CaseworkApps,
    CaseworkOptions,
    create_casework_app,
    environment_options,
)
from mock_agencies.casework.callbacks import LateTransport, RetryPolicy, sign
from mock_agencies.casework.credentials import AgencyCredentials, load_agency_credentials
from mock_agencies.casework.engine import Casework
from mock_agencies.casework.errors import (
    CaseworkError,
    InvalidRequest,
    NotEligible,
    NotFound,
    NotOurCase,
)
from mock_agencies.casework.model import Case, Fee, Status
from mock_agencies.casework.schemas import Rules, Submission
from mock_agencies.dev_credentials import credentials_path

__all__ = [
    "DEMO_PIDS",
    "Agency",
    "AgencyCredentials",
    "AgencyOptions",
    "Case",
    "Casework",
    "CaseworkApps",
    "CaseworkError",
    "CaseworkOptions",
    "Fee",
    "InvalidRequest",
    "LateTransport",
    "NotEligible",
    "NotFound",
    "NotOurCase",
    "Office",
    "RetryPolicy",
    "Rules",
    "Status",
    "Submission",
    "checked_pid",
    "create_casework_app",
    "credentials_path",
    "environment_options",
    "load_agency_credentials",
    "sign",
]
