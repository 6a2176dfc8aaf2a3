"""Proving who a citizen is: ID card + laser code checked with the civil registry (R-9.1), then a
face scan with liveness against the registry's reference (R-8.1). No card image is ever asked.

    start(card, client)                  local pre-checks -> lockout check -> registry check
                                         -> a one-time challenge (nonce, action, expiry)
    complete_face(id, template, liveness) the challenge is consumed atomically -> liveness ->
                                         face comparison -> the citizen record, at IAL 2.3

Every refusal is a domain error with a stable code. Failed attempts count towards a lockout
per national ID and per client. Face templates and liveness data are never stored; the card
data waits encrypted between the two steps and is erased when the verification is decided.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.civil_registry import CardCheckCode, CardQuery, CivilRegistry, PersonRecord
from connectors.errors import AgencyMisconfigured, AgencyRejected, AgencyUnavailable
from identity.verification.attempts import AttemptLimiter, AttemptPolicy
from identity.verification.face import FaceMatcher, TemplateInvalid, check_template
from identity.verification.models import AttemptCounter, Citizen, IdentityVerification
from identity.verification.prechecks import CardData, PrecheckFailed, precheck_card
from kernel.assurance import rank
from kernel.clock import Clock
from kernel.crypto import PIIVault
from kernel.errors import (
    BadGateway,
    Conflict,
    DomainError,
    FieldError,
    Gone,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)

log = logging.getLogger("identity.verification")

LIVENESS_ACTIONS = ("blink", "turn_left", "turn_right", "smile", "nod")

# What each registry answer tells the citizen (R-9.1: the answer is used as given).
_REFUSALS: dict[CardCheckCode, tuple[str, str]] = {
    CardCheckCode.VOID_ADDRESS_CHANGE: (
        "card_void_address_change",
        "The card was cancelled after a change of address; use the new card.",
    ),
    CardCheckCode.MISMATCH: (
        "card_data_mismatch",
        "The registry does not match these details with this card. Check the laser code on the "
        "back of the card, the Thai names and the birth date.",
    ),
    CardCheckCode.INCOMPLETE: ("card_input_incomplete", "The registry found the input incomplete."),
    CardCheckCode.EXPIRED: ("card_expired", "The card has expired; renew it at a district office."),
    CardCheckCode.REVOKED: ("card_revoked", "The card was reported lost or has been revoked."),
}


CARD_REFUSAL_CODES = ("card_refused", *(code for code, _ in _REFUSALS.values()))


class CardRefused(DomainError):
    status, code = 422, "card_refused"


class FaceRefused(DomainError):
    status, code = 422, "face_refused"


PER_ID = AttemptPolicy(5, dt.timedelta(minutes=15), dt.timedelta(minutes=15))
PER_CLIENT = AttemptPolicy(20, dt.timedelta(minutes=15), dt.timedelta(minutes=15))


@dataclass(frozen=True)
class VerificationSettings:
    challenge_ttl: dt.timedelta = dt.timedelta(minutes=3)
    # Assurance reached by each way of proving (RULES.md: configurable mapping).
    assurance_by_method: Mapping[str, str] = field(
        default_factory=lambda: {"card": "IAL1.3", "card+face+liveness": "IAL2.3"}
    )
    per_id: AttemptPolicy = PER_ID
    per_client: AttemptPolicy = PER_CLIENT


@dataclass(frozen=True)
class CardInput:
    national_id: str
    laser_code: str
    first_name_th: str
    last_name_th: str
    birth_date_be: str


@dataclass(frozen=True)
class Challenge:
    verification_id: str
    nonce: str
    action: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Verified:
    citizen: Citizen
    assurance: str
    methods: tuple[str, ...]
    authorization_request: dict[str, Any] | None


class VerificationService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        registry: CivilRegistry,
        matcher: FaceMatcher,
        vault: PIIVault,
        clock: Clock,
        settings: VerificationSettings,
    ) -> None:
        self.session = session
        self.registry = registry
        self.matcher = matcher
        self.vault = vault
        self.clock = clock
        self.settings = settings
        self.limiter = AttemptLimiter(
            session, {"pid": settings.per_id, "client": settings.per_client}
        )

    async def start(
        self,
        card_input: CardInput,
        client_key: str,
        authorization_request: dict[str, Any] | None = None,
    ) -> Challenge:
        now = self.clock.now()
        try:
            card = precheck_card(
                national_id=card_input.national_id,
                laser_code=card_input.laser_code,
                first_name_th=card_input.first_name_th,
                last_name_th=card_input.last_name_th,
                birth_date_be=card_input.birth_date_be,
                today=now.date(),
            )
        except PrecheckFailed as exc:
            raise ValidationFailed("Some card details are malformed.", errors=exc.errors) from exc
        pid_index = self.vault.blind_index(card.national_id)
        keys = {"pid": pid_index, "client": client_key}
        await self.limiter.charge(keys, now)
        await self.session.commit()  # concurrent attempts must see this charge

        try:
            answer = await self._registry_call(
                self.registry.check_card_by_laser(
                    CardQuery(
                        national_id=card.national_id,
                        first_name_th=card.first_name_th,
                        last_name_th=card.last_name_th,
                        birth_date_be=card.birth_date_be,
                        laser_code=card.laser_code,
                    )
                )
            )
        except DomainError:
            await self._refund(keys)  # the registry could not answer: not the citizen's fault
            raise
        log.info(
            "card checked",
            extra={"pid": self.vault.redact(card.national_id), "registry_code": int(answer.code)},
        )
        if answer.code is not CardCheckCode.NORMAL:
            code, detail = _REFUSALS.get(
                answer.code, ("card_refused", "The registry did not accept the card.")
            )
            raise CardRefused(  # the charge stands: a failed attempt
                detail,
                code=code,
                extra={
                    "registry_code": int(answer.code),
                    "registry_message": answer.description_th,
                },
            )
        await self.limiter.refund(keys)
        # One live challenge per card: a new verification voids the older ones, so face
        # guesses cannot be spread over many open challenges at once.
        await self.session.execute(
            update(IdentityVerification)
            .where(
                IdentityVerification.national_id_index == pid_index,
                IdentityVerification.status == "face_required",
            )
            .values(status="superseded", outcome="superseded", card_enc=None, decided_at=now)
        )

        verification = IdentityVerification(
            id=str(uuid.uuid4()),
            status="face_required",
            national_id_index=pid_index,
            challenge_nonce=secrets.token_urlsafe(24),
            challenge_action=secrets.choice(LIVENESS_ACTIONS),
            expires_at=now + self.settings.challenge_ttl,
            client_key=client_key,
            authorization_request=authorization_request,
            created_at=now,
        )
        verification.card_enc = self.vault.encrypt(
            json.dumps(card.__dict__, ensure_ascii=False), context=_card_context(verification.id)
        )
        self.session.add(verification)
        await self.session.commit()
        return Challenge(
            verification.id,
            verification.challenge_nonce,
            verification.challenge_action,
            verification.expires_at,
        )

    async def complete_face(
        self,
        verification_id: str,
        template: Sequence[float],
        liveness: Mapping[str, Any],
        client_key: str,
    ) -> Verified:
        now = self.clock.now()
        verification = await self._open_challenge(verification_id, now)
        try:
            check_template(template)  # a malformed answer spends nothing
        except TemplateInvalid as exc:
            raise ValidationFailed(
                str(exc), errors=[FieldError("/body/template", "invalid_template", str(exc))]
            ) from exc
        keys = {"pid": verification.national_id_index, "client": client_key}
        await self.limiter.charge(keys, now)
        await self.session.commit()  # concurrent answers must see this charge

        card = self._open_card(verification)
        try:
            # Ask the registry before the challenge is spent: if it cannot answer now, the
            # citizen retries the same challenge.
            reference = await self._registry_call(self.registry.face_reference(card.national_id))
            person = await self._registry_call(self.registry.person(card.national_id))
        except DomainError:
            await self._refund(keys)
            raise
        await self._claim(verification)
        async with self._deciding(verification, now):
            if not _liveness_ok(liveness, verification):
                await self._refuse(verification, "liveness_failed", now)
            decision = self.matcher.compare(template, reference)
            log.info(
                "face compared",
                extra={"pid": self.vault.redact(card.national_id), "matched": decision.matched},
            )
            if not decision.matched:
                await self._refuse(verification, "face_mismatch", now)
            methods = ("card", "face", "liveness")
            assurance = self.settings.assurance_by_method["card+face+liveness"]
            citizen = await self._remember_citizen(card, person, assurance, now)
            await self._decide(verification, "verified", "verified", now, assurance)
            await self.limiter.clear({"pid": verification.national_id_index})
            await self.limiter.refund({"client": client_key})
            await self.session.commit()
        return Verified(citizen, assurance, methods, verification.authorization_request)

    async def complete_card_only(self, verification_id: str, client_key: str) -> Verified:
        """Finish with the card check alone: a lower assurance (configurable), enough for
        services that ask no more; the app can step up with the face later (RFC 9470)."""
        now = self.clock.now()
        verification = await self._open_challenge(verification_id, now)
        await self.limiter.check({"pid": verification.national_id_index, "client": client_key}, now)
        card = self._open_card(verification)
        person = await self._registry_call(self.registry.person(card.national_id))
        await self._claim(verification)
        async with self._deciding(verification, now):
            assurance = self.settings.assurance_by_method["card"]
            citizen = await self._remember_citizen(card, person, assurance, now)
            await self._decide(verification, "verified", "card_only", now, assurance)
            await self.session.commit()
        return Verified(citizen, assurance, ("card",), verification.authorization_request)

    def _open_card(self, verification: IdentityVerification) -> CardData:
        assert verification.card_enc is not None
        plain = self.vault.decrypt(verification.card_enc, context=_card_context(verification.id))
        return CardData(**json.loads(plain))

    @contextlib.asynccontextmanager
    async def _deciding(
        self, verification: IdentityVerification, now: dt.datetime
    ) -> AsyncIterator[None]:
        """After the challenge is claimed, any unexpected failure still decides it (failed,
        card data erased): a verification is never left half-way."""
        try:
            yield
        except DomainError:
            raise
        except Exception:
            await self.session.rollback()
            await self.session.refresh(verification)
            await self._decide(verification, "failed", "internal_error", now)
            await self.session.commit()
            raise

    async def _refund(self, keys: dict[str, str]) -> None:
        await self.session.rollback()
        await self.limiter.refund(keys)
        await self.session.commit()

    async def _open_challenge(self, verification_id: str, now: dt.datetime) -> IdentityVerification:
        verification = await self.session.get(IdentityVerification, verification_id)
        if verification is None:
            raise NotFound("No such identity verification.", code="verification_not_found")
        if verification.status != "face_required":
            raise Conflict(
                "This challenge was already answered; start a new verification.",
                code="challenge_used",
            )
        if verification.expires_at <= now:
            await self._decide(verification, "expired", "challenge_expired", now)
            await self.session.commit()
            raise Gone("The challenge expired; start a new verification.", code="challenge_expired")
        return verification

    async def _claim(self, verification: IdentityVerification) -> None:
        """Consume the challenge atomically: of two concurrent answers, exactly one proceeds."""
        claimed = await self.session.execute(
            update(IdentityVerification)
            .where(
                IdentityVerification.id == verification.id,
                IdentityVerification.status == "face_required",
            )
            .values(status="deciding")
        )
        if getattr(claimed, "rowcount", 0) != 1:
            raise Conflict("This challenge was already answered.", code="challenge_used")
        await self.session.commit()
        await self.session.refresh(verification)

    async def _refuse(self, verification: IdentityVerification, why: str, now: dt.datetime) -> None:
        """Decide against the citizen; the attempt's charge stands as a failure."""
        await self._decide(verification, "failed", why, now)
        await self.session.commit()
        detail = {
            "liveness_failed": "The liveness check failed: follow the action asked on screen.",
            "face_mismatch": "The face does not match the card holder's registered photo.",
        }[why]
        raise FaceRefused(detail, code=why)

    async def _decide(
        self,
        verification: IdentityVerification,
        status: str,
        outcome: str,
        now: dt.datetime,
        assurance: str | None = None,
    ) -> None:
        verification.status = status
        verification.outcome = outcome
        verification.assurance = assurance
        verification.decided_at = now
        verification.card_enc = None  # the card data is not kept past the decision

    async def _remember_citizen(
        self, card: CardData, person: PersonRecord, assurance: str, now: dt.datetime
    ) -> Citizen:
        index = self.vault.blind_index(card.national_id)
        citizen = await self._citizen(index)
        created = None
        if citizen is None:
            # A first login. The same person may be finishing another login at this very
            # moment (a second device, an app that retried): insert only if no row exists yet,
            # then read whichever row won, so that both logins go on as the one citizen.
            # PostgreSQL's ON CONFLICT waits for the other insert to commit; SQLite's writer
            # lock does the same.
            created = str(uuid.uuid4())
            await self.session.execute(
                _insert_citizen_unless_present(
                    self.session,
                    id=created,
                    subject=secrets.token_urlsafe(24),
                    national_id_index=index,
                    assurance=assurance,
                    created_at=now,
                    verified_at=now,
                    **self._sealed(created, card, person),
                )
            )
            citizen = await self._citizen(index)
            assert citizen is not None  # ours, or the row that the other login committed
        if citizen.id != created:  # a known citizen, or the other login's row: bring it up to date
            for name, value in self._sealed(citizen.id, card, person).items():
                setattr(citizen, name, value)
        # The highest level this citizen has ever proven; each token carries its own login's.
        previous = citizen.assurance if citizen.assurance else None
        citizen.assurance = max(filter(None, (previous, assurance)), key=rank)
        citizen.verified_at = now
        return citizen

    async def _citizen(self, index: str) -> Citizen | None:
        found = await self.session.scalars(
            select(Citizen)
            .where(Citizen.national_id_index == index)
            .execution_options(populate_existing=True)
        )
        return found.one_or_none()

    def _sealed(self, citizen_id: str, card: CardData, person: PersonRecord) -> dict[str, str]:
        """The citizen's personal data, each field encrypted for this row and column."""
        plain = {
            "national_id": card.national_id,
            "first_name_th": card.first_name_th,
            "last_name_th": card.last_name_th,
            "first_name_en": person.first_name_en,
            "last_name_en": person.last_name_en,
            "birth_date_be": card.birth_date_be,
        }
        return {
            f"{name}_enc": self.vault.encrypt(value, context=f"citizen:{citizen_id}:{name}")
            for name, value in plain.items()
        }

    async def _registry_call(self, call: Any) -> Any:
        try:
            return await call
        except AgencyUnavailable as exc:
            raise ServiceUnavailable(
                "The civil registry cannot be reached now; try again shortly.",
                code="registry_unavailable",
                headers={"Retry-After": "30"},
            ) from exc
        except (AgencyMisconfigured, AgencyRejected) as exc:
            log.error("civil registry call failed: %s", exc.message)
            raise BadGateway(
                "The civil registry answered in a way the gateway cannot use.",
                code="registry_error",
            ) from exc


