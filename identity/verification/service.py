"""Proving who a citizen is: ID card + laser code checked with the civil registry (R-9.1), then a
face scan with liveness against the registry's reference (R-8.1). No card image is ever asked.

    start(card, client)                  local pre-checks -> lockout check -> registry check
                                         -> a one-time challenge (nonce, action, expiry)
    complete_face(id, template, liveness) the challenge claimed atomically -> registry ->
                                         liveness -> face comparison -> the citizen record, at
                                         IAL 2.3 (and the OpenID Connect code, same commit)

Every refusal is a domain error with a stable code. Failed attempts count towards a lockout
per national ID and per client. Face templates and liveness data are never stored; the card
data waits encrypted between the two steps and is erased when the verification is decided.

A login is cheap for the database: each step charges the attempt counters (one statement a
counter) and commits that before asking the registry, so concurrent attempts see it; the face
step claims its challenge in that same commit. Then each step records its outcome in one
transaction of conditional UPDATEs and inserts, nothing read back: the face step writes the
decision, the citizen and what the login completes (the OpenID Connect code) in one commit.

What the registry gave about the person (the card check, the face reference, the person
record) is told, in that same commit, to `record_reads` when the gateway wires one (its
data-access log, gateway/audit/access.py): each answer with when it came, for the citizen the
login proved. A login never completed names no citizen and tells nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

from sqlalchemy import Insert, Table, and_, bindparam, delete, insert, or_, select, update
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
from persistence import UTCDateTime

log = logging.getLogger("identity.verification")

# Core statements where no object is needed (an ORM-enabled UPDATE costs about twice the CPU
# of a Core one), built once with bound parameters, like the attempt counters' statements.
verifications = cast(Table, IdentityVerification.__table__)
_SUPERSEDE = (
    update(verifications)
    .where(
        verifications.c.national_id_index == bindparam("index"),
        verifications.c.status == "face_required",
    )
    .values(
        status="superseded",
        outcome="superseded",
        card_enc=None,
        decided_at=bindparam("now", type_=UTCDateTime()),
    )
)
_OPEN = insert(verifications)
#: A challenge claimed ("deciding") or released ("face_required") again.
_MOVE = (
    update(verifications)
    .where(
        verifications.c.id == bindparam("verification_id"),
        verifications.c.status == bindparam("from_status"),
    )
    .values(status=bindparam("to_status"))
)
#: A decision: the outcome recorded, the card data erased.
_DECIDE = _MOVE.values(
    outcome=bindparam("outcome"),
    assurance=bindparam("assurance"),
    decided_at=bindparam("now", type_=UTCDateTime()),
    card_enc=None,
)

A = TypeVar("A")
B = TypeVar("B")

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


#: A claimed challenge still undecided this long after its expiry was abandoned mid-decision.
ABANDONED_DECISION = dt.timedelta(minutes=1)

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
class RegistryRead:
    """One answer the civil registry gave about the person during a login: `what` is
    "card_check", "face_reference" or "person" (kinds of data, never the data)."""

    what: str
    at: dt.datetime


@dataclass(frozen=True)
class Verified:
    citizen: Citizen
    assurance: str
    methods: tuple[str, ...]
    authorization_request: dict[str, Any] | None
    #: What the completion gave (the OpenID Connect code), when one ran.
    authorization: dict[str, Any] | None = None
    #: What the registry gave about the person for this login.
    reads: tuple[RegistryRead, ...] = ()


# Completes a verified login inside its transaction: (session, verified) -> what the app gets.
Completion = Callable[[AsyncSession, Verified], Awaitable[dict[str, Any] | None]]
# Records a verified login's registry reads for the citizen (id), inside its transaction.
RecordReads = Callable[[AsyncSession, str, Sequence[RegistryRead]], Awaitable[None]]


@dataclass(frozen=True)
class _Opened:
    """What deciding a challenge needs of it, read while it was open (ORM rows expire when a
    transaction is rolled back; these values do not)."""

    id: str
    national_id_index: str
    challenge_nonce: str
    challenge_action: str
    authorization_request: dict[str, Any] | None
    created_at: dt.datetime  # when the registry checked the card (the first step)

    @classmethod
    def of(cls, verification: IdentityVerification) -> _Opened:
        return cls(
            verification.id,
            verification.national_id_index,
            verification.challenge_nonce,
            verification.challenge_action,
            verification.authorization_request,
            verification.created_at,
        )


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
        record_reads: RecordReads | None = None,
    ) -> None:
        self.session = session
        self.record_reads = record_reads
        self.registry = registry
        self.matcher = matcher
        self.vault = vault
        self.clock = clock
        self.settings = settings
        # The order counters are written in: the person's, then the client's (attempts.py).
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
        # One live challenge per card: a new verification voids the older ones, so face
        # guesses cannot be spread over many open challenges at once.
        await self.session.execute(_SUPERSEDE, {"index": pid_index, "now": now})
        challenge = Challenge(
            verification_id=str(uuid.uuid4()),
            nonce=secrets.token_urlsafe(24),
            action=secrets.choice(LIVENESS_ACTIONS),
            expires_at=now + self.settings.challenge_ttl,
        )
        await self.session.execute(
            _OPEN,
            {
                "id": challenge.verification_id,
                "status": "face_required",
                "national_id_index": pid_index,
                "challenge_nonce": challenge.nonce,
                "challenge_action": challenge.action,
                "expires_at": challenge.expires_at,
                "client_key": client_key,
                "authorization_request": authorization_request,
                "created_at": now,
                "card_enc": self.vault.encrypt(
                    json.dumps(card.__dict__, ensure_ascii=False),
                    context=_card_context(challenge.verification_id),
                ),
            },
        )
        # The counters last: the rows every login shares are held for the shortest time, and
        # always after the verification rows (the order the face step takes them in too).
        await self.limiter.refund(keys)
        await self.session.commit()
        return challenge

    async def complete_face(
        self,
        verification_id: str,
        template: Sequence[float],
        liveness: Mapping[str, Any],
        client_key: str,
        complete: Completion | None = None,
    ) -> Verified:
        """Decide the challenge. `complete(session, verified)` (the OpenID Connect code, say)
        runs in the same transaction as the decision, so the decision is one commit; when it
        refuses (a DomainError), the decision is committed without it and its error raised."""
        now = self.clock.now()
        verification = await self._open_challenge(verification_id, now)
        try:
            check_template(template)  # a malformed answer spends nothing
        except TemplateInvalid as exc:
            raise ValidationFailed(
                str(exc), errors=[FieldError("/body/template", "invalid_template", str(exc))]
            ) from exc
        opened = _Opened.of(verification)
        card = self._open_card(verification)
        keys = {"pid": opened.national_id_index, "client": client_key}
        # The challenge is claimed with the charge, in one commit that concurrent answers see:
        # of two answers to it exactly one proceeds, and a verification the same person starts
        # meanwhile (a second device) no longer voids it: it voids only open challenges.
        # (The verification row first, then the counters: every transaction of a login takes
        # its rows in this order, so none waits on another in a cycle.)
        await self._settle(opened.id, now, "face_required", "deciding", conflict=True)
        await self.limiter.charge(keys, now)
        await self.session.commit()

        try:
            # Both questions to the registry at once: one wait, not two.
            reference, person = await _both(
                self._registry_call(self.registry.face_reference(card.national_id)),
                self._registry_call(self.registry.person(card.national_id)),
            )
            answered_at = self.clock.now()
        except DomainError:
            # The registry could not answer: the citizen retries the same challenge.
            await self.session.rollback()
            await self._settle(opened.id, now, "deciding", "face_required")
            await self.limiter.refund(keys)
            await self.session.commit()
            raise
        async with self._deciding(opened.id, now, "deciding"):
            if not _liveness_ok(liveness, opened):
                await self._refuse(opened.id, "liveness_failed", now)
            decision = self.matcher.compare(template, reference)
            log.info(
                "face compared",
                extra={"pid": self.vault.redact(card.national_id), "matched": decision.matched},
            )
            if not decision.matched:
                await self._refuse(opened.id, "face_mismatch", now)
            assurance = self.settings.assurance_by_method["card+face+liveness"]
            methods = ("card", "face", "liveness")

            async def record() -> Verified:
                await self._settle(
                    opened.id, now, "deciding", "verified", "verified", assurance, conflict=True
                )
                citizen = await self._remember_citizen(card, person, assurance, now)
                reads = (
                    RegistryRead("card_check", opened.created_at),
                    RegistryRead("face_reference", answered_at),
                    RegistryRead("person", answered_at),
                )
                return Verified(
                    citizen, assurance, methods, opened.authorization_request, reads=reads
                )

            async def forget_failures() -> None:
                # The counters last, the person's before the client's (attempts.py).
                await self.limiter.clear({"pid": opened.national_id_index})
                await self.limiter.refund({"client": client_key})

            return await self._commit_login(record, forget_failures, complete)

    async def complete_card_only(
        self, verification_id: str, client_key: str, complete: Completion | None = None
    ) -> Verified:
        """Finish with the card check alone: a lower assurance (configurable), enough for
        services that ask no more; the app can step up with the face later (RFC 9470)."""
        now = self.clock.now()
        verification = await self._open_challenge(verification_id, now)
        await self.limiter.check({"pid": verification.national_id_index, "client": client_key}, now)
        opened = _Opened.of(verification)
        card = self._open_card(verification)
        person = await self._registry_call(self.registry.person(card.national_id))
        reads = (
            RegistryRead("card_check", opened.created_at),
            RegistryRead("person", self.clock.now()),
        )
        async with self._deciding(opened.id, now, "face_required"):
            assurance = self.settings.assurance_by_method["card"]

            async def record() -> Verified:
                # Claimed and decided in one conditional UPDATE: nothing slow comes between.
                await self._settle(
                    opened.id, now, "face_required", "verified", "card_only", assurance,
                    conflict=True,
                )  # fmt: skip
                citizen = await self._remember_citizen(card, person, assurance, now)
                return Verified(
                    citizen, assurance, ("card",), opened.authorization_request, reads=reads
                )

            async def nothing() -> None:
                return None

            return await self._commit_login(record, nothing, complete)

    async def _commit_login(
        self,
        record: Callable[[], Awaitable[Verified]],
        forget_failures: Callable[[], Awaitable[None]],
        complete: Completion | None,
    ) -> Verified:
        async def recorded() -> Verified:
            verified = await record()
            if self.record_reads is not None and verified.reads:
                # The citizen exists now (a first login has just made them).
                await self.record_reads(self.session, verified.citizen.id, verified.reads)
            return verified

        verified = await recorded()
        if complete is not None:
            try:
                verified = replace(verified, authorization=await complete(self.session, verified))
            except DomainError:
                # The login stands, only what was asked of it afterwards was refused: record
                # it again without that, then answer with the refusal.
                await self.session.rollback()
                await recorded()
                await forget_failures()
                await self.session.commit()
                raise
        await forget_failures()
        await self.session.commit()
        return verified

    def _open_card(self, verification: IdentityVerification) -> CardData:
        assert verification.card_enc is not None
        plain = self.vault.decrypt(verification.card_enc, context=_card_context(verification.id))
        return CardData(**json.loads(plain))

    @contextlib.asynccontextmanager
    async def _deciding(
        self, verification_id: str, now: dt.datetime, status: str
    ) -> AsyncIterator[None]:
        """While an answer is decided, any unexpected failure still decides it (failed, card
        data erased): a verification is never left half-way."""
        try:
            yield
        except DomainError:
            raise
        except Exception:
            await self.session.rollback()
            await self._settle(verification_id, now, status, "failed", "internal_error")
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
            await self._settle(
                verification.id, now, "face_required", "expired", "challenge_expired"
            )
            await self.session.commit()
            raise Gone("The challenge expired; start a new verification.", code="challenge_expired")
        return verification

    async def _settle(
        self,
        verification_id: str,
        now: dt.datetime,
        from_status: str,
        status: str,
        outcome: str | None = None,
        assurance: str | None = None,
        *,
        conflict: bool = False,
    ) -> None:
        """Move a verification from `from_status` to `status` in one conditional UPDATE: to
        "deciding" (the challenge claimed), back to "face_required" (released), or to a decision
        (with its outcome; the card data goes with it). With `conflict`, a verification no
        longer in `from_status` (another answer, or a newer verification, got it first) is a
        Conflict, and what this transaction did is rolled back."""
        decided = status not in ("deciding", "face_required")
        changed = await self.session.execute(
            _DECIDE if decided else _MOVE,
            {
                "verification_id": verification_id,
                "from_status": from_status,
                "to_status": status,
                **({"outcome": outcome, "assurance": assurance, "now": now} if decided else {}),
            },
        )
        if conflict and getattr(changed, "rowcount", 0) != 1:
            await self.session.rollback()
            raise Conflict("This challenge was already answered.", code="challenge_used")

    async def _refuse(self, verification_id: str, why: str, now: dt.datetime) -> None:
        """Decide against the citizen; the attempt's charge stands as a failure."""
        await self._settle(verification_id, now, "deciding", "failed", why, conflict=True)
        await self.session.commit()
        detail = {
            "liveness_failed": "The liveness check failed: follow the action asked on screen.",
            "face_mismatch": "The face does not match the card holder's registered photo.",
        }[why]
        raise FaceRefused(detail, code=why)

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


