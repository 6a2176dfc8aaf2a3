"""`citizen-gateway agency scaffold CODE --kind api|web|platform [--out DIR] [--no-mock]`: a new
agency's own package, ready to install with `pip install -e DIR` beside the gateway, with
nothing to edit by hand before it works (docs/agency-integration.md, "A new agency in one
sitting"):

    DIR/pyproject.toml              the distribution `<code>-agency`, declaring the entry points
                                    the gateway and the mocks host find the agency through:
                                    citizen_gateway.connectors (api: the shared Case API
                                    connector, `connectors.api.casework:create`, no Python) and
                                    citizen_gateway.mock_agencies (its mock, unless --no-mock)
    DIR/<code>_agency/mock.py       the mock: api, one generated line serving agency.toml through
                                    the shared casework engine; web and platform, a starting
                                    point (health and a landing) to grow
    DIR/<code>_agency/agency.toml   api: the mock's offices, services and fees (data)
    DIR/catalog/<code>.yaml         the catalog stub: the agency and one e-service, status draft,
                                    clean under `citizen-gateway catalog lint`
    DIR/certification/<code>.json   the sample filing `citizen-gateway certify --sample` takes
    DIR/tests/test_<code>_agency.py the certification checks against the mock, in-process (api)
    DIR/README.md                   what to run next

The credentials are not written: the development credentials file gains the agency's entry on
demand, once the package is installed (both the gateway and the mocks read the entry points).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import click

KINDS = ("api", "web", "platform")
_CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")


@click.group()
def agency() -> None:
    """A new agency: its package, mock, catalog stub and certification sample."""


@agency.command("scaffold")
@click.argument("code")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="How it joins the portal.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The package directory to create (default: ./<code>-agency). Must not exist.",
)
@click.option("--no-mock", is_flag=True, help="No mock agency (you have a test back end).")
def scaffold(code: str, kind: str, out: Path | None, no_mock: bool) -> None:
    """Create a new agency's package: entry points, mock, catalog stub, sample, tests."""
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        click.echo(f"scaffold: {code!r} is not an agency code (2-16 letters and digits)", err=True)
        sys.exit(2)
    out = out or Path(f"{code.lower()}-agency")
    if out.exists():
        click.echo(f"scaffold: {out} exists; choose another --out", err=True)
        sys.exit(2)
    files = agency_files(code, kind, mock=not no_mock)
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    click.echo(f"created {out}/ for {code} ({kind}): {len(files)} files")
    for name in sorted(files):
        click.echo(f"  {name}")
    click.echo(f"next: .venv/bin/python -m pip install -e {out}   (then see {out}/README.md)")


def agency_files(code: str, kind: str, *, mock: bool = True) -> dict[str, str]:
    """Every file of the package, by its path below the package directory."""
    lower = code.lower()
    package = f"{lower}_agency"
    service_id = f"{lower}-example-permit"
    files = {
        "pyproject.toml": _pyproject(code, kind, package, mock=mock),
        f"{package}/__init__.py": f'"""{code} on the Citizen Portal: its mock and data."""\n',
        f"catalog/{lower}.yaml": _catalog(code, kind, service_id),
        f"certification/{lower}.json": json.dumps(_sample(service_id), indent=2) + "\n",
        "onboarding/flow-model.yaml": _flow_model(code, kind),
        "README.md": _readme(code, kind, package, service_id, mock=mock),
    }
    if mock:
        files[f"{package}/mock.py"] = _MOCKS[kind].format(code=code, package=package)
        if kind == "api":
            files[f"{package}/agency.toml"] = _agency_toml(code, service_id)
    if kind == "api" and mock:
        files[f"tests/test_{lower}_agency.py"] = _TEST.format(code=code, package=package)
    return files


def _pyproject(code: str, kind: str, package: str, *, mock: bool) -> str:
    entry_points = ""
    if kind == "api":
        entry_points += (
            '\n[project.entry-points."citizen_gateway.connectors"]\n'
            "# The shared Agency Case API v1 connector: no Python of our own. Once-only data\n"
            "# endpoints, if any, are its configuration (CITIZEN_GATEWAY_CONNECTOR_OPTIONS).\n"
            f'{code} = "connectors.api.casework:create"\n'
        )
    if mock:
        entry_points += (
            '\n[project.entry-points."citizen_gateway.mock_agencies"]\n'
            f'{code} = "{package}.mock:create_app"\n'
        )
    return (
        "[build-system]\n"
        'requires = ["hatchling"]\n'
        'build-backend = "hatchling.build"\n\n'
        "[project]\n"
        f'name = "{code.lower()}-agency"\n'
        'version = "1.0.0"\n'
        f'description = "{code} on the Citizen Portal: its {kind}-kind integration and mock"\n'
        'requires-python = ">=3.11"\n'
        "# Installed beside citizen-gateway, whose packages it uses (no dependency declared:\n"
        "# `pip install -e` into the gateway's own environment).\n"
        "dependencies = []\n"
        f"{entry_points}\n"
        "[tool.hatch.build.targets.wheel]\n"
        f'packages = ["{package}"]\n'
    )


