"""The gateway's certification key, as the `certify` command (which signs a run's summary) and
the app (which publishes the key and checks summaries at onboarding step 10) both load it:
`VAR_DIR/keys/certification/certification-es256.pem`, generated on first use in development,
provisioned in production (gateway.receipts.signer)."""

from __future__ import annotations

from gateway.config import Environment, Settings
from gateway.receipts.signer import CertificationSigner


def certification_signer(settings: Settings) -> CertificationSigner:
    return CertificationSigner.load_or_create(
        settings.var_dir / "keys" / "certification",
        production=settings.env is Environment.PRODUCTION,
    )
