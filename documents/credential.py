"""An issued document as a signed credential, for apps that want data rather than a PDF.

Shape: a W3C Verifiable Credential (Data Model 1.1) in its JWT encoding (`vc+jwt`, the
`jwt_vc_json` format of OpenID for Verifiable Credential Issuance). Chosen because any JOSE
library verifies it with nothing but the published JWKS, wallets that speak OpenID4VCI accept
it, and it carries the same facts as the PDF and nothing more. SD-JWT would let the holder hide
single items, but the document's items are already the minimum the document shows; it can be
added beside this shape later without changing it.

    header   {"alg": "ES256", "typ": "vc+jwt", "kid": <RFC 7638 thumbprint>}
    payload  {"iss": <the issuing agency at the portal>, "jti": <the verification URL>,
              "iat"/"nbf": issued, "exp": end of the last valid day (when it lapses),
              "vc": {"@context": [...], "type": ["VerifiableCredential", <Kind>],
                     "credentialSubject": {<printed item key>: {"th": …, "en": …}, …},
                     "credentialStatus": {"id": <verification URL>, "type": …}}}

The key is the agency's document-signing key, the one that signs the PDF: its certificate
chains to the portal's document root CA, and its public key is in the portal's documents JWKS,
whose entry carries that chain (`x5c`). The header names the key only (`kid`): with the chain
in every token, common JOSE libraries refuse the header as oversized.
Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from documents.facts import DocumentFacts

CREDENTIAL_TYPE = "vc+jwt"
MEDIA_TYPE = "application/vc+jwt"
_CONTEXT = "https://www.w3.org/2018/credentials/v1"
_STATUS_TYPE = "CitizenGatewayVerificationPage"
_BANGKOK = dt.timezone(dt.timedelta(hours=7))


class CredentialInvalid(ValueError):
    """The token is not a credential the published keys vouch for."""


def subject_of(facts: DocumentFacts) -> dict[str, dict[str, str]]:
    """What the credential says about its subject: every printed item, both languages."""
    return {item.key: {"th": item.value_th, "en": item.value_en} for item in facts.printed()}


def issue_credential(
    facts: DocumentFacts,
    *,
    issuer: str,
    private_key: ec.EllipticCurvePrivateKey,
    kid: str,
    issued_at: dt.datetime,
) -> str:
    """The compact JWS of `facts` as a VC-JWT (see the module docstring)."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "jti": facts.verify_url,
        "iat": int(issued_at.timestamp()),
        "nbf": int(issued_at.timestamp()),
        "vc": {
            "@context": [_CONTEXT],
            "type": ["VerifiableCredential", _type_name(facts)],
            "credentialSubject": subject_of(facts),
            "credentialStatus": {"id": facts.verify_url, "type": _STATUS_TYPE},
        },
    }
    if facts.valid_until is not None:
        # The document is good through its last day, Bangkok time.
        end = dt.datetime.combine(facts.valid_until + dt.timedelta(days=1), dt.time(), _BANGKOK)
        claims["exp"] = int(end.timestamp())
    header = {"alg": "ES256", "typ": CREDENTIAL_TYPE, "kid": kid}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return jws.serialize_compact(header, payload.encode(), ECKey.import_key(private_key))


def verify_credential(token: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """The claims of `token` when a key in `jwks` signed it (ES256 only); CredentialInvalid
    otherwise. Lapse (`exp`) is for the caller to judge: an expired document still verifies
    as the document it was."""
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
        signed = jws.deserialize_compact(token, keys, algorithms=["ES256"])
    except (JoseError, ValueError, TypeError) as exc:
        raise CredentialInvalid(f"the credential does not verify: {exc}") from exc
    if signed.headers().get("typ") != CREDENTIAL_TYPE:
        raise CredentialInvalid("not a vc+jwt")
    claims: dict[str, Any] = json.loads(signed.payload)
    return claims


def public_jwk(
    public_key: ec.EllipticCurvePublicKey, kid: str, x5c: Sequence[str]
) -> dict[str, Any]:
    """One key of the documents JWKS: the agency's document-signing key, with its chain."""
    members = ECKey.import_key(public_key).as_dict(private=False)
    return {**members, "kid": kid, "use": "sig", "alg": "ES256", "x5c": list(x5c)}


def _type_name(facts: DocumentFacts) -> str:
    return "".join(part.capitalize() for part in facts.kind.value.split("_")) + "Credential"
