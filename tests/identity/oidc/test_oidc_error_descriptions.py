"""Every error of POST /oauth/token and POST /oauth/revoke carries `error` and a non-empty
`error_description` (RFC 6749 §5.2, as docs/api.md promises), whatever part of the stack
refused the request: the form reader, Authlib's grants, PKCE, client authentication."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from .oidc_harness import (
    AGENCY,
    AGENCY_SECRET,
    APP,
    WEB,
    Harness,
    oauth_error,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

Call = Callable[[Harness], Awaitable[httpx.Response]]


async def _json_body(oidc: Harness) -> httpx.Response:
    return await oidc.http.post("/oauth/token", json={"grant_type": "client_credentials"})


async def _not_utf8(oidc: Harness) -> httpx.Response:
    return await oidc.http.post("/oauth/token", content=b"grant_type=\xff\xfe", headers=FORM)


async def _repeated(oidc: Harness) -> httpx.Response:
    body = b"grant_type=authorization_code&code=a&code=b"
    return await oidc.http.post("/oauth/token", content=body, headers=FORM)


async def _no_grant_type(oidc: Harness) -> httpx.Response:
    return await oidc.post_form("/oauth/token", {"client_id": APP})


async def _unsupported_grant(oidc: Harness) -> httpx.Response:
    return await oidc.post_form("/oauth/token", {"grant_type": "password", "client_id": APP})


async def _unknown_client(oidc: Harness) -> httpx.Response:
    return await oidc.exchange(await oidc.login(), client_id="no-such-client")


async def _wrong_secret(oidc: Harness) -> httpx.Response:
    return await oidc.client_credentials(AGENCY, "wrong-secret-" + "x" * 32)


async def _public_client_credentials(oidc: Harness) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": APP}
    return await oidc.post_form("/oauth/token", form)


async def _agency_redeems_code(oidc: Harness) -> httpx.Response:
    login = await oidc.login()
    form = {
        "grant_type": "authorization_code",
        "code": login.issued.code,
        "redirect_uri": login.issued.redirect_uri,
        "code_verifier": login.verifier,
    }
    return await oidc.post_form("/oauth/token", form, auth=(AGENCY, AGENCY_SECRET))


async def _foreign_scope(oidc: Harness) -> httpx.Response:
    return await oidc.client_credentials(AGENCY, AGENCY_SECRET, scope="admin")


async def _no_code(oidc: Harness) -> httpx.Response:
    return await oidc.exchange(await oidc.login(), code=None)


async def _no_redirect_uri(oidc: Harness) -> httpx.Response:
    return await oidc.exchange(await oidc.login(), redirect_uri=None)


async def _no_code_verifier(oidc: Harness) -> httpx.Response:
    return await oidc.exchange(await oidc.login(), code_verifier=None)


async def _wrong_code_verifier(oidc: Harness) -> httpx.Response:
    return await oidc.exchange(await oidc.login(), code_verifier="W" * 64)


async def _invented_code(oidc: Harness) -> httpx.Response:
    return await oidc.exchange(await oidc.login(), code="A" * 48)


async def _expired_code(oidc: Harness) -> httpx.Response:
    login = await oidc.login()
    oidc.clock.advance(seconds=61)
    return await oidc.exchange(login)


async def _reused_code(oidc: Harness) -> httpx.Response:
    login = await oidc.login()
    assert (await oidc.exchange(login)).status_code == 200
    return await oidc.exchange(login)


async def _another_clients_code(oidc: Harness) -> httpx.Response:
    return await oidc.exchange(await oidc.login(), client_id=WEB)


async def _no_refresh_token(oidc: Harness) -> httpx.Response:
    return await oidc.post_form("/oauth/token", {"grant_type": "refresh_token", "client_id": APP})


async def _unknown_refresh_token(oidc: Harness) -> httpx.Response:
    return await oidc.refresh("R" * 43)


async def _rotated_refresh_token(oidc: Harness) -> httpx.Response:
    tokens = await oidc.tokens()
    assert (await oidc.refresh(tokens["refresh_token"])).status_code == 200
    return await oidc.refresh(tokens["refresh_token"])


async def _revoke_json(oidc: Harness) -> httpx.Response:
    return await oidc.http.post("/oauth/revoke", json={"token": "x", "client_id": APP})


async def _revoke_without_token(oidc: Harness) -> httpx.Response:
    return await oidc.post_form("/oauth/revoke", {"client_id": APP})


async def _revoke_unknown_client(oidc: Harness) -> httpx.Response:
    return await oidc.revoke("x" * 43, client_id="no-such-client")


async def _revoke_wrong_secret(oidc: Harness) -> httpx.Response:
    return await oidc.revoke("x" * 43, auth=(AGENCY, "wrong-secret-" + "x" * 32))


async def _revoke_anothers_token(oidc: Harness) -> httpx.Response:
    tokens = await oidc.tokens()
    return await oidc.revoke(tokens["refresh_token"], client_id=WEB)


TOKEN_ERRORS: list[tuple[Call, int, str]] = [
    (_json_body, 400, "invalid_request"),
    (_not_utf8, 400, "invalid_request"),
    (_repeated, 400, "invalid_request"),
    (_no_grant_type, 400, "unsupported_grant_type"),
    (_unsupported_grant, 400, "unsupported_grant_type"),
    (_unknown_client, 400, "invalid_client"),  # no credentials sent: 400 (RFC 6749 §5.2)
    (_wrong_secret, 401, "invalid_client"),
    (_public_client_credentials, 401, "invalid_client"),
    (_agency_redeems_code, 400, "unauthorized_client"),
    (_foreign_scope, 400, "invalid_scope"),
    (_no_code, 400, "invalid_request"),
    (_no_redirect_uri, 400, "invalid_grant"),
    (_no_code_verifier, 400, "invalid_request"),
    (_wrong_code_verifier, 400, "invalid_grant"),
    (_invented_code, 400, "invalid_grant"),
    (_expired_code, 400, "invalid_grant"),
    (_reused_code, 400, "invalid_grant"),
    (_another_clients_code, 400, "invalid_grant"),
    (_no_refresh_token, 400, "invalid_request"),
    (_unknown_refresh_token, 400, "invalid_grant"),
    (_rotated_refresh_token, 400, "invalid_grant"),
]
REVOCATION_ERRORS: list[tuple[Call, int, str]] = [
    (_revoke_json, 400, "invalid_request"),
    (_revoke_without_token, 400, "invalid_request"),
    (_revoke_unknown_client, 400, "invalid_client"),
    (_revoke_wrong_secret, 401, "invalid_client"),
    (_revoke_anothers_token, 400, "invalid_grant"),
]


@pytest.mark.parametrize(
    ("call", "status", "error"),
    TOKEN_ERRORS + REVOCATION_ERRORS,
    ids=[call.__name__.lstrip("_") for call, _, _ in TOKEN_ERRORS + REVOCATION_ERRORS],
)
async def test_every_token_and_revocation_error_says_what_went_wrong(
    oidc: Harness, call: Call, status: int, error: str
) -> None:
    body = oauth_error(await call(oidc), status, error)
    # RFC 6749 §5.2: error_description is printable ASCII (the English sentence); the problem's
    # detail follows Accept-Language like every problem (Thai by default).
    assert body["error_description"].isascii()
    assert body["error_description"].isprintable()


async def test_an_unsupported_grant_type_names_the_supported_ones(oidc: Harness) -> None:
    body = oauth_error(await _unsupported_grant(oidc), 400, "unsupported_grant_type")
    for supported in ("authorization_code", "refresh_token", "client_credentials"):
        assert supported in body["error_description"]
