"""Making an e-document: the PDF rendered, PAdES-signed under the issuing agency's
document-signing certificate and time-stamped by the gateway's own TSA, and the same facts as
a signed credential. CPU work, done in a thread so the event loop (and any citizen's request
the process is serving) never waits on a signature; only the worker calls it.

It also publishes what outside validators need: the document root CA, its CRL, each signing
certificate's status, and the JWKS of the credentials' keys.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from documents.credential import issue_credential, public_jwk
from documents.facts import DocumentFacts
from documents.pades import sign_pdf
from documents.render import render_pdf
from documents.trust import AgencySigner, DocumentTrust
from gateway.receipts.tsa import TimestampAuthority
from kernel.clock import Clock

#: Where the public trust material is served (gateway/documents/public_endpoints.py).
CRL_PATH = "/v1/trust/documents/crl"


@dataclass(frozen=True)
class Produced:
    pdf: bytes
    credential: str
    signer_serial: str  # hex


def _x5c(signer: AgencySigner) -> list[str]:
    chain = (signer.certificate, *signer.chain)
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]


class DocumentSigning:
    def __init__(self, trust: DocumentTrust, tsa: TimestampAuthority, public_url: str) -> None:
        self.trust = trust
        self.tsa = tsa
        self.public_url = public_url.rstrip("/")
        self._tsa_roots = tuple(x509.load_pem_x509_certificates(tsa.ca_certificate_pem.encode()))

    @classmethod
    def load_or_create(
        cls,
        directory: Path,
        tsa: TimestampAuthority,
        *,
        public_url: str,
        production: bool,
        clock: Clock,
    ) -> DocumentSigning:
        trust = DocumentTrust.load_or_create(
            directory,
            production=production,
            crl_url=f"{public_url.rstrip('/')}{CRL_PATH}",
            clock=clock,
        )
        return cls(trust, tsa, public_url)

    def issuer_url(self, agency_code: str) -> str:
        """Who issues an agency's credentials: the agency, at the portal."""
        return f"{self.public_url}/v1/agencies/{agency_code}"

    def verify_url(self, code: str) -> str:
        return f"{self.public_url}/verify/{code}"

    async def produce_many(
        self, documents: Sequence[tuple[DocumentFacts, dt.datetime]]
    ) -> list[Produced]:
        """The signed PDFs and credentials of several documents, one after another in one trip
        to a thread (see the module)."""

        def all_of_them() -> list[Produced]:
            return [self._produce(facts, issued_at) for facts, issued_at in documents]

        return await asyncio.to_thread(all_of_them)

    def _produce(self, facts: DocumentFacts, issued_at: dt.datetime) -> Produced:
        signer = self.trust.signer(facts.agency_code)
        pdf = render_pdf(facts)
        signed = asyncio.run(
            sign_pdf(
                pdf,
                signer,
                timestamp=self.tsa.handle_request,
                tsa_roots=self._tsa_roots,
                crls=[self.trust.crl_der()],
                signing_time=issued_at,
                reason=f"{facts.title_en} {facts.number}",
            )
        )
        credential = issue_credential(
            facts,
            issuer=self.issuer_url(facts.agency_code),
            private_key=signer.private_key,
            kid=signer.kid,
            issued_at=issued_at,
        )
        return Produced(signed, credential, format(signer.certificate.serial_number, "x"))

    def jwks(self) -> dict[str, Any]:
        """The keys credentials are signed with: every agency's current signing key."""
        return {
            "keys": [
                public_jwk(s.certificate.public_key(), s.kid, _x5c(s))  # type: ignore[arg-type]
                for s in self.trust.signers()
            ]
        }
