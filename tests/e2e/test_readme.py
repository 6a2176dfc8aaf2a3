"""The README's commands, as printed, against a `make run` (the real Makefile and servers, on
free ports): the Thai catalog search, the filing example (its token from `citizen-gateway
token`, the sample PDF it attaches), moving the simulated clock; and `citizen-gateway token`
itself over real HTTP.

Each block runs in bash, with `set -eo pipefail`, from a directory laid out as the checkout is
after `make run` (`.venv`, `docs`, `var`), so paths resolve as they do for a reader. The only
change to the printed text is the ports: `localhost:8000` becomes the gateway's free port and
`localhost:8100` the mock agencies' (the
token command finds the gateway through the same environment `make run` exports)."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from makerun import ROOT, MakeRun, environment, make_run, needs_make

pytestmark = needs_make

README = ROOT / "README.md"
PAYMENTS = ROOT / "docs" / "payments.md"
DOCUMENTS = ROOT / "docs" / "documents.md"
KNOW = ROOT / "docs" / "know.md"
CLI = ROOT / ".venv" / "bin" / "citizen-gateway"


def readme_block(containing: str, page: Path = README) -> str:
    """The page's one shell block containing `containing` (indented ones too, dedented)."""
    fenced = re.findall(r"^( *)```sh\n(.*?)^\1```", page.read_text(), re.S | re.M)
    blocks = [textwrap.dedent(body) for _indent, body in fenced]
    found = [block for block in blocks if containing in block]
    assert len(found) == 1, f"the README has {len(found)} sh blocks with {containing!r}"
    return found[0]


