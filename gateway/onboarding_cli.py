"""`citizen-gateway onboarding open|list|show|flow-model|definition|certification|act|summary|seed`:
the onboarding API from a terminal.

Each command is a request to `/v1/admin/onboarding` with the operator token: to the gateway at
`--gateway URL` when given (e.g. the one `make run` serves), otherwise to the gateway built in
this process on the configured database (same validations, same problems, same clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import click
import httpx

from gateway.config import Settings
from gateway.onboarding.pipeline import Action, Role, Status

BASE = "/v1/admin/onboarding"

gateway_option = click.option(
    "--gateway",
    "gateway_url",
    default=None,
    help="A running gateway (e.g. http://127.0.0.1:8000). Default: in-process on DATABASE_URL.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")


@contextlib.asynccontextmanager
async def _api(gateway_url: str | None) -> AsyncIterator[httpx.AsyncClient]:
    from gateway.keys import load_secrets

    settings = Settings()
    headers = {
        "Authorization": f"Bearer {load_secrets(settings).admin_token}",
        "Accept-Language": "en",
    }
    if gateway_url is not None:
        async with httpx.AsyncClient(base_url=gateway_url, headers=headers, timeout=30) as c:
            yield c
        return
    from gateway.main import create_app

    app = create_app(
        settings.model_copy(update={"jobs_interval_seconds": 0, "embedded_worker": False})
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", headers=headers
        ) as c,
    ):
        yield c


async def _call(gateway_url: str | None, method: str, path: str, **kwargs: Any) -> Any:
    async with _api(gateway_url) as api:
        if method == "ACT":  # read the version, then act on it
            current = await api.get(path)
            _check(current)
            kwargs["json"].setdefault("version", current.json()["version"])
            r = await api.post(f"{path}/actions", **kwargs)
        else:
            r = await api.request(method, path, **kwargs)
    _check(r)
    return r.json()


def _check(r: httpx.Response) -> None:
    if r.status_code < 400:
        return
    try:
        problem = r.json()
    except ValueError:
        problem = {"code": str(r.status_code), "detail": r.text}
    click.echo(
        f"refused ({r.status_code} {problem.get('code')}): {problem.get('detail')}", err=True
    )
    for extra in ("allowed", "roles", "missing", "findings", "blocking"):
        if extra in problem:
            click.echo(f"  {extra}: {json.dumps(problem[extra], ensure_ascii=False)}", err=True)
    sys.exit(1)


def _run(gateway_url: str | None, method: str, path: str, **kwargs: Any) -> Any:
    try:
        return asyncio.run(_call(gateway_url, method, path, **kwargs))
    except httpx.HTTPError as exc:
        click.echo(f"onboarding: the gateway cannot be reached ({exc})", err=True)
        sys.exit(2)


def _line(case: dict[str, Any]) -> str:
    late = " OVERDUE" if case["overdue"] else ""
    step = case["step"]
    return (
        f"{case['id']:>5}  {case['agency']:<6} {case['service_id']:<42} "
        f"{step['step']:>2} {step['key']:<22} {case['status']}{late}"
    )


@click.group()
def onboarding() -> None:
    """The 13-step procedure that takes an e-service live (docs/onboarding.md)."""


@onboarding.command("open")
@click.option("--agency", required=True, help="The agency's code, e.g. DOEX.")
@click.option("--service", "service_id", required=True, help="The e-service's id.")
@click.option("--category", required=True, help="The catalog category, e.g. welfare.")
@click.option(
    "--connector-version", default=None, help="The version that goes live. Default: installed."
)
@click.option("--actor", default=None, help="Who selects it.")
@click.option("--note", default=None)
@click.option("--id-only", is_flag=True, help="Print only the new case's id (for scripts).")
@gateway_option
@json_option
def open_case(
    agency: str,
    service_id: str,
    category: str,
    connector_version: str | None,
    actor: str | None,
    note: str | None,
    id_only: bool,
    gateway_url: str | None,
    as_json: bool,
) -> None:
    """Select a service: a new case at step 1."""
    body: dict[str, Any] = {"agency": agency, "service_id": service_id, "category": category}
    for name, value in (
        ("connector_version", connector_version),
        ("actor", actor),
        ("note", note),
    ):
        if value is not None:
            body[name] = value
    case = _run(gateway_url, "POST", f"{BASE}/cases", json=body)
    if id_only:
        click.echo(case["id"])
    elif as_json:
        click.echo(json.dumps(case, ensure_ascii=False, indent=2))
    else:
        click.echo(_line(case))


def _document(path: Path) -> Any:
    """A JSON or YAML file's content, or exit 2 saying why not."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            return json.loads(text)
        # YAML reads `published_on: 2026-12-06` as a date: sent as JSON, it is that ISO date.
        return json.loads(json.dumps(yaml.safe_load(text), default=str))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        click.echo(f"onboarding: cannot read {path}: {exc}", err=True)
        sys.exit(2)


