"""Identity verification: card + laser with the registry, then face with liveness (R-8.1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from support import SOMCHAI, Agencies

from identity.verification.models import Citizen, IdentityVerification
from identity.verification.service import (
    CardInput,
    CardRefused,
    Challenge,
    FaceRefused,
    VerificationService,
)
from kernel.clock import SimulatedClock
from kernel.crypto import PIIVault
from kernel.errors import Conflict, Gone, ServiceUnavailable, TooManyRequests, ValidationFailed

CLIENT = "198.51.100.7"


def card(**changes: str) -> CardInput:
    return CardInput(**{**SOMCHAI, **changes})


async def scan(
    agencies: Agencies,
    challenge: Challenge,
    *,
    genuine: bool = True,
    spoof: bool = False,
    pid: str = SOMCHAI["national_id"],
) -> dict[str, Any]:
    response = await agencies.app.post(
        "/device/face-scan",
        json={
            "pid": pid,
            "genuine": genuine,
            "spoof": spoof,
            "challenge": {"nonce": challenge.nonce, "action": challenge.action},
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.rule("R-8.1")
async def test_card_laser_and_face_prove_identity_at_ial_2_3(
    verifications: VerificationService, agencies: Agencies, vault: PIIVault
) -> None:
    challenge = await verifications.start(card(laser_code="jto-1234567-01"), CLIENT)
    assert challenge.action
    assert len(challenge.nonce) >= 16
    face = await scan(agencies, challenge)
    verified = await verifications.complete_face(
        challenge.verification_id, face["template"], face["liveness"], CLIENT
    )
    assert verified.assurance == "IAL2.3"
    assert verified.methods == ("card", "face", "liveness")
    citizen = verified.citizen
    assert citizen.subject
    assert SOMCHAI["national_id"] not in citizen.subject
    # Stored encrypted, found by blind index, readable only with the key and the right context.
    assert citizen.national_id_index == vault.blind_index(SOMCHAI["national_id"])
    assert SOMCHAI["national_id"] not in citizen.national_id_enc
    assert (
        vault.decrypt(citizen.first_name_th_enc, context=f"citizen:{citizen.id}:first_name_th")
        == "สมชาย"
    )
    assert (
        vault.decrypt(citizen.last_name_en_enc or "", context=f"citizen:{citizen.id}:last_name_en")
        == "Jaidee"
    )
    stored = await verifications.session.get(IdentityVerification, challenge.verification_id)
    assert stored is not None
    assert (stored.status, stored.card_enc) == ("verified", None)  # card data gone after decision


async def test_a_second_login_finds_the_same_citizen(
    verifications: VerificationService, agencies: Agencies
) -> None:
    subjects = set()
    for _ in range(2):
        challenge = await verifications.start(card(), CLIENT)
        face = await scan(agencies, challenge)
        verified = await verifications.complete_face(
            challenge.verification_id, face["template"], face["liveness"], CLIENT
        )
        subjects.add(verified.citizen.subject)
    assert len(subjects) == 1
    index = verified.citizen.national_id_index
    rows = (
        await verifications.session.scalars(
            select(Citizen).where(Citizen.national_id_index == index)
        )
    ).all()
    assert len(rows) == 1


@pytest.mark.rule("R-9.1")
async def test_a_wrong_laser_code_is_refused_with_the_registry_code(
    verifications: VerificationService,
) -> None:
    with pytest.raises(CardRefused) as refused:
        await verifications.start(card(laser_code="JT0123456799"), CLIENT)
    assert refused.value.code == "card_data_mismatch"
    assert refused.value.extra["registry_code"] == 4


async def test_malformed_card_details_never_reach_the_registry(
    verifications: VerificationService, agencies: Agencies
) -> None:
    await agencies.app.put("/faults/DOPA", json={"outage": True})  # would answer 503
    with pytest.raises(ValidationFailed) as invalid:
        await verifications.start(card(national_id="1100100001015"), CLIENT)
    assert [e.pointer for e in invalid.value.errors] == ["/body/national_id"]


async def test_an_impostor_face_is_refused(
    verifications: VerificationService, agencies: Agencies
) -> None:
    challenge = await verifications.start(card(), CLIENT)
    face = await scan(agencies, challenge, genuine=False)
    with pytest.raises(FaceRefused) as refused:
        await verifications.complete_face(
            challenge.verification_id, face["template"], face["liveness"], CLIENT
        )
    assert refused.value.code == "face_mismatch"


async def test_a_photo_held_to_the_camera_fails_liveness(
    verifications: VerificationService, agencies: Agencies
) -> None:
    challenge = await verifications.start(card(), CLIENT)
    face = await scan(agencies, challenge, spoof=True)
    with pytest.raises(FaceRefused) as refused:
        await verifications.complete_face(
            challenge.verification_id, face["template"], face["liveness"], CLIENT
        )
    assert refused.value.code == "liveness_failed"


async def test_an_answer_to_another_challenge_fails_liveness(
    verifications: VerificationService, agencies: Agencies
) -> None:
    first = await verifications.start(card(), CLIENT)
    second = await verifications.start(card(), CLIENT)
    face = await scan(agencies, first)  # answered with the first challenge's nonce
    with pytest.raises(FaceRefused, match="liveness"):
        await verifications.complete_face(
            second.verification_id, face["template"], face["liveness"], CLIENT
        )


async def test_a_replayed_answer_is_refused(
    verifications: VerificationService, agencies: Agencies
) -> None:
    challenge = await verifications.start(card(), CLIENT)
    face = await scan(agencies, challenge)
    await verifications.complete_face(
        challenge.verification_id, face["template"], face["liveness"], CLIENT
    )
    with pytest.raises(Conflict) as replayed:
        await verifications.complete_face(
            challenge.verification_id, face["template"], face["liveness"], CLIENT
        )
    assert replayed.value.code == "challenge_used"


async def test_an_expired_challenge_is_refused(
    verifications: VerificationService, agencies: Agencies, clock: SimulatedClock
) -> None:
    challenge = await verifications.start(card(), CLIENT)
    face = await scan(agencies, challenge)
    clock.advance(dt.timedelta(minutes=3, seconds=1).total_seconds())
    with pytest.raises(Gone) as expired:
        await verifications.complete_face(
            challenge.verification_id, face["template"], face["liveness"], CLIENT
        )
    assert expired.value.code == "challenge_expired"


async def test_a_malformed_template_does_not_spend_the_challenge(
    verifications: VerificationService, agencies: Agencies
) -> None:
    challenge = await verifications.start(card(), CLIENT)
    face = await scan(agencies, challenge)
    with pytest.raises(ValidationFailed):
        await verifications.complete_face(
            challenge.verification_id, face["template"][:64], face["liveness"], CLIENT
        )
    verified = await verifications.complete_face(
        challenge.verification_id, face["template"], face["liveness"], CLIENT
    )
    assert verified.assurance == "IAL2.3"


async def test_five_wrong_attempts_lock_the_id_with_retry_after(
    verifications: VerificationService, clock: SimulatedClock
) -> None:
    for _ in range(5):
        with pytest.raises(CardRefused):
            await verifications.start(card(laser_code="JT0123456799"), CLIENT)
    with pytest.raises(TooManyRequests) as locked:
        await verifications.start(card(), "203.0.113.9")  # even the right card, from elsewhere
    assert locked.value.code == "too_many_attempts"
    assert 0 < int(locked.value.headers["Retry-After"]) <= 15 * 60
    clock.advance(15 * 60 + 1)
    challenge = await verifications.start(card(), CLIENT)
    assert challenge.verification_id


async def test_a_client_guessing_many_ids_is_locked(verifications: VerificationService) -> None:
    from stdnum.th import pin

    from identity.verification.prechecks import normalize_national_id

    for i in range(20):
        first12 = f"11001{i:07d}"
        pid = normalize_national_id(first12 + pin.calc_check_digit(first12))
        with pytest.raises(CardRefused):
            await verifications.start(card(national_id=pid), "192.0.2.44")
    with pytest.raises(TooManyRequests):
        await verifications.start(card(), "192.0.2.44")
    assert await verifications.start(card(), CLIENT)  # another client is not affected


async def test_a_registry_outage_is_503_with_retry_after(
    verifications: VerificationService, agencies: Agencies
) -> None:
    await agencies.app.put("/faults/DOPA", json={"outage": True})
    with pytest.raises(ServiceUnavailable) as down:
        await verifications.start(card(), CLIENT)
    assert down.value.code == "registry_unavailable"
    assert down.value.headers["Retry-After"]


async def test_purge_erases_abandoned_challenges_and_spent_counters(
    verifications: VerificationService, clock: SimulatedClock
) -> None:
    from identity.verification.models import AttemptCounter
    from identity.verification.service import purge_abandoned

    abandoned = await verifications.start(card(), CLIENT)
    with pytest.raises(CardRefused):
        await verifications.start(card(laser_code="JT0123456799"), CLIENT)
    clock.advance(16 * 60)
    expired, removed = await purge_abandoned(verifications.session, clock.now())
    await verifications.session.commit()
    assert (expired, removed) == (1, 2)  # the challenge; the pid and client counters
    row = await verifications.session.get(
        IdentityVerification, abandoned.verification_id, populate_existing=True
    )
    assert row is not None
    assert (row.status, row.card_enc) == ("expired", None)
    assert (await verifications.session.scalars(select(AttemptCounter))).all() == []


async def test_purge_expires_a_challenge_abandoned_while_it_was_decided(
    verifications: VerificationService, clock: SimulatedClock
) -> None:
    """A face step claims its challenge before it asks the registry; if the process dies there,
    the purge still erases the card data once the challenge is long expired."""
    from sqlalchemy import update

    from identity.verification.service import purge_abandoned

    claimed = await verifications.start(card(), CLIENT)
    await verifications.session.execute(
        update(IdentityVerification)
        .where(IdentityVerification.id == claimed.verification_id)
        .values(status="deciding")
    )
    await verifications.session.commit()
    clock.advance(3 * 60 + 1)  # expired, but a decision might still be landing: kept
    assert (await purge_abandoned(verifications.session, clock.now()))[0] == 0
    clock.advance(60)
    assert (await purge_abandoned(verifications.session, clock.now()))[0] == 1
    await verifications.session.commit()
    row = await verifications.session.get(
        IdentityVerification, claimed.verification_id, populate_existing=True
    )
    assert row is not None
    assert (row.status, row.card_enc) == ("expired", None)
