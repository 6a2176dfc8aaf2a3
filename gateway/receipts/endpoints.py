"""The trust endpoints: the gateway's TSA over HTTP, and what a verifier needs (R-10.4).

    POST /v1/trust/tsa            RFC 3161 §3.4: a DER TimeStampReq in, a TimeStampResp out
    GET  /v1/trust/tsa.pem        the TSA certificate, then the CA certificate
    GET  /v1/trust/ca.pem         the root CA certificate: the trust anchor
    GET  /v1/trust/receipt-keys   the JWKS of every key receipts were ever signed with
    GET  /v1/trust/certification-keys
                                  the JWKS of the keys connector certifications are signed with

Public and without login: a receipt must be checkable by anyone, offline, with these files.
The authority and the signers are `app.state.tsa`, `app.state.receipt_signer` and
`app.state.certification_signer`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from gateway.receipts.signer import CertificationSigner, ReceiptSigner
from gateway.receipts.tsa import TimestampAuthority
from kernel.errors import PayloadTooLarge, UnsupportedMediaType
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1/trust", tags=["trust"])

TIMESTAMP_QUERY = "application/timestamp-query"  # RFC 3161 §3.4
TIMESTAMP_REPLY = "application/timestamp-reply"
PEM_CHAIN = "application/pem-certificate-chain"  # RFC 8555 §9.1
MAX_QUERY_BYTES = 64 * 1024  # a TimeStampReq is ~60 bytes; anything near this is not one
_CERTIFICATE_CACHE = {"Cache-Control": "public, max-age=3600"}
_BINARY = {
    "schema": {"type": "string", "format": "binary"},
}


def _authority(request: Request) -> TimestampAuthority:
    authority: TimestampAuthority = request.app.state.tsa
    return authority


async def _query_body(request: Request) -> bytes:
    """The request body, refused if it is not a time-stamp query or is larger than a query."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != TIMESTAMP_QUERY:
        raise UnsupportedMediaType(
            f"Send the DER TimeStampReq as {TIMESTAMP_QUERY} (RFC 3161 §3.4)."
        )
    too_large = PayloadTooLarge(f"A time-stamp query is at most {MAX_QUERY_BYTES} bytes.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_QUERY_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_QUERY_BYTES:  # a lying or absent Content-Length
            raise too_large
    return bytes(body)


@router.post(
    "/tsa",
    response_class=Response,
    openapi_extra={
        "requestBody": {"required": True, "content": {TIMESTAMP_QUERY: _BINARY}},
    },
    responses={
        200: {"content": {TIMESTAMP_REPLY: _BINARY}},
        **problem_responses("unsupported_media_type", "payload_too_large"),
    },
)
async def timestamp(request: Request) -> Response:
    """RFC 3161 time-stamping over HTTP. A well-formed request that the TSA refuses (e.g. a
    SHA-1 imprint) is still HTTP 200: the refusal is the TimeStampResp's status (§2.4.2).
    Check the answer with `openssl ts -verify -queryfile q.tsq -in r.tsr -CAfile ca.pem`."""
    query = await _query_body(request)
    # One ECDSA signature (tens of microseconds): cheaper inline than a trip to a thread.
    reply = _authority(request).handle_request(query)
    return Response(reply, media_type=TIMESTAMP_REPLY, headers={"Cache-Control": "no-store"})


@router.get(
    "/tsa.pem",
    response_class=Response,
    responses={200: {"content": {PEM_CHAIN: {"schema": {"type": "string"}}}}},
)
async def tsa_certificate_chain(request: Request) -> Response:
    """The TSA certificate followed by the development root CA certificate (PEM)."""
    return Response(
        _authority(request).certificate_chain_pem, media_type=PEM_CHAIN, headers=_CERTIFICATE_CACHE
    )


@router.get(
    "/ca.pem",
    response_class=Response,
    responses={200: {"content": {PEM_CHAIN: {"schema": {"type": "string"}}}}},
)
async def ca_certificate(request: Request) -> Response:
    """The root CA certificate (PEM): the trust anchor for every token (`-CAfile`)."""
    return Response(
        _authority(request).ca_certificate_pem, media_type=PEM_CHAIN, headers=_CERTIFICATE_CACHE
    )


@router.get(
    "/receipt-keys",
    response_class=JSONResponse,
    responses={200: {"content": {"application/jwk-set+json": {"schema": {"type": "object"}}}}},
)
async def receipt_keys(request: Request) -> JSONResponse:
    """The JWKS (RFC 7517) of the receipt keys: the current one and every earlier one, since a
    receipt must verify for years (R-10.4)."""
    signer: ReceiptSigner = request.app.state.receipt_signer
    body: dict[str, Any] = signer.jwks()
    return JSONResponse(body, media_type="application/jwk-set+json", headers=_CERTIFICATE_CACHE)


@router.get(
    "/certification-keys",
    response_class=JSONResponse,
    responses={200: {"content": {"application/jwk-set+json": {"schema": {"type": "object"}}}}},
)
async def certification_keys(request: Request) -> JSONResponse:
    """The JWKS (RFC 7517) of the keys that sign connector certification summaries
    (`citizen-gateway certify`): anyone can check a summary an agency shows against it."""
    signer: CertificationSigner = request.app.state.certification_signer
    body: dict[str, Any] = signer.jwks()
    return JSONResponse(body, media_type="application/jwk-set+json", headers=_CERTIFICATE_CACHE)