def _flow_model(code: str, kind: str) -> str:
    return f"""# {code}'s service flow model (onboarding step 6, docs/onboarding.md): the to-be
# journey of the citizen, {code}'s staff and its system administrator, and what the service
# needs.
# `citizen-gateway onboarding flow-model CASE onboarding/flow-model.yaml` stores it.
journey:
  citizen:
    - ยืนยันตัวตนด้วยแอปทางรัฐ (sign in with the portal app)
    - กรอกคำขอและแนบเอกสาร (fill in the application, attach documents)
    - ติดตามสถานะและรับผล (follow its status, receive the result)
  staff:
    - รับคำขอจากระบบกลาง (receive the application from the portal)
    - พิจารณาคำขอ (review it)
    - แจ้งผลการพิจารณา (give the decision)
  administrator:
    - กำหนดสิทธิ์เจ้าหน้าที่ (grant staff their roles)
    - ดูแลการเชื่อมต่อกับระบบกลาง (look after the connection to the portal)
capabilities:
  identity_level: IAL2.3
  payment: false
  e_document: false
  forwarding: {kind}
"""


def _agency_toml(code: str, service_id: str) -> str:
    return f'''# {code}'s mock, data for the casework engine (mock_agencies/casework/generic.py).
code = "{code}"
name_th = "หน่วยงาน {code}"
name_en = "{code} (agency)"
head_office = "{code}_HQ"

[[offices]]
code = "{code}_HQ"
name_th = "หน่วยงาน {code} (ส่วนกลาง)"
name_en = "{code} head office"
provinces = []

[[services]]
id = "{service_id}"
# No fee: add [[services.fees]] tables (label, label_en, amount_satang) to charge one, and
# fees_after_approval = true to collect it once approved.
'''


def _sample(service_id: str) -> dict[str, object]:
    return {
        "service_id": service_id,
        "form": {"contact_phone": "0812345678", "note": "certification sample"},
    }


def _catalog(code: str, kind: str, service_id: str) -> str:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    return f"""# {code} in the portal's catalog: `citizen-gateway catalog lint` this file, then
# `citizen-gateway seed` it. The service stays a draft (not shown, not filed) until the
# onboarding pipeline's go-live publishes it (docs/onboarding.md; `citizen-gateway onboarding`).
agencies:
  - code: {code}
    name:
      th: หน่วยงาน {code}
      en: {code} (agency)
    ministry:
      th: สำนักนายกรัฐมนตรี
      en: Office of the Prime Minister
    integration_mode: {kind}
    calendar:
      hours:
        days: [0, 1, 2, 3, 4]
        opens: "08:30"
        closes: "16:30"
    units:
      - code: {code}_HQ
        name:
          th: หน่วยงาน {code} (ส่วนกลาง)
          en: {code} head office

services:
  - id: {service_id}
    agency: {code}
    status: draft
    name:
      th: ขอใบอนุญาตตัวอย่าง
      en: Apply for an example permit
    summary:
      th: ยื่นคำขอใบอนุญาตตัวอย่างทางออนไลน์ เจ้าหน้าที่พิจารณาและแจ้งผลทางอิเล็กทรอนิกส์
      en: Apply online for an example permit; an officer decides and tells you electronically.
    category: work
    life_stages: [working-age]
    min_assurance: IAL2.3
    manual:
      conditions:
        - th: ผู้ยื่นคำขอต้องมีสัญชาติไทย
          en: The applicant is a Thai national.
      steps:
        - title:
            th: ยื่นคำขอทางออนไลน์
            en: File the application online
          duration_minutes: 10
          responsible_unit:
            th: ผู้ขอรับบริการ
            en: Applicant
        - title:
            th: พิจารณาคำขอและแจ้งผล
            en: Decide on the application and notify the applicant
          duration_minutes: 60
          responsible_unit:
            th: หน่วยงาน {code} (ส่วนกลาง)
            en: {code} head office
      total_working_days: 5
      documents: []  # the applicant's identity comes verified with the filing (R-12.1)
      fees:
        no_fee: true
      channels:
        - kind: portal
          name:
            th: แอปพลิเคชันทางรัฐ
            en: Tang Rat app
      places:
        - name:
            th: หน่วยงาน {code} (ส่วนกลาง)
            en: {code} head office
          hours:
            days: [0, 1, 2, 3, 4]
            opens: "08:30"
            closes: "16:30"
      complaint_channels:
        - name:
            th: ศูนย์รับเรื่องร้องเรียน หน่วยงาน {code}
            en: {code} complaints desk
          phone: "021234567"
        - name:
            th: ศูนย์บริการประชาชน สำนักงานปลัดสำนักนายกรัฐมนตรี (สายด่วน 1111)
            en: Public Service Center, Office of the Prime Minister (hotline 1111)
          phone: "1111"
          url: https://www.1111.go.th
      legal_basis:
        - title:
            th: พระราชบัญญัติการอำนวยความสะดวกในการพิจารณาอนุญาตของทางราชการ พ.ศ. 2558
            en: Licensing Facilitation Act B.E. 2558 (2015)
          section: "7"
      published_on: {today}
"""