@onboarding.command("flow-model")
@click.argument("case_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@gateway_option
def flow_model(case_id: int, path: Path, gateway_url: str | None) -> None:
    """Store a new version of the case's service flow model (JSON or YAML: `journey`,
    `capabilities`, optional `specification`)."""
    model = _run(gateway_url, "PUT", f"{BASE}/cases/{case_id}/flow-model", json=_document(path))
    click.echo(f"case {case_id}: flow model version {model['version']}")


@onboarding.command("definition")
@click.argument("case_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@gateway_option
def definition(case_id: int, path: Path, gateway_url: str | None) -> None:
    """Store the e-service definition go-live publishes: a catalog file (YAML or JSON, the
    seed's shape, `services:` with the case's service among them) or one service."""
    content = _document(path)
    case = _run(gateway_url, "GET", f"{BASE}/cases/{case_id}")
    if isinstance(content, dict) and isinstance(content.get("services"), list):
        matching = [s for s in content["services"] if s.get("id") == case["service_id"]]
        if not matching:
            click.echo(
                f"onboarding: {path} has no service {case['service_id']!r} (case {case_id}'s)",
                err=True,
            )
            sys.exit(2)
        content = matching[0]
    case = _run(gateway_url, "PUT", f"{BASE}/cases/{case_id}/definition", json=content)
    click.echo(_line(case))


@onboarding.command("certification")
@click.argument("case_id", type=int)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@gateway_option
def certification(case_id: int, path: Path, gateway_url: str | None) -> None:
    """Submit the connector's signed certification: `citizen-gateway certify`'s report folder
    (its summary.jws and report.json) or the summary.jws file itself."""
    summary = path / "summary.jws" if path.is_dir() else path
    report = summary.with_name("report.json")
    try:
        body: dict[str, Any] = {"jws": summary.read_text(encoding="ascii").strip()}
        if report.exists():
            body["report"] = report.read_bytes().decode("utf-8")  # the bytes it was signed over
    except (OSError, ValueError) as exc:
        click.echo(f"onboarding: cannot read the certification at {path}: {exc}", err=True)
        sys.exit(2)
    stored = _run(gateway_url, "POST", f"{BASE}/cases/{case_id}/certifications", json=body)
    verdict = "certified" if stored["certified"] else "NOT certified"
    click.echo(
        f"case {case_id}: {stored['agency']} {stored['connector']} "
        f"{stored['connector_version']} {verdict} (signed {stored['issued_at']})"
    )


@onboarding.command("list")
@click.option("--stage", type=click.IntRange(1, 13), default=None, help="The current step.")
@click.option("--agency", default=None)
@click.option("--status", type=click.Choice([s.value for s in Status]), default=None)
@gateway_option
@json_option
def list_cases(
    stage: int | None,
    agency: str | None,
    status: str | None,
    gateway_url: str | None,
    as_json: bool,
) -> None:
    """Cases, oldest first (every page)."""
    params: dict[str, Any] = {"limit": 200}
    for name, value in (("stage", stage), ("agency", agency), ("status", status)):
        if value is not None:
            params[name] = value
    items: list[dict[str, Any]] = []
    while True:
        page = _run(gateway_url, "GET", f"{BASE}/cases", params=params)
        items += page["items"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    for case in items:
        click.echo(_line(case))
    click.echo(f"{len(items)} cases")


@onboarding.command("show")
@click.argument("case_id", type=int)
@gateway_option
@json_option
def show(case_id: int, gateway_url: str | None, as_json: bool) -> None:
    """One case with its history."""
    case = _run(gateway_url, "GET", f"{BASE}/cases/{case_id}")
    if as_json:
        click.echo(json.dumps(case, ensure_ascii=False, indent=2))
        return
    click.echo(_line(case))
    click.echo(f"step: {case['step']['name_th']} ({case['step']['name_en']})")
    click.echo(f"due: {case['step_due_at'] or '-'}   version: {case['version']}")
    for event in case["history"]:
        note = f"  {event['note']}" if event["note"] else ""
        click.echo(
            f"  {event['at']}  step {event['step']:>2} {event['action']:<8} "
            f"by {event['actor_role']} → {event['to_step']} {event['to_status']}{note}"
        )


@onboarding.command("act")
@click.argument("case_id", type=int)
@click.argument("action", type=click.Choice([a.value for a in Action]))
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--version", type=int, default=None, help="The version read. Default: current.")
@click.option("--actor", default=None, help="Who acts.")
@click.option("--note", default=None)
@click.option("--coordinator", default=None, help="accept (step 4): the agency's coordinator.")
@click.option("--document", "documents", multiple=True, help="A document produced (its name).")
@gateway_option
@json_option
def act(
    case_id: int,
    action: str,
    role: str,
    version: int | None,
    actor: str | None,
    note: str | None,
    coordinator: str | None,
    documents: tuple[str, ...],
    gateway_url: str | None,
    as_json: bool,
) -> None:
    """Act on the case's current step."""
    body: dict[str, Any] = {"action": action, "actor_role": role}
    for name, value in (
        ("version", version),
        ("actor", actor),
        ("note", note),
        ("coordinator", coordinator),
    ):
        if value is not None:
            body[name] = value
    body["documents"] = [{"name": name} for name in documents]
    case = _run(gateway_url, "ACT", f"{BASE}/cases/{case_id}", json=body)
    if as_json:
        click.echo(json.dumps(case, ensure_ascii=False, indent=2))
        return
    click.echo(_line(case))


@onboarding.command("summary")
@gateway_option
@json_option
def summary(gateway_url: str | None, as_json: bool) -> None:
    """Cases by stage and status, overdue steps, and what the portal has live."""
    body = _run(gateway_url, "GET", f"{BASE}/summary")
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    click.echo(body["portal"]["text_en"])
    for stage in body["by_stage"]:
        late = f" ({stage['overdue']} overdue)" if stage["overdue"] else ""
        click.echo(f"{stage['step']:>3} {stage['key']:<22} {stage['open']}{late}")
    statuses = ", ".join(f"{k} {v}" for k, v in body["by_status"].items())
    click.echo(f"cases: {statuses}; overdue: {body['overdue']}")


@onboarding.command("seed")
def seed() -> None:
    """Add the demo's onboarding cases (idempotent: a service with a case is left alone)."""
    from gateway.deps import Runtime
    from gateway.main import create_app
    from gateway.onboarding.demo import seed_demo_cases

    settings = Settings()

    async def run() -> int:
        app = create_app(
            settings.model_copy(update={"jobs_interval_seconds": 0, "embedded_worker": False})
        )
        runtime: Runtime = app.state.runtime
        async with app.router.lifespan_context(app), runtime.unit_of_work() as uow:
            return await uow.run(lambda: seed_demo_cases(uow.session, uow.now))

    click.echo(f"seeded {asyncio.run(run())} onboarding cases")
