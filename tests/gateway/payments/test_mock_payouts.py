"""The mock agencies' payouts against the real gateway (in process). SSO approves an
unemployment claim: its approved event orders the first month, which the citizen then sees
coming. DOP's officer approves demo citizen 2's allowance registration on the back office: he
is enrolled, and the month's allowance is ordered through `POST /v1/agency/disbursements` with
DOP's token."""

from __future__ import annotations

from support import (
    SOMCHAI,
    SSO_FORM,
    SSO_UNEMPLOYMENT,
    Portal,
    agency_headers,
    bearer,
    draft,
    eventually,
    login,
    shown,
)

#: Demo citizen 2 (docs/demo-citizens.md): born 12 April 1951.
BOONMEE = {
    "national_id": "3500100002021",
    "laser_code": "JT0123456702",
    "first_name_th": "บุญมี",
    "last_name_th": "มีสุข",
    "birth_date_be": "24940412",
}
ALLOWANCE = "dop-older-persons-allowance-registration"


async def test_an_approved_unemployment_claim_orders_its_first_month(portal: Portal) -> None:
    headers = bearer(await login(portal))
    claim = await draft(portal, headers, SSO_UNEMPLOYMENT, SSO_FORM)
    r = await portal.gateway.post(f"/v1/applications/{claim['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    number = r.json()["application"]["number"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    cases = (await portal.agencies.get("/sso/staff/applications")).json()["applications"]
    ref = next(c["agency_ref"] for c in cases if c["application_number"] == number)
    for action in ("accept", "approve"):
        r = await portal.agencies.post(f"/sso/staff/applications/{ref}/{action}", json={})
        assert r.status_code == 200, r.text
    [ordered] = r.json()["events"][-1]["data"]["disbursements"]

    async def approved() -> bool:
        return (await shown(portal, headers, claim["id"]))["status"] == "approved"

    await eventually(approved)
    [coming] = (await portal.gateway.get("/v1/disbursements", headers=headers)).json()["coming"]
    assert coming["payout_id"] == ordered["payout_id"] == f"{number}-UB-1"
    assert (coming["agency_code"], coming["kind"]) == ("SSO", "unemployment_benefit")
    assert coming["amount_satang"] == ordered["amount_satang"] > 0
    assert coming["pay_on"] == ordered["pay_on"]
    sso = await agency_headers(portal, "SSO")
    r = await portal.gateway.get(f"/v1/agency/disbursements/{ordered['payout_id']}", headers=sso)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ordered"
    assert SOMCHAI["national_id"] not in r.text


async def approved_by_dop(portal: Portal) -> tuple[dict[str, str], str]:
    """Boonmee registers; DOP's officer accepts and approves on the mock's back office."""
    headers = bearer(await login(portal, person=BOONMEE))
    registration = await draft(portal, headers, ALLOWANCE, {"payment_method": "promptpay_id"})
    r = await portal.gateway.post(f"/v1/applications/{registration['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    for action in ("accept", "approve"):
        r = await portal.agencies.post(
            f"/dop/backoffice/applications/{registration['id']}/{action}",
            data={"officer": "dop-officer-07"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
    return headers, str(registration["id"])


async def test_the_officers_approval_enrols_demo_citizen_2(portal: Portal) -> None:
    _, application_id = await approved_by_dop(portal)
    enrolled = (await portal.agencies.get("/dop/admin/allowances")).json()["enrolled"]
    [him] = [e for e in enrolled if e["application_id"] == application_id]
    assert him["approved_by"] == "dop-officer-07"
    assert him["age"] >= 75  # the birth date the portal holds (1951-04-12)


async def test_the_month_is_ordered_through_the_gateway_once(portal: Portal) -> None:
    headers, _ = await approved_by_dop(portal)
    first = (
        await portal.agencies.post("/dop/admin/allowances/pay", json={"month": "2027-01"})
    ).json()
    assert (first["ordered"], first["already"], first["failed"]) == (1, 0, [])
    again = (
        await portal.agencies.post("/dop/admin/allowances/pay", json={"month": "2027-01"})
    ).json()
    assert (again["ordered"], again["already"], again["failed"]) == (0, 1, [])
    mine = (await portal.gateway.get("/v1/disbursements", headers=headers)).json()
    [coming] = mine["coming"]
    assert coming["agency_code"] == "DOP"
    assert coming["kind"] == "older_persons_allowance"
    assert coming["amount_satang"] == 70_000  # 75 in January 2027
    assert coming["pay_on"] == "2027-01-10"
    assert coming["payout_id"].startswith("DOP-OPA-2027-01-DOP-")
    assert BOONMEE["national_id"] not in coming["payout_id"]
