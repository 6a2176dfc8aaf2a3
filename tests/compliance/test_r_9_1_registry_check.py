"""R-9.1: the ID card check goes to the central registration office (mock DOPA) electronically,
and its answer is used as given."""

from __future__ import annotations

import pytest
from support import SOMCHAI, Stack, assert_problem

VOID = {  # demo citizen 4: card cancelled after an address change
    "national_id": "1200100004047",
    "laser_code": "JT0123456704",
    "first_name_th": "ประเสริฐ",
    "last_name_th": "แสงทอง",
    "birth_date_be": "25270922",
}


EXPIRED = {  # demo citizen 5
    "national_id": "1900100005055",
    "laser_code": "JT0123456705",
    "first_name_th": "สุดา",
    "last_name_th": "ทองคำ",
    "birth_date_be": "25351130",
}
REVOKED = {  # demo citizen 6
    "national_id": "1300100006065",
    "laser_code": "JT0123456706",
    "first_name_th": "วิชัย",
    "last_name_th": "รักไทย",
    "birth_date_be": "25280704",
}


@pytest.mark.rule("R-9.1")
@pytest.mark.parametrize(
    ("card", "code", "registry_code"),
    [
        ({**SOMCHAI, "laser_code": "JT0123456799"}, "card_data_mismatch", 4),
        ({**SOMCHAI, "birth_date_be": "25300116"}, "card_data_mismatch", 4),
        (VOID, "card_void_address_change", 2),
        (EXPIRED, "card_expired", 6),
        (REVOKED, "card_revoked", 7),
    ],
)
async def test_the_registry_refusal_reaches_the_citizen_as_given(
    stack: Stack, card: dict[str, str], code: str, registry_code: int
) -> None:
    r = await stack.gateway.post("/v1/identity/verifications", json=card)
    body = assert_problem(r, 422, code)
    assert body["registry_code"] == registry_code
    assert body["registry_message"]  # the registry's own words, in Thai


@pytest.mark.rule("R-9.1")
async def test_without_the_registry_there_is_no_login(stack: Stack) -> None:
    await stack.agencies.put("/faults/DOPA", json={"outage": True})
    r = await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)
    assert_problem(r, 503, "registry_unavailable")  # never a local guess instead


@pytest.mark.rule("R-9.1")
async def test_the_registry_is_asked_every_time(stack: Stack) -> None:
    first = await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)
    assert first.status_code == 201
    await stack.agencies.put("/faults/DOPA", json={"outage": True})
    again = await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)
    assert again.status_code == 503  # no cached "yes" from the first check
