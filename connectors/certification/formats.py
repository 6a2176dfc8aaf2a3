"""A certification run as documents a team keeps: Markdown (to read in a merge request or a
ticket), HTML (one self-contained page: no script, no external asset, every value escaped) and
JSON (for machines; the signed summary carries its SHA-256).

Each says the same: the agency, the connector's class and version, the address certified, when,
the verdict and why (the failed or erred checks, the findings the policy blocks), every check
with its title, outcome, duration and what it saw, and every finding with its id, severity,
title, detail and evidence (request and response excerpts as the analysers gave them: already
masked).

    report_json(run)       bytes: UTF-8 JSON, keys in a fixed order (REPORT_FORMAT)
    markdown_report(run)   str
    html_report(run)       str
    write_reports(folder, run) -> ReportFiles   report.md, report.html, report.json, junit.xml
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.certification.report import (
    junit_xml,
    ordered_findings,
    policy_text,
    summary,
    verdict_reasons,
)
from connectors.certification.results import Certification, Evidence, Finding, Outcome

#: The JSON report's `format`: a reader that knows it knows every field below.
REPORT_FORMAT = "citizen-gateway/certification-report/1"


def verdict(run: Certification) -> str:
    return "certified" if run.certified else "not_certified"


def _evidence_json(evidence: Evidence) -> dict[str, str]:
    return {"request": evidence.request, "response": evidence.response, "note": evidence.note}


def _finding_json(run: Certification, found: Finding) -> dict[str, Any]:
    return {
        "id": found.finding_id,
        "severity": found.severity.value,
        "blocking": run.policy.blocks(found),
        "title": found.title,
        "detail": found.detail,
        "evidence": [_evidence_json(evidence) for evidence in found.evidence],
    }


def report_data(run: Certification) -> dict[str, Any]:
    """The run as plain JSON values."""
    return {
        "format": REPORT_FORMAT,
        "agency": run.agency_code,
        "connector": run.connector,
        "connector_version": run.connector_version,
        "base_url": run.base_url,
        "started_at": run.started_at.isoformat(),
        "duration_seconds": round(run.duration_seconds, 3),
        "verdict": verdict(run),
        "reasons": verdict_reasons(run),
        "policy": {
            "blocking": [
                severity.value
                for severity in sorted(run.policy.blocking, key=lambda severity: severity.rank)
            ]
        },
        "counts": {outcome.value: run.count(outcome) for outcome in Outcome},
        "checks": [
            {
                "id": result.check_id,
                "title": result.title,
                "outcome": result.outcome.value,
                "duration_seconds": round(result.duration_seconds, 3),
                "detail": result.detail,
            }
            for result in run.results
        ],
        "findings": [_finding_json(run, found) for found in ordered_findings(run)],
        "notes": list(run.notes),  # what the run could not judge, and why
    }


def report_json(run: Certification) -> bytes:
    """The JSON report's bytes (what the signed summary's `report_sha256` is computed over)."""
    text = json.dumps(report_data(run), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


# -- Markdown -----------------------------------------------------------------------------------

#: What would change the meaning of inline text (emphasis, code, links, HTML, table cells).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
#: What would make a paragraph a heading, a list or a quote when it starts one.
_BLOCK_START = re.compile(r"^(#|[-+]|\d+[.)])(?=\s|$)")


def _md(text: str) -> str:
    """Inline text with Markdown's punctuation escaped, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _md_paragraph(text: str) -> str:
    """`_md(text)`, also when it starts as a heading or a list item would."""
    return _BLOCK_START.sub(lambda match: "\\" + match.group(0), _md(text))


