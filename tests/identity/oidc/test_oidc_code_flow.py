"""Login: authorization code + PKCE (S256 only) and the OpenID Connect code flow.

The verification flow is stood in for by a fake verified citizen (`citizen()`); the tokens are
checked with PyJWT against the JWKS fetched over HTTP, as any relying party would.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from identity.oidc import (
    AuthorizationRequest,
    AuthorizationRequestError,
    InvalidClient,
    InvalidRedirectUri,
    InvalidScope,
    InvalidToken,
    UnsupportedChallengeMethod,
    UnsupportedResponseType,
    birthdate_from_be,
)
from identity.oidc.models import OIDCAuthorizationCode

from .oidc_harness import (
    APP,
    APP_REDIRECT,
    APP_REDIRECT_2,
    ISSUER,
    WEB,
    Harness,
    citizen,
    independently_verified,
    oauth_error,
    pkce,
)


@pytest.mark.rule("R-8.1")
async def test_login_without_a_card_image_gives_tokens_an_independent_verifier_accepts(
    oidc: Harness,
) -> None:
    # the citizen proved who they are with ID + laser code + face; no card image exists
    # anywhere in the flow, and the login completes on that proof alone.
    subject = citizen()
    login = await oidc.login(subject=subject)
    redirect = urlsplit(login.issued.redirect_url)
    query = parse_qs(redirect.query)
    assert login.issued.redirect_url.startswith(APP_REDIRECT + "?")
    assert query["code"] == [login.issued.code]
    assert query["state"] == [login.request.state]

    response = await oidc.exchange(login)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "openid profile birthdate citizen"
    assert body["refresh_token"]

    jwks = await oidc.jwks()
    id_token = independently_verified(body["id_token"], jwks, audience=APP, typ="JWT")
    assert id_token["iss"] == ISSUER
    assert id_token["sub"] == subject.sub
    assert id_token["aud"] == APP
    assert id_token["nonce"] == login.request.nonce
    assert id_token["acr"] == "IAL2.3"
    assert id_token["amr"] == ["card", "face", "liveness"]
    assert id_token["auth_time"] == int(subject.auth_time.timestamp())
    assert id_token["exp"] - id_token["iat"] == 600
    digest = hashlib.sha256(body["access_token"].encode()).digest()
    assert id_token["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    assert id_token["given_name"] == "สมชาย"
    assert id_token["family_name"] == "ใจดี"
    assert id_token["name"] == "สมชาย ใจดี"
    assert id_token["given_name#en"] == "Somchai"
    assert id_token["name#en"] == "Somchai Jaidee"
    assert id_token["birthdate"] == "1987-03"

    access = independently_verified(body["access_token"], jwks, audience=ISSUER, typ="at+jwt")
    assert access["sub"] == subject.sub
    assert access["client_id"] == APP
    assert access["scope"] == "openid profile birthdate citizen"
    assert access["acr"] == "IAL2.3"
    assert access["amr"] == ["card", "face", "liveness"]
    assert access["jti"]
    assert access["sid"] == id_token["sid"]
    assert "given_name" not in access  # personal data stays out of access tokens

    claims = await oidc.verify(body["access_token"], "citizen")
    assert claims.sub == subject.sub
    assert claims.acr == "IAL2.3"


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("openid", set()),
        ("openid profile", {"given_name", "family_name", "name", "given_name#en", "name#en"}),
        ("openid birthdate", {"birthdate"}),
    ],
)
async def test_the_id_token_carries_names_and_birthdate_only_when_the_scope_asks(
    oidc: Harness, scope: str, expected: set[str]
) -> None:
    body = await oidc.tokens(scope=scope)
    claims = independently_verified(body["id_token"], await oidc.jwks(), audience=APP, typ="JWT")
    personal = {"given_name", "family_name", "name", "given_name#en", "name#en", "birthdate"}
    assert personal & claims.keys() == expected


@pytest.mark.parametrize(
    ("be_date", "iso"),
    [("25300315", "1987-03-15"), ("25300300", "1987-03"), ("25300000", "1987")],
)
def test_a_be_birth_date_with_unknown_parts_becomes_a_partial_iso_date(
    be_date: str, iso: str
) -> None:
    assert birthdate_from_be(be_date) == iso


@pytest.mark.parametrize("be_date", ["25300015", "25301301", "25300230", "00000000", "2530031"])
def test_an_impossible_be_birth_date_is_refused(be_date: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        birthdate_from_be(be_date)


async def test_a_partial_birthdate_reaches_the_id_token_as_is(oidc: Harness) -> None:
    subject = citizen(birthdate=birthdate_from_be("25300000"))
    body = await oidc.tokens(scope="openid birthdate", subject=subject)
    claims = independently_verified(body["id_token"], await oidc.jwks(), audience=APP, typ="JWT")
    assert claims["birthdate"] == "1987"


async def test_a_wrong_code_verifier_is_refused_and_the_right_one_still_works(
    oidc: Harness,
) -> None:
    login = await oidc.login()
    wrong, _ = pkce()
    oauth_error(await oidc.exchange(login, code_verifier=wrong), 400, "invalid_grant")
    oauth_error(await oidc.exchange(login, code_verifier=None), 400, "invalid_request")
    assert (await oidc.exchange(login)).status_code == 200


async def test_a_reused_code_is_refused_and_revokes_the_tokens_it_gave(oidc: Harness) -> None:
    login = await oidc.login()
    first = await oidc.exchange(login)
    assert first.status_code == 200
    oauth_error(await oidc.exchange(login), 400, "invalid_grant")
    # RFC 6749 §4.1.2: whoever replayed the code may hold it; what it gave is revoked.
    oauth_error(await oidc.refresh(first.json()["refresh_token"]), 400, "invalid_grant")
    with pytest.raises(InvalidToken):
        await oidc.verify(first.json()["access_token"])


async def test_an_expired_code_is_refused(oidc: Harness) -> None:
    login = await oidc.login()
    oidc.clock.advance(seconds=60)
    oauth_error(await oidc.exchange(login), 400, "invalid_grant")


async def test_a_code_is_still_good_just_before_it_expires(oidc: Harness) -> None:
    login = await oidc.login()
    oidc.clock.advance(seconds=59)
    assert (await oidc.exchange(login)).status_code == 200


async def test_an_unregistered_redirect_uri_is_refused_before_anything_is_issued(
    oidc: Harness,
) -> None:
    for uri in ("https://evil.example/callback", APP_REDIRECT + "/", None):
        with pytest.raises(InvalidRedirectUri) as caught:
            await oidc.start(oidc.params(redirect_uri=uri))
        assert caught.value.code == "invalid_redirect_uri"
        assert caught.value.errors[0].pointer == "/redirect_uri"


async def test_the_token_request_must_repeat_the_redirect_uri_exactly(oidc: Harness) -> None:
    login = await oidc.login()
    # Registered for the client, but not the one the code was issued for.
    oauth_error(await oidc.exchange(login, redirect_uri=APP_REDIRECT_2), 400, "invalid_grant")
    oauth_error(await oidc.exchange(login, redirect_uri=None), 400, "invalid_grant")
    assert (await oidc.exchange(login)).status_code == 200


UNSUPPORTED = (UnsupportedChallengeMethod, "unsupported_challenge_method")
INVALID = (AuthorizationRequestError, "invalid_request")


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"code_challenge_method": "plain"}, UNSUPPORTED),
        ({"code_challenge_method": None}, UNSUPPORTED),  # absent means plain (RFC 7636 §4.3)
        ({"code_challenge_method": "S512"}, UNSUPPORTED),
        ({"code_challenge": None}, INVALID),
        ({"code_challenge": None, "code_challenge_method": None}, UNSUPPORTED),
        ({"code_challenge": "too-short"}, INVALID),
    ],
)
async def test_pkce_without_s256_is_refused(
    oidc: Harness, changes: dict[str, str | None], refusal: tuple[type[Exception], str]
) -> None:
    error, code = refusal
    with pytest.raises(error) as caught:
        await oidc.start(oidc.params(**changes))
    assert isinstance(caught.value, AuthorizationRequestError)
    assert caught.value.code == code
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({"client_id": "nobody"}, InvalidClient, "invalid_client"),
        ({"client_id": None}, InvalidClient, "invalid_client"),
        ({"response_type": "token"}, UnsupportedResponseType, "unsupported_response_type"),
        ({"response_type": None}, UnsupportedResponseType, "unsupported_response_type"),
        ({"scope": "profile citizen"}, InvalidScope, "invalid_scope"),
        ({"scope": "openid agency:DOPA"}, InvalidScope, "invalid_scope"),
        ({"scope": "openid admin"}, InvalidScope, "invalid_scope"),
        ({"scope": "openid email"}, InvalidScope, "invalid_scope"),
        ({"nonce": None}, AuthorizationRequestError, "invalid_request"),
        ({"request": "eyJhbGciOi"}, AuthorizationRequestError, "invalid_request"),
        ({"state": 'has "quotes"'}, AuthorizationRequestError, "invalid_request"),
        ({"state": "x" * 256}, AuthorizationRequestError, "invalid_request"),
        ({"prompt": "none"}, AuthorizationRequestError, "login_required"),
    ],
)
async def test_a_bad_authorization_request_is_refused_with_a_stable_code(
    oidc: Harness, changes: dict[str, str | None], error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as caught:
        await oidc.start(oidc.params(**changes))
    assert isinstance(caught.value, AuthorizationRequestError)
    assert caught.value.code == code


async def test_an_agency_client_cannot_log_citizens_in(oidc: Harness) -> None:
    # A confidential client has no redirect URI to receive a code at, and no citizen scope.
    with pytest.raises(InvalidRedirectUri):
        await oidc.start(oidc.params(client_id="agency-dopa", scope="openid"))


async def test_validating_a_request_issues_nothing(oidc: Harness) -> None:
    request = await oidc.start(oidc.params())
    assert request.client_id == APP
    assert request.scopes == ("openid", "profile", "birthdate", "citizen")
    async with oidc.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(OIDCAuthorizationCode))
    assert count == 0


async def test_a_stored_authorization_request_can_be_completed_later(oidc: Harness) -> None:
    verifier, challenge = pkce()
    request = await oidc.start(oidc.params(code_challenge=challenge, acr_values="IAL2.3 IAL9"))
    assert request.acr_values == ("IAL2.3",)  # unknown levels are dropped
    stored = json.dumps(request.to_dict())  # between the "ID + laser" and the "face" step
    restored = AuthorizationRequest.from_dict(json.loads(stored))
    assert restored == request
    issued = await oidc.issue(restored, citizen())
    assert issued.state == request.state
    form = {
        "grant_type": "authorization_code",
        "code": issued.code,
        "redirect_uri": issued.redirect_uri,
        "client_id": APP,
        "code_verifier": verifier,
    }
    assert (await oidc.post_form("/oauth/token", form)).status_code == 200


async def test_one_authorization_request_gives_one_code(oidc: Harness) -> None:
    request = await oidc.start(oidc.params())
    await oidc.issue(request, citizen())
    with pytest.raises(AuthorizationRequestError) as caught:  # the nonce was spent
        await oidc.issue(request, citizen())
    assert caught.value.code == "invalid_request"


async def test_a_code_cannot_be_redeemed_by_another_client(oidc: Harness) -> None:
    login = await oidc.login()
    oauth_error(await oidc.exchange(login, client_id=WEB), 400, "invalid_grant")
    assert (await oidc.exchange(login)).status_code == 200


async def test_the_codes_are_stored_hashed(oidc: Harness) -> None:
    login = await oidc.login()
    async with oidc.sessions() as session:
        stored = (await session.scalars(select(OIDCAuthorizationCode))).one()
    assert stored.code_hash == hashlib.sha256(login.issued.code.encode()).hexdigest()
    assert stored.claims_sealed is not None
    assert "สมชาย".encode() not in stored.claims_sealed  # names only sealed (AES-GCM)


@pytest.mark.parametrize(
    "changes",
    [
        {"sub": "1100100001014"},  # a national ID is never a subject
        {"sub": "short"},
        {"amr": ()},
        {"birthdate": "1987-13"},
        {"birthdate": "15/03/1987"},
    ],
)
def test_a_subject_that_would_leak_or_lie_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        citizen(**changes)


async def test_an_unknown_acr_is_not_asserted(oidc: Harness) -> None:
    request = await oidc.start(oidc.params())
    with pytest.raises(ValueError, match="acr"):
        await oidc.issue(request, citizen(acr="IAL9"))


async def test_two_concurrent_exchanges_of_one_code_cannot_both_succeed(oidc: Harness) -> None:
    login = await oidc.login()
    answers = await asyncio.gather(*(oidc.exchange(login) for _ in range(2)))
    assert sorted(r.status_code for r in answers) == [200, 400], [r.text for r in answers]