async def _both(first: Coroutine[Any, Any, A], second: Coroutine[Any, Any, B]) -> tuple[A, B]:
    """Both answers, awaited together; when one fails, the other is cancelled."""
    one, other = asyncio.ensure_future(first), asyncio.ensure_future(second)
    try:
        return await one, await other
    except BaseException:
        for task in (one, other):
            task.cancel()
        await asyncio.gather(one, other, return_exceptions=True)
        raise


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


def _liveness_ok(liveness: Mapping[str, Any], verification: _Opened) -> bool:
    """The answer must carry this challenge's nonce, show the action asked, and be live."""
    return (
        secrets.compare_digest(str(liveness.get("nonce", "")), verification.challenge_nonce)
        and liveness.get("action") == verification.challenge_action
        and liveness.get("live") is True
    )


async def purge_abandoned(session: AsyncSession, now: dt.datetime) -> tuple[int, int]:
    """Erase what unfinished logins left behind: challenges past their expiry lose their card
    data (decided as expired), and attempt counters whose window and lock are over go. A face
    step that claimed its challenge and never decided it (the process died while the registry
    was asked) is expired too, once the registry's longest wait is well over.
    Returns (verifications expired, counters removed). The caller commits."""
    expired = await session.execute(
        update(IdentityVerification)
        .where(
            or_(
                and_(
                    IdentityVerification.status == "face_required",
                    IdentityVerification.expires_at <= now,
                ),
                and_(
                    IdentityVerification.status == "deciding",
                    IdentityVerification.expires_at <= now - ABANDONED_DECISION,
                ),
            )
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
