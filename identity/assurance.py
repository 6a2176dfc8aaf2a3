"""Identity assurance levels, and the step-up answer when a login is not strong enough.

Levels follow the Thai digital ID standard (IAL1.1 lowest ... IAL3). A service declares the
minimum it needs; a token below it gets RFC 9470's step-up challenge: 401 with
`WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values="IAL2.3"`, so the
app knows to run the face step again and come back.
"""

from __future__ import annotations

from kernel.assurance import AssuranceLevel, rank
from kernel.errors import Unauthorized

LEVELS = tuple(level.value for level in AssuranceLevel)


def meets(level: str | None, minimum: str) -> bool:
    return rank(level) >= rank(minimum)


class StepUpRequired(Unauthorized):
    status, code = 401, "insufficient_user_authentication"


def require_assurance(level: str | None, minimum: str) -> None:
    if not meets(level, minimum):
        raise StepUpRequired(
            f"This needs identity assurance {minimum}; the login reached {level or 'none'}.",
            headers={
                "WWW-Authenticate": (
                    'Bearer error="insufficient_user_authentication", '
                    f'error_description="assurance {minimum} required", acr_values="{minimum}"'
                )
            },
            extra={"required_acr": minimum, "current_acr": level},
        )
