"""The civil-registry connector against the mock registry, over HTTP (R-9.1)."""

from __future__ import annotations

import pytest
from support import SOMCHAI, Agencies

from connectors import AgencyMisconfigured, AgencyUnavailable, CardCheckCode, CardQuery
from connectors.api.dopa import DopaConfig, DopaRegistry


def query(**changes: str) -> CardQuery:
    fields = {**SOMCHAI, **changes}
    return CardQuery(
        national_id=fields["national_id"],
        first_name_th=fields["first_name_th"],
        last_name_th=fields["last_name_th"],
        birth_date_be=fields["birth_date_be"],
        laser_code=fields["laser_code"],
    )


@pytest.mark.rule("R-9.1")
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, CardCheckCode.NORMAL),
        ({"laser_code": "JT0123456799"}, CardCheckCode.MISMATCH),
        ({"first_name_th": "สมศักดิ์"}, CardCheckCode.MISMATCH),
        ({"birth_date_be": "25300116"}, CardCheckCode.MISMATCH),
        (  # demo 4: card void after an address change
            {
                "national_id": "1200100004047",
                "laser_code": "JT0123456704",
                "first_name_th": "ประเสริฐ",
                "last_name_th": "แสงทอง",
                "birth_date_be": "25270922",
            },
            CardCheckCode.VOID_ADDRESS_CHANGE,
        ),
        (
            {
                "national_id": "1900100005055",
                "laser_code": "JT0123456705",
                "first_name_th": "สุดา",
                "last_name_th": "ทองคำ",
                "birth_date_be": "25351130",
            },
            CardCheckCode.EXPIRED,
        ),
        (
            {
                "national_id": "1300100006065",
                "laser_code": "JT0123456706",
                "first_name_th": "วิชัย",
                "last_name_th": "รักไทย",
                "birth_date_be": "25280704",
            },
            CardCheckCode.REVOKED,
        ),
        ({"laser_code": ""}, CardCheckCode.INCOMPLETE),
    ],
)
async def test_the_registry_answer_is_used_as_given(
    registry: DopaRegistry, changes: dict[str, str], code: CardCheckCode
) -> None:
    answer = await registry.check_card_by_laser(query(**changes))
    assert answer.code is code
    assert answer.description_th


async def test_person_and_face_reference_are_fetched_with_the_token(
    registry: DopaRegistry,
) -> None:
    person = await registry.person(SOMCHAI["national_id"])
    assert (person.first_name_th, person.last_name_en) == ("สมชาย", "Jaidee")
    assert person.province_code == "TH-10"
    reference = await registry.face_reference(SOMCHAI["national_id"])
    assert len(reference) == 128


async def test_a_lapsed_token_is_renewed_without_the_caller_noticing(
    registry: DopaRegistry,
) -> None:
    await registry.check_card_by_laser(query())
    registry._token = "lapsed-or-forged"  # what the registry sees after 60 idle minutes
    answer = await registry.check_card_by_laser(query())
    assert answer.code is CardCheckCode.NORMAL


async def test_an_outage_is_agency_unavailable(agencies: Agencies, registry: DopaRegistry) -> None:
    await agencies.app.put("/faults/DOPA", json={"outage": True})
    with pytest.raises(AgencyUnavailable):
        await registry.check_card_by_laser(query())


async def test_a_malformed_reply_is_agency_unavailable(
    agencies: Agencies, registry: DopaRegistry
) -> None:
    await registry.check_card_by_laser(query())  # token first, then break the replies
    await agencies.app.put("/faults/DOPA", json={"malformed_rate": 1.0})
    with pytest.raises(AgencyUnavailable, match="malformed"):
        await registry.check_card_by_laser(query())


async def test_wrong_credentials_are_a_misconfiguration(agencies: Agencies) -> None:
    config = DopaConfig("http://agencies.test/dopa", "gateway-under-test", "wrong", "3100100000014")
    connector = DopaRegistry(config, transport=agencies.transport)
    with pytest.raises(AgencyMisconfigured, match="credentials"):
        await connector.check_card_by_laser(query())
    await connector.aclose()


async def test_an_unreachable_registry_is_agency_unavailable() -> None:
    config = DopaConfig("http://127.0.0.1:1/dopa", "k", "s", "3100100000014", timeout_seconds=2)
    connector = DopaRegistry(config)
    with pytest.raises(AgencyUnavailable, match="cannot reach"):
        await connector.check_card_by_laser(query())
    await connector.aclose()