def _insert_citizen_unless_present(session: AsyncSession, **values: Any) -> Insert:
    """INSERT INTO citizens ... ON CONFLICT (national_id_index) DO NOTHING, on both databases
    the gateway runs on."""
    if session.get_bind().dialect.name == "postgresql":
        return (
            postgresql.insert(Citizen)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[Citizen.national_id_index])
        )
    return (
        sqlite.insert(Citizen)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Citizen.national_id_index])
    )


def _card_context(verification_id: str) -> str:
    return f"identity_verification:{verification_id}:card"


def _liveness_ok(liveness: Mapping[str, Any], verification: IdentityVerification) -> bool:
    """The answer must carry this challenge's nonce, show the action asked, and be live."""
    return (
        secrets.compare_digest(str(liveness.get("nonce", "")), verification.challenge_nonce)
        and liveness.get("action") == verification.challenge_action
        and liveness.get("live") is True
    )


async def purge_abandoned(session: AsyncSession, now: dt.datetime) -> tuple[int, int]:
    """Erase what unfinished logins left behind: challenges past their expiry lose their card
    data (decided as expired), and attempt counters whose window and lock are over go.
    Returns (verifications expired, counters removed). The caller commits."""
    expired = await session.execute(
        update(IdentityVerification)
        .where(
            IdentityVerification.status == "face_required",
            IdentityVerification.expires_at <= now,
        )
        .values(status="expired", outcome="challenge_expired", card_enc=None, decided_at=now)
    )
    longest_window = max(PER_ID.window, PER_CLIENT.window)
    removed = await session.execute(
        delete(AttemptCounter).where(
            AttemptCounter.window_started_at <= now - longest_window,
            (AttemptCounter.locked_until.is_(None)) | (AttemptCounter.locked_until <= now),
        )
    )
    return getattr(expired, "rowcount", 0), getattr(removed, "rowcount", 0)