def documents(output: str) -> list[Any]:
    """The JSON documents curl printed one after another (curl adds no newline)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(output):
        if output[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(output, at)
        found.append(document)
    return found


class Checkout:
    """A directory shaped like the checkout after `make run`: where a reader types."""

    def __init__(self, running: MakeRun, where: Path) -> None:
        self.running = running
        self.where = where
        where.mkdir()
        (where / ".venv").symlink_to(ROOT / ".venv")
        (where / "docs").symlink_to(ROOT / "docs")
        (where / "var").symlink_to(running.var)
        self.env = environment(running.var)
        self.env.update(
            CITIZEN_GATEWAY_PUBLIC_URL=running.gateway_url,
            CITIZEN_GATEWAY_AGENCIES_URL=running.agencies_url,
        )

    def sh(self, block: str) -> str:
        port = self.running.gateway_url.rsplit(":", 1)[1]
        agencies = self.running.agencies_url.rsplit(":", 1)[1]
        done = subprocess.run(  # noqa: S603 - bash running the README's own text
            [
                "/bin/bash",  # the shell the Makefile uses too
                "-c",
                "set -eo pipefail\n"
                + block.replace("localhost:8000", f"localhost:{port}").replace(
                    "localhost:8100", f"localhost:{agencies}"
                ),
            ],
            cwd=self.where,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{block}\nexit {done.returncode}:\n{done.stderr}"
        assert done.stderr == "", done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checkout]:
    workdir = tmp_path_factory.mktemp("readme")
    with make_run(workdir) as running:
        yield Checkout(running, workdir / "checkout")


def test_the_thai_search_example_finds_the_driving_licence_services(checkout: Checkout) -> None:
    (found,) = documents(checkout.sh(readme_block("--data-urlencode q=ใบขับขี่")))
    ids = [service["id"] for service in found["items"]]
    assert "dlt-driving-licence-renewal" in ids


def test_the_filing_example_files_an_application_as_printed(checkout: Checkout) -> None:
    attached, filed, shown, inbox = documents(checkout.sh(readme_block("token --citizen 1")))

    (attachment,) = attached["items"]
    assert (attachment["document"], attachment["media_type"]) == (
        "medical-certificate",
        "application/pdf",
    )
    sample = ROOT / "docs" / "samples" / "medical-certificate.pdf"
    assert attachment["size"] == sample.stat().st_size
    assert filed["application"]["status"] == "submitted"
    assert filed["receipt"]["payload"]["number"] == filed["application"]["number"]
    assert shown["id"] == filed["application"]["id"]
    assert shown["form"]["first_name_th"] == "สมชาย"  # prefilled: demo citizen 1
    assert [event["kind"] for event in shown["timeline"]][:2] == ["created", "submit"]
    assert any(filed["application"]["number"] in json.dumps(m) for m in inbox["items"])


def test_the_payments_page_pays_a_bill_as_printed(checkout: Checkout) -> None:
    """docs/payments.md "Try it": the citizen's bills, a bill's Thai QR paid in the mock
    bank's app, the payment confirmed and its signed e-receipt. (Before the clock example:
    the mock bank keeps real time, so after the gateway's clock is moved back to April a
    payment made now is after its QR expired.)"""
    bills, txn, paid, receipt = documents(checkout.sh(readme_block("/v1/me/bills", page=PAYMENTS)))
    assert bills["items"]
    assert txn["status"] == "succeeded"
    assert paid["status"] == "succeeded"
    assert paid["amount_satang"] == txn["amount_satang"] == bills["items"][0]["amount_satang"]
    assert receipt["number"] == paid["receipt_number"]
    assert (checkout.where / "var" / "qr.png").read_bytes().startswith(b"\x89PNG")


def test_the_documents_page_receives_checks_and_revokes_a_licence_as_printed(
    checkout: Checkout,
) -> None:
    """docs/documents.md "Try it": the demo's licence, its signature checked offline, the
    verification page before and after DLT's back office revokes it. (Before the clock
    example, like the payments page: the demo pays with the mock bank in real time.)"""
    output = checkout.sh(readme_block("documents check", page=DOCUMENTS))
    assert "  time-stamped (RFC 3161):" in output
    assert "\nvalid\n" in output
    before, revoked, after = documents(output[output.index("{") :])
    assert before["result"] == "valid"
    assert revoked["status"] == "revoked"
    assert after["result"] == "revoked"
    assert after["status_reason"] == "ออกซ้ำ / issued twice"


def test_the_know_page_shows_entitlements_records_and_who_looked_as_printed(
    checkout: Checkout,
) -> None:
    """docs/know.md "Try it": demo citizen 2's entitlements (the older persons' allowance,
    decided on DOPA's and CGD's data), his records from the agencies once he agrees, and the
    data-access log listing the sign-in's registry reads and each agency asked."""
    mine, consent, records, log = documents(
        checkout.sh(readme_block("/v1/me/entitlements", page=KNOW))
    )
    (older,) = [
        e
        for e in mine["entitlements"]
        if e["service_id"] == "dop-older-persons-allowance-registration"
    ]
    assert older["status"] == "eligible"
    assert all(c["met"] is True for c in older["conditions"])
    assert consent["granted"] is True
    held = {s["agency"]["code"] for s in records["sources"] if s["records"]}
    assert held >= {"DOPA", "SSO", "NHSO", "DLT"}
    assert all(s["outcome"] == "answered" for s in records["sources"])
    read = {(i["data"]["key"], i["purpose"]["kind"]) for i in log["items"]}
    assert ("civil_registry.card_check", "identity") in read
    assert ("CGD.citizen_data", "entitlements") in read


def test_the_clock_example_moves_the_simulated_clock(checkout: Checkout) -> None:
    (clock,) = documents(checkout.sh(readme_block("/v1/admin/clock")))
    assert clock["mode"] == "simulated"
    assert clock["now_local"].startswith("2026-04-10T17:05")


def test_citizen_gateway_token_prints_the_token_response_with_the_scopes_asked_for(
    checkout: Checkout,
) -> None:
    shown = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(CLI), "token", "--citizen", "2", "--json", "--scope", "openid citizen"],
        env=checkout.env,
        cwd=checkout.where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    tokens = json.loads(shown.stdout)
    assert set(tokens["scope"].split()) == {"openid", "citizen"}
    assert "id_token" in tokens
    me = httpx.get(
        f"{checkout.running.gateway_url}/v1/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=30,
    )
    assert me.status_code == 200, me.text
    assert me.json()["first_name_th"] == "บุญมี"  # demo citizen 2