def _fenced(text: str) -> list[str]:
    """`text` verbatim in a code block whose fence no run of backticks inside it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *text.splitlines(), fence]


def _md_evidence(evidence: Evidence) -> list[str]:
    shown = [f"> {evidence.request}"]
    if evidence.response:
        shown += [f"< {line}" for line in evidence.response.splitlines() or [""]]
    lines = _fenced("\n".join(shown))
    if evidence.note:
        lines.append(f"_{_md(evidence.note)}_")
    return lines


def markdown_report(run: Certification) -> str:
    heading = "CERTIFIED" if run.certified else "NOT CERTIFIED"
    lines = [
        f"# Certification of the {_md(run.agency_code)} connector: {heading}",
        "",
        "| | |",
        "|---|---|",
        f"| agency | {_md(run.agency_code)} |",
        f"| connector | {_md(run.connector)} {_md(run.connector_version)} |",
        f"| base URL | {_md(run.base_url)} |",
        f"| started | {_md(run.started_at.isoformat(timespec='seconds'))} |",
        f"| blocking severities | {_md(policy_text(run))} |",
        "",
        f"**{_md(summary(run))}**",
        "",
        *[f"- {_md(reason)}" for reason in verdict_reasons(run)],
        "",
        "## Checks",
        "",
        "| check | outcome | duration | expects |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {_md(result.check_id)} | {result.outcome.value.upper()} | "
        f"{result.duration_seconds:.2f} s | {_md(result.title)} |"
        for result in run.results
    ]
    for result in run.results:
        lines += ["", f"### {_md(result.check_id)}: {result.outcome.value.upper()}", ""]
        lines += [_md_paragraph(result.title), "", *_fenced(result.detail or "(nothing said)")]
    lines += ["", "## Findings", ""]
    if not run.findings:
        lines.append("None.")
    for found in ordered_findings(run):
        blocks = " (blocks)" if run.policy.blocks(found) else ""
        lines += [
            f"### {_md(found.finding_id)}: {found.severity.value}{blocks}",
            "",
            f"**{_md(found.title)}**",
            "",
            _md_paragraph(found.detail),
        ]
        for evidence in found.evidence:
            lines += ["", *_md_evidence(evidence)]
    if run.notes:
        lines += ["", "## Not judged", ""] + [f"- {_md(note)}" for note in run.notes]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# -- HTML ---------------------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}pre{background:#f4f4f4;padding:.5rem;white-space:pre-wrap;
overflow-wrap:anywhere;margin:.25rem 0}
.pass{color:#17622b}.fail,.error,.blocks{color:#a51d1d;font-weight:bold}.skip{color:#6b6b6b}
.verdict{font-size:1.3rem;font-weight:bold}.certified{color:#17622b}
.not_certified{color:#a51d1d}
""".strip()


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_evidence(evidence: Evidence) -> str:
    shown = f"&gt; {_h(evidence.request)}"
    if evidence.response:
        shown += "\n" + "\n".join(f"&lt; {_h(line)}" for line in evidence.response.splitlines())
    note = f"<p><em>{_h(evidence.note)}</em></p>" if evidence.note else ""
    return f"<pre>{shown}</pre>{note}"


def html_report(run: Certification) -> str:
    state = verdict(run)
    heading = "CERTIFIED" if run.certified else "NOT CERTIFIED"
    rows = "".join(
        f"<tr><th>{_h(name)}</th><td>{_h(value)}</td></tr>"
        for name, value in (
            ("agency", run.agency_code),
            ("connector", f"{run.connector} {run.connector_version}".strip()),
            ("base URL", run.base_url),
            ("started", run.started_at.isoformat(timespec="seconds")),
            ("blocking severities", policy_text(run)),
        )
    )
    reasons = "".join(f"<li>{_h(reason)}</li>" for reason in verdict_reasons(run))
    checks = "".join(
        f'<tr id="check-{_h(result.check_id)}"><td>{_h(result.check_id)}</td>'
        f'<td class="{_h(result.outcome.value)}">{_h(result.outcome.value.upper())}</td>'
        f"<td>{result.duration_seconds:.2f}&nbsp;s</td><td>{_h(result.title)}"
        f"<pre>{_h(result.detail)}</pre></td></tr>"
        for result in run.results
    )
    findings = "".join(
        f'<section class="finding"><h3>{_h(found.finding_id)}: '
        f'<span class="{_h(found.severity.value)}">{_h(found.severity.value)}</span>'
        + (' <span class="blocks">(blocks)</span>' if run.policy.blocks(found) else "")
        + f"</h3><p><strong>{_h(found.title)}</strong></p><p>{_h(found.detail)}</p>"
        + "".join(_html_evidence(evidence) for evidence in found.evidence)
        + "</section>"
        for found in ordered_findings(run)
    )
    notes = "".join(f"<li>{_h(note)}</li>" for note in run.notes)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Certification of {_h(run.agency_code)}: {_h(heading)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Certification of the {_h(run.agency_code)} connector</h1>"
        f'<p class="verdict {state}">{_h(heading)}</p><p>{_h(summary(run))}</p>'
        f"<ul>{reasons}</ul><table>{rows}</table>"
        "<h2>Checks</h2><table><tr><th>check</th><th>outcome</th><th>duration</th>"
        f"<th>expects, and what was seen</th></tr>{checks}</table>"
        f"<h2>Findings</h2>{findings or '<p>None.</p>'}"
        + (f"<h2>Not judged</h2><ul>{notes}</ul>" if notes else "")
        + "</body></html>\n"
    )


# -- the files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    folder: Path
    markdown: Path
    html: Path
    json: Path
    junit: Path
    json_bytes: bytes  # what was written to `json`, for its digest


def write_reports(folder: Path, run: Certification) -> ReportFiles:
    """report.md, report.html, report.json and junit.xml of `run` in `folder` (made)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = report_json(run)
    files = ReportFiles(
        folder=folder,
        markdown=folder / "report.md",
        html=folder / "report.html",
        json=folder / "report.json",
        junit=folder / "junit.xml",
        json_bytes=data,
    )
    files.markdown.write_text(markdown_report(run), encoding="utf-8")
    files.html.write_text(html_report(run), encoding="utf-8")
    files.json.write_bytes(data)
    files.junit.write_bytes(junit_xml([run]))
    return files
