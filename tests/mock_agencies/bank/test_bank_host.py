"""The bank in the agencies host: mounted at /bank, built at start, under the shared fault
knobs, with its landing's links answering; and its credentials file, made once and shared
with the gateway."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pytest
from bank_support import SOMCHAI, bill_qr, serving

from mock_agencies import bank
from mock_agencies.app import create_app as create_host
from mock_agencies.app import registered_agencies
from mock_agencies.deferred import Deferred
from mock_agencies.registry import credential_codes


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path / "agencies"))
    monkeypatch.delenv("MOCK_BANK_WEBHOOK_URL", raising=False)
    return tmp_path / "agencies"


def test_the_host_serves_the_bank_built_at_start_and_it_has_no_agency_credentials() -> None:
    assert isinstance(registered_agencies()["BANK"], Deferred)
    assert "BANK" not in credential_codes()  # not a casework agency: no connector, no consumer


async def test_the_index_lists_the_bank_and_its_landing_links_answer() -> None:
    async with serving() as served:
        index = (await served.client.get("/")).json()
        landing = await served.client.get("/bank/")
        links = landing.json()["links"]
        answers = {path: (await served.client.get(path)).status_code for path in links.values()}
    assert {"code": "BANK", "base_path": "/bank/"} in index["agencies"]
    assert landing.json()["psp"] == "mockbank"
    assert links["demo_account"] == f"/bank/app/accounts/{SOMCHAI}"
    assert set(answers.values()) == {200}


async def test_the_shared_fault_knobs_take_the_bank_down() -> None:
    async with serving() as served:
        down = await served.client.put("/faults/BANK", json={"outage": True})
        refused = await served.client.post(
            "/bank/app/scan-pay", json={"pid": SOMCHAI, "payload": bill_qr("A1", amount_satang=1)}
        )
        await served.client.delete("/faults")
        health = await served.client.get("/bank/api/v1/health")
        balance = await served.balance()
    assert down.status_code == 200
    assert refused.status_code == 503
    assert health.status_code == 200
    assert balance == 5_000_000  # the outage took no money


async def test_the_default_bank_makes_its_credentials_file_once(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCK_BANK_WEBHOOK_URL", "http://127.0.0.1:8000/hooks/mockbank")
    app = bank.create_default_app()
    path = var_dir / "bank-credentials.json"
    entry = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(entry) == {"api_key", "webhook_key_id", "webhook_secret"}
    assert len(entry["api_key"]) == len(entry["webhook_secret"]) == 43
    assert entry["webhook_key_id"] == "k1"
    assert bank.load_bank_credentials() == bank.BankCredentials(
        entry["api_key"], entry["webhook_secret"], "k1"
    )  # the second reader gets the first one's
    assert json.loads(path.read_text()) == entry

    host = create_host({"BANK": app}, seed=1)
    transport = httpx.ASGITransport(app=host)
    async with (
        host.router.lifespan_context(host),
        httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client,
    ):
        headers = {"Authorization": f"Bearer {entry['api_key']}"}
        webhook = await client.get("/bank/api/v1/webhook", headers=headers)
        refused = await client.get("/bank/api/v1/webhook")
    assert webhook.json() == {"url": "http://127.0.0.1:8000/hooks/mockbank"}
    assert refused.status_code == 401


def test_a_broken_credentials_file_is_reported(var_dir: Path) -> None:
    var_dir.mkdir(parents=True)
    (var_dir / "bank-credentials.json").write_text('{"api_key": "x"}')
    with pytest.raises(ValueError, match="delete it"):
        bank.load_bank_credentials()
