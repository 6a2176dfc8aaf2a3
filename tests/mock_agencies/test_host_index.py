"""The agencies host's index (`citizen-gateway agencies`, `/` on port 8100 under `make run`):
every link on it, and on the pages it links to, leads to a page that answers."""

from __future__ import annotations

from collections.abc import Iterator

from support import Portal

AGENCIES = {"BANK", "BMA", "CGD", "DLT", "DOP", "DOPA", "NHSO", "PEA", "PWA", "RD", "SSO"}


def links_in(body: object) -> Iterator[str]:
    """Every host path (a string starting with "/") anywhere in a JSON answer."""
    if isinstance(body, str) and body.startswith("/"):
        yield body
    elif isinstance(body, dict):
        for value in body.values():
            yield from links_in(value)
    elif isinstance(body, list):
        for value in body:
            yield from links_in(value)


async def test_every_link_on_the_agencies_index_answers(portal: Portal) -> None:
    client = portal.agencies  # every mock agency, the DOP's back office wired to the gateway
    index = await client.get("/")
    assert index.status_code == 200
    assert {agency["code"] for agency in index.json()["agencies"]} == AGENCIES

    to_visit, answers = list(links_in(index.json())), {}
    while to_visit:
        path = to_visit.pop()
        if path in answers:
            continue
        response = await client.get(path, follow_redirects=True)
        answers[path] = response.status_code
        if response.headers.get("content-type", "").startswith("application/json"):
            to_visit.extend(links_in(response.json()))

    broken = {path: status for path, status in answers.items() if not 200 <= status < 400}
    assert broken == {}
    # The index reaches each agency's own pages, not just its landing.
    for reached in ("/dlt/staff/", "/sso/rules", "/rd/api/v1/health", "/bma/staff/",
                    "/dop/backoffice/", "/device/id-cards", "/faults", "/dopa/",
                    "/pea/staff/", "/pwa/staff/bill-payments"):  # fmt: skip
        assert reached in answers
