"""The mock DOP's monthly older persons' allowance: who is enrolled (registrations DOP approved),
and the run that orders each month's payouts through the portal's agency API (a fake portal
recording the orders and answering 201, 200 for a repeat, 409 for a reused payout id)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from dop_support import Dop, FakePortal, application, national_id, serving_dop

from mock_agencies.app import create_app as create_host

BOONMEE = "3500100002021"  # demo citizen 2, born 12 April 1951 (docs/demo-citizens.md)
PAY = "/admin/allowances/pay"


@pytest.fixture
async def dop() -> AsyncIterator[Dop]:
    async with serving_dop() as served:
        yield served


async def eventually(check: Callable[[], bool], what: str) -> None:
    for _ in range(3000):  # up to 30 s: a loaded machine is slow; it ends once it holds
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def approved(number: int, birth_date: str, **kwargs: Any) -> dict[str, Any]:
    """A registration the portal holds as approved by DOP (before this mock's memory)."""
    return application(number, birth_date, **kwargs) | {"status": "approved"}


async def pay(dop: Dop, month: str) -> dict[str, Any]:
    answer = await dop.client.post(PAY, json={"month": month})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_an_officers_approval_enrols_the_person_and_the_run_pays_them(dop: Dop) -> None:
    dop.portal.add(application(2, "1951-04-12", pid=BOONMEE) | {"status": "in_review"})
    approval = await dop.client.post(
        "/backoffice/applications/app-0002/approve", data={"officer": "somsri.k"}
    )
    assert approval.status_code == 303
    listed = (await dop.client.get("/admin/allowances")).json()
    assert listed == {
        "enrolled": [
            {
                "application_number": "DOP-2569-000002",
                "application_id": "app-0002",
                "national_id_masked": "x-xxxx-xxxxx-02-1",
                "age": 75,  # on 16 April 2026
                "approved_by": "somsri.k",
            }
        ],
        "months": {},
    }
    assert BOONMEE not in str(listed)

    summary = await pay(dop, "2026-07")
    assert summary == {"month": "2026-07", "ordered": 1, "already": 0, "failed": []}
    assert dop.portal.orders == [
        {
            "payout_id": "DOP-OPA-2026-07-DOP-2569-000002",
            "national_id": BOONMEE,
            "amount_satang": 70_000,  # 75 in July 2026: 700 THB
            "kind": "older_persons_allowance",
            "title_th": "เบี้ยยังชีพผู้สูงอายุ ประจำเดือนกรกฎาคม 2569",
            "title_en": "Older persons' allowance, July 2026",
            "period": "2026-07",
            "pay_on": "2026-07-10",
        }
    ]
    # It used DOP's token: the order went to the portal as DOP, and nothing was read again
    # (the one read is the approval's, for the award letter's amount).
    assert dop.portal.reads == [("app-0002", "somsri.k")]
    month = (await dop.client.get("/admin/allowances")).json()["months"]["2026-07"]
    assert month["pay_on"] == "2026-07-10"
    assert month["failed"] == []
    assert month["payouts"] == [
        {
            "payout_id": "DOP-OPA-2026-07-DOP-2569-000002",
            "application_number": "DOP-2569-000002",
            "national_id_masked": "x-xxxx-xxxxx-02-1",
            "age": 75,
            "amount_satang": 70_000,
            "answer": "ordered",
        }
    ]


async def test_running_a_month_again_orders_nothing_new(dop: Dop) -> None:
    dop.portal.add(approved(1, "1950-01-01"))
    dop.portal.add(approved(2, "1940-06-15"))
    first = await pay(dop, "2026-07")
    assert (first["ordered"], first["already"], first["failed"]) == (2, 0, [])
    again = await pay(dop, "2026-07")
    assert again == {"month": "2026-07", "ordered": 0, "already": 2, "failed": []}
    assert len(dop.portal.orders) == 4  # asked again, with the same orders
    assert dop.portal.orders[2:] == dop.portal.orders[:2]
    assert sorted(dop.portal.payouts) == [
        "DOP-OPA-2026-07-DOP-2569-000001",
        "DOP-OPA-2026-07-DOP-2569-000002",
    ]
    listed = (await dop.client.get("/admin/allowances")).json()["months"]["2026-07"]
    assert [p["answer"] for p in listed["payouts"]] == ["already", "already"]
    # The next month is new money.
    august = await pay(dop, "2026-08")
    assert (august["ordered"], august["already"]) == (2, 0)
    assert len(dop.portal.payouts) == 4


@pytest.mark.parametrize(
    ("birth_date", "month", "age", "satang"),
    [
        ("1966-07-01", "2026-07", 60, 60_000),
        ("1956-08-01", "2026-07", 69, 60_000),
        ("1956-07-31", "2026-07", 70, 70_000),  # turns 70 in the month: 700 that month
        ("1947-01-01", "2026-07", 79, 70_000),
        ("1946-07-10", "2026-07", 80, 80_000),
        ("1936-12-31", "2026-07", 89, 80_000),
        ("1936-07-31", "2026-07", 90, 100_000),
        ("1920-02-29", "2026-07", 106, 100_000),
    ],
)
async def test_the_amount_follows_the_age_reached_in_the_month(
    dop: Dop, birth_date: str, month: str, age: int, satang: int
) -> None:
    dop.portal.add(approved(1, birth_date))
    summary = await pay(dop, month)
    assert (summary["ordered"], summary["failed"]) == (1, [])
    assert dop.portal.orders[0]["amount_satang"] == satang
    listed = (await dop.client.get("/admin/allowances")).json()["months"][month]
    assert listed["payouts"][0]["age"] == age


async def test_the_run_enrols_approvals_it_did_not_see_and_nobody_else(dop: Dop) -> None:
    """After a restart the mock remembers nothing: the portal's approved registrations are
    read once (as the run, DOP's client) and enrolled; other services and open cases are not."""
    dop.portal.add(approved(1, "1950-01-01"))
    dop.portal.add(application(2, "1950-01-01") | {"status": "in_review"})
    dop.portal.add(application(3, "1950-01-01") | {"status": "rejected"})
    dop.portal.add(approved(4, "1950-01-01", service_id="dop-older-persons-fund-loan"))
    summary = await pay(dop, "2026-05")
    assert (summary["ordered"], summary["failed"]) == (1, [])
    assert [o["payout_id"] for o in dop.portal.orders] == ["DOP-OPA-2026-05-DOP-2569-000001"]
    assert dop.portal.reads == [("app-0001", "allowance-run")]
    await pay(dop, "2026-06")
    assert dop.portal.reads == [("app-0001", "allowance-run")]  # read once
    enrolled = (await dop.client.get("/admin/allowances")).json()["enrolled"]
    assert [(e["application_id"], e["approved_by"]) for e in enrolled] == [("app-0001", "portal")]


async def test_the_automatic_rule_enrols_what_it_approves(dop: Dop) -> None:
    dop.portal.add(application(1, "1950-01-01"))
    dop.portal.add(application(2, "1990-01-01"))  # too young: rejected, never enrolled
    rules = {"auto_accept": True, "auto_decide_after_seconds": 0, "poll_seconds": 0.01}
    await dop.client.put("/rules", json=rules)
    await eventually(
        lambda: {a["status"] for a in dop.portal.applications.values()} == {"approved", "rejected"},
        "both decided",
    )
    enrolled = (await dop.client.get("/admin/allowances")).json()["enrolled"]
    assert [(e["application_id"], e["approved_by"]) for e in enrolled] == [
        ("app-0001", "auto-rule")
    ]
    summary = await pay(dop, "2026-05")
    assert (summary["ordered"], summary["failed"]) == (1, [])
    assert dop.portal.orders[0]["national_id"] == national_id(1)


async def test_one_allowance_a_person_registered_twice(dop: Dop) -> None:
    twice = national_id(7)
    dop.portal.add(approved(9, "1950-01-01", pid=twice))
    dop.portal.add(approved(3, "1950-01-01", pid=twice))
    summary = await pay(dop, "2026-05")
    assert (summary["ordered"], summary["already"], summary["failed"]) == (1, 0, [])
    # the earlier registration, whichever the mock met first
    assert [o["payout_id"] for o in dop.portal.orders] == ["DOP-OPA-2026-05-DOP-2569-000003"]


async def test_what_cannot_be_paid_is_reported_and_the_rest_is_paid(dop: Dop) -> None:
    dop.portal.add(approved(1, "1950-01-01"))
    dop.portal.add(approved(2, "1990-01-01"))  # an officer approved someone under 60
    no_id = approved(3, "1950-01-01")
    del no_id["applicant"]
    dop.portal.add(no_id)
    no_birth = approved(4, "1950-01-01")
    del no_birth["form"]["birth_date"]
    dop.portal.add(no_birth)
    summary = await pay(dop, "2026-05")
    assert (summary["ordered"], summary["already"]) == (1, 0)
    assert sorted((f["application_number"], f["code"]) for f in summary["failed"]) == [
        ("DOP-2569-000002", "under_60"),
        ("DOP-2569-000003", "no_national_id"),
        ("DOP-2569-000004", "no_birth_date"),
    ]
    assert [o["payout_id"] for o in dop.portal.orders] == ["DOP-OPA-2026-05-DOP-2569-000001"]


async def test_a_payout_id_the_portal_holds_with_other_content_is_reported(dop: Dop) -> None:
    dop.portal.add(approved(1, "1950-01-01"))
    dop.portal.add(approved(2, "1950-01-01"))
    # ordered before with another amount (say, a birth date since corrected)
    dop.portal.payouts["DOP-OPA-2026-05-DOP-2569-000001"] = {
        "payout_id": "DOP-OPA-2026-05-DOP-2569-000001",
        "national_id": national_id(1),
        "amount_satang": 60_000,
        "kind": "older_persons_allowance",
        "title_th": "x",
        "title_en": "x",
        "period": "2026-05",
        "pay_on": "2026-05-10",
        "status": "credited",
    }
    summary = await pay(dop, "2026-05")
    assert (summary["ordered"], summary["already"]) == (1, 0)
    assert summary["failed"] == [
        {
            "application_number": "DOP-2569-000001",
            "payout_id": "DOP-OPA-2026-05-DOP-2569-000001",
            "code": "payout_id_reused",
            "detail": "Payout DOP-OPA-2026-05-DOP-2569-000001 was ordered before with other "
            "content.",
        }
    ]
    assert dop.portal.payouts["DOP-OPA-2026-05-DOP-2569-000001"]["amount_satang"] == 60_000


async def test_a_portal_that_is_down_orders_nothing_and_says_so() -> None:
    portal = FakePortal()
    portal.add(approved(1, "1950-01-01"))
    portal.down = True
    async with serving_dop(portal) as dop:
        answer = await dop.client.post(PAY, json={"month": "2026-05"})
        assert answer.status_code == 502
        assert answer.json() == {
            "error": "portal_unavailable",
            "message": "The portal is down for maintenance.",
        }
        assert portal.orders == []
        portal.down = False
        assert (await pay(dop, "2026-05"))["ordered"] == 1


@pytest.mark.parametrize("month", ["2026-13", "2026-7", "26-07", "2026-07-01", "", "1999-12"])
async def test_the_month_is_checked(dop: Dop, month: str) -> None:
    dop.portal.add(approved(1, "1950-01-01"))
    answer = await dop.client.post(PAY, json={"month": month})
    assert answer.status_code == 422
    assert dop.portal.orders == []


async def test_the_run_takes_nothing_but_the_month(dop: Dop) -> None:
    answer = await dop.client.post(PAY, json={"month": "2026-07", "amount_satang": 1})
    assert answer.status_code == 422


async def test_through_the_host(dop: Dop) -> None:
    dop.portal.add(approved(1, "1950-01-01"))
    host = create_host({"DOP": dop.app}, seed=5)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=host), base_url="http://agencies.test"
    ) as agencies:
        landing = (await agencies.get("/dop/")).json()
        assert landing["links"]["allowances"] == "/dop/admin/allowances"
        ran = await agencies.post("/dop/admin/allowances/pay", json={"month": "2026-05"})
        assert ran.json()["ordered"] == 1
        listed = (await agencies.get("/dop/admin/allowances")).json()
        assert listed["enrolled"][0]["application_id"] == "app-0001"
        assert national_id(1) not in str(listed)