_MOCKS = {
    "api": '''"""{code}'s mock agency: the Agency Case API v1 served by the portal's shared casework
engine from agency.toml (offices, services, fees). Nothing to write here; edit the data."""

from pathlib import Path

from mock_agencies.casework.generic import data_agency

create_app = data_agency(Path(__file__).with_name("agency.toml"))
''',
    "web": '''"""{code}'s mock agency (web kind): a starting point. A web agency keeps its own
e-service, opened with appId + mToken, exchanges the mToken at the gateway and reports by signed
callbacks (docs/agency-integration.md, "Web Integration"; mock_agencies/bma is a whole one). Its
credentials at the gateway are in the development credentials file under "{code}"."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="Mock {code}")

    @app.get("/")
    async def landing() -> dict[str, str]:
        return {{"agency": "{code}", "kind": "web"}}

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {{"status": "ok"}}

    return app
''',
    "platform": '''"""{code}'s mock agency (platform kind): a starting point. A platform agency's
officers work on the gateway's agency API (/v1/agency/applications…) with the agency's client
credentials, the development credentials file's "{code}" entry (docs/agency-integration.md,
"Platform"; mock_agencies/dop is a whole back office)."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="Mock {code}")

    @app.get("/")
    async def landing() -> dict[str, str]:
        return {{"agency": "{code}", "kind": "platform"}}

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {{"status": "ok"}}

    return app
''',
}

_TEST = '''"""{code}'s connector against its mock, in-process: the portal's certification checks, as
`citizen-gateway certify` runs them. Run with the gateway's pytest:
`.venv/bin/python -m pytest <this package>/tests`."""

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from connectors.certification import (
    FaultKnobs, StaffBackOffice, Subject, certify, load_sample, registered_connector,
    text_report,
)
from connectors.config import ConnectorConfig, PolicyConfig
from mock_agencies.app import create_app as create_host
from {package}.mock import create_app

CODE = "{code}"
SAMPLE = Path(__file__).resolve().parents[1] / "certification" / f"{{CODE.lower()}}.json"


@pytest.mark.anyio
async def test_the_connector_is_certified_against_the_mock() -> None:
    agency = create_app(consumers={{"test": "test-secret"}}, callback_secret="x",
                        send_callbacks=False)
    host = create_host({{CODE: agency}}, seed=1, device_app=None)
    transport = httpx.ASGITransport(app=host)
    config = ConnectorConfig(
        agency_code=CODE, base_url=f"http://agencies.test/{{CODE.lower()}}",
        consumer_key="test", consumer_secret=SecretStr("test-secret"),
        agent_id="3100100000014", policy=PolicyConfig(max_attempts=1),
    )
    connector, factory = registered_connector(config, transport=transport)
    try:
        run = await certify(Subject(
            connector, config, factory, load_sample(SAMPLE), transport=transport,
            outages=FaultKnobs("http://agencies.test/faults", transport),
            back_office=StaffBackOffice(config.base_url, transport),
        ))
    finally:
        await connector.aclose()
        await agency.state.casework.aclose()
    assert run.certified, text_report(run)
'''


def _readme(code: str, kind: str, package: str, service_id: str, *, mock: bool) -> str:
    lower = code.lower()
    steps = [
        f"1. Install it beside the gateway: `.venv/bin/python -m pip install -e {lower}-agency`"
        " (the gateway and the mocks host find it through its entry points; restart"
        " `make run`). Its development credentials are made on demand.",
        f"2. Check and load its catalog stub: `.venv/bin/citizen-gateway catalog lint"
        f" {lower}-agency/catalog` and `.venv/bin/citizen-gateway seed {lower}-agency/catalog`.",
    ]
    if kind == "api":
        steps.append(
            f"3. Certify it: `.venv/bin/citizen-gateway certify --agency {code} --sample"
            f" {lower}-agency/certification/{lower}.json --faults-url"
            f" http://127.0.0.1:8100/faults --staff-url http://127.0.0.1:8100/{lower}`."
        )
    steps.append(
        f"{len(steps) + 1}. Take `{service_id}` through the portal's 13-step onboarding to go-live"
        f" (`citizen-gateway onboarding`, docs/onboarding.md): `onboarding/flow-model.yaml` is its"
        f" service flow model, `catalog/{lower}.yaml` the definition go-live publishes"
        + (", the certification's report folder its step-10 proof." if kind == "api" else ".")
    )
    return (
        f"# {code} on the Citizen Portal ({kind} kind)\n\n"
        f"Made by `citizen-gateway agency scaffold {code} --kind {kind}`"
        f"{'' if mock else ' --no-mock'}. The walk-through is docs/agency-integration.md,\n"
        '"A new agency in one sitting", in the gateway\'s repository.\n\n' + "\n".join(steps) + "\n"
    )
