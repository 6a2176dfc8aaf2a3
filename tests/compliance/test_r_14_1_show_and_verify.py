"""R-14.1: a document the state issued electronically is shown electronically, and anyone it is
shown to can check it without signing in.

Over HTTP, through the whole portal: SSO approves a claim and its award letter is issued into
the citizen's wallet; the citizen shows it (the wallet's standing, the QR code a phone camera
reads, a link); someone without an account checks it (HTML in Thai or English, JSON); links
expire and are revoked; another citizen's documents are not reachable.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import (
    GATEWAY,
    NATTHIDA,
    Portal,
    Tool,
    approved_and_issued,
    assert_problem,
    bearer,
    local,
    login,
    outside_tool,
    wallet_document,
)

pytestmark = pytest.mark.rule("R-14.1")

AS_JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def zbarimg() -> Tool:
    return outside_tool("zbarimg", "zbar-tools")


def anyone(portal: Portal) -> httpx.AsyncClient:
    """A client of someone with no account: the same gateway, no cookies, no token."""
    assert portal.app is not None
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=portal.app), base_url=GATEWAY)


async def advance(portal: Portal, seconds: float) -> None:
    r = await portal.gateway.post(
        "/v1/admin/clock",
        json={"advance": seconds},
        headers={"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"},
    )
    assert r.status_code == 200, r.text


async def test_the_holder_shows_it_and_anyone_verifies_it_without_signing_in(
    portal: Portal, tmp_path: Path, zbarimg: Tool
) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    assert document["standing"] == "valid"
    one = await portal.gateway.get(f"/v1/documents/{document['id']}", headers=headers)
    assert one.status_code == 200
    assert (one.json()["standing"], one.json()["number"]) == ("valid", document["number"])

    # The QR code shown on screen is what a phone camera reads: the public verification page.
    qr = await portal.gateway.get(document["links"]["qr"], headers=headers)
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/png"
    (tmp_path / "qr.png").write_bytes(qr.content)
    decoded = zbarimg("--raw", "-q", tmp_path / "qr.png")
    assert decoded.returncode == 0, decoded.stderr
    verify_url = decoded.stdout.strip()
    assert verify_url == document["links"]["verify"]
    assert portal.app is not None
    public_url = str(portal.app.state.runtime.settings.public_url).rstrip("/")
    assert verify_url.startswith(f"{public_url}/verify/")

    async with anyone(portal) as stranger:
        # HTML in Thai by default, with a link to the same page in English.
        page = await stranger.get(local(verify_url))
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["content-language"] == "th"
        assert '<html lang="th">' in page.text
        assert "เอกสารถูกต้องและใช้ได้" in page.text
        assert "สมชาย ใจดี" in page.text
        assert document["number"] in page.text
        assert f'href="{local(verify_url)}?lang=en"' in page.text
        english = await stranger.get(f"{local(verify_url)}?lang=en")
        assert english.headers["content-language"] == "en"
        assert '<html lang="en">' in english.text
        assert "Genuine and valid" in english.text
        assert "เอกสารถูกต้องและใช้ได้" not in english.text

        # JSON for a program that asks for it.
        answer = await stranger.get(local(verify_url), headers=AS_JSON)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        body = answer.json()
        assert body["result"] == "valid"
        assert body["sha256"] == document["sha256"]
        values = {item["key"]: item["value"] for item in body["items"]}
        assert values["number"] == document["number"]
        assert values["holder"] == "สมชาย ใจดี"
        assert answer.headers["cache-control"] == "no-store"  # always as it is now


async def _share(
    portal: Portal, headers: dict[str, str], document: dict[str, Any], minutes: int
) -> dict[str, Any]:
    r = await portal.gateway.post(
        document["links"]["shares"], json={"expires_in_minutes": minutes}, headers=headers
    )
    assert r.status_code == 201, r.text
    share: dict[str, Any] = r.json()
    return share


async def test_a_shared_link_works_for_whoever_holds_it_until_it_expires(
    portal: Portal,
) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    share = await _share(portal, headers, document, minutes=10)
    link = local(share["url"])
    expires_at = dt.datetime.fromisoformat(share["expires_at"])
    assert expires_at - dt.datetime.fromisoformat(share["created_at"]) == dt.timedelta(minutes=10)

    async with anyone(portal) as holder_of_the_link:
        seen = await holder_of_the_link.get(link, headers=AS_JSON)
        assert seen.json()["result"] == "valid"
        assert {i["key"]: i["value"] for i in seen.json()["items"]}["holder"] == "สมชาย ใจดี"
        html = await holder_of_the_link.get(link)
        assert "เอกสารที่แบ่งปันกับท่าน" in html.text
        assert f'href="{link}/pdf"' in html.text
        pdf = await holder_of_the_link.get(f"{link}/pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        owned = await portal.gateway.get(document["links"]["pdf"], headers=headers)
        assert pdf.content == owned.content  # the very signed PDF in the wallet

        await advance(portal, 9 * 60)
        assert (await holder_of_the_link.get(link, headers=AS_JSON)).json()["result"] == "valid"
        await advance(portal, 2 * 60)  # now past its 10 minutes
        gone = await holder_of_the_link.get(link, headers=AS_JSON)
        assert gone.status_code == 200
        assert (gone.json()["result"], gone.json()["items"]) == ("unknown", [])
        assert "sha256" not in gone.json() or gone.json()["sha256"] is None
        assert "สมชาย" not in (await holder_of_the_link.get(link)).text
        assert_problem(await holder_of_the_link.get(f"{link}/pdf"), 404, "share_not_found")

    headers = bearer(await login(portal))  # the first token has lapsed by now
    listed = (await portal.gateway.get(document["links"]["shares"], headers=headers)).json()
    assert [(s["id"], s["state"]) for s in listed["items"]] == [(share["id"], "expired")]
    # The document itself still verifies: only the link ended.
    verify = local(document["links"]["verify"])
    assert (await portal.gateway.get(verify, headers=AS_JSON)).json()["result"] == "valid"


async def test_the_holder_revokes_one_link_and_the_others_keep_working(portal: Portal) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    kept = await _share(portal, headers, document, minutes=60)
    revoked = await _share(portal, headers, document, minutes=60)
    assert kept["url"] != revoked["url"]

    r = await portal.gateway.delete(
        f"{document['links']['shares']}/{revoked['id']}", headers=headers
    )
    assert r.status_code == 204
    async with anyone(portal) as stranger:
        after = await stranger.get(local(revoked["url"]), headers=AS_JSON)
        assert (after.json()["result"], after.json()["items"]) == ("unknown", [])
        assert_problem(await stranger.get(f"{local(revoked['url'])}/pdf"), 404, "share_not_found")
        still = await stranger.get(local(kept["url"]), headers=AS_JSON)
        assert still.json()["result"] == "valid"
    states = {
        s["id"]: s["state"]
        for s in (await portal.gateway.get(document["links"]["shares"], headers=headers)).json()[
            "items"
        ]
    }
    assert states == {kept["id"]: "active", revoked["id"]: "revoked"}
    # Revoking it again changes nothing.
    r = await portal.gateway.delete(
        f"{document['links']['shares']}/{revoked['id']}", headers=headers
    )
    assert r.status_code == 204


async def test_someone_elses_document_is_not_in_my_wallet(portal: Portal) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    share = await _share(portal, headers, document, minutes=60)
    other = bearer(await login(portal, person=NATTHIDA))

    wallet = await portal.gateway.get("/v1/documents", headers=other)
    assert wallet.status_code == 200
    assert document["id"] not in [d["id"] for d in wallet.json()["items"]]
    base = f"/v1/documents/{document['id']}"
    for path in (base, f"{base}/pdf", f"{base}/credential", f"{base}/qr", f"{base}/shares"):
        assert_problem(
            await portal.gateway.get(path, headers=other), 404, "wallet_document_not_found"
        )
    r = await portal.gateway.post(f"{base}/shares", json={"expires_in_minutes": 60}, headers=other)
    assert_problem(r, 404, "wallet_document_not_found")
    r = await portal.gateway.delete(f"{base}/shares/{share['id']}", headers=other)
    assert_problem(r, 404, "wallet_document_not_found")

    # Nothing of that changed the holder's link; without a token the wallet is closed.
    listed = (await portal.gateway.get(document["links"]["shares"], headers=headers)).json()
    assert [s["state"] for s in listed["items"]] == ["active"]
    assert (await portal.gateway.get(base)).status_code == 401
