"""The public pages' HTML (verification, shared documents, the permit register): one plain,
accessible layout, Thai by default with an English switch, no scripts, no outside assets.
Every value is escaped here; callers pass text, never markup, except through `page(body=…)`,
whose pieces they build with `esc` and the helpers below."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

_STYLE = (
    "body{font-family:Sarabun,'Noto Sans Thai',system-ui,sans-serif;max-width:44rem;"
    "margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}"
    "h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}"
    ".state{display:inline-block;padding:.3rem .8rem;border-radius:.3rem;font-weight:bold}"
    ".valid{background:#d8f3dc;color:#1b4332}.revoked,.unknown{background:#ffd6d6;color:#7a0000}"
    ".expired,.suspended,.not_yet_valid{background:#fff3c4;color:#5c4400}"
    "nav a{margin-right:1rem}footer{margin-top:2rem;font-size:.85rem;color:#555}"
)


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def page(*, title: str, body: str, lang: str, switch_href: str) -> str:
    """A whole page. `switch_href`: the same page in the other language."""
    other = "English" if lang == "th" else "ภาษาไทย"
    footer = (
        "ข้อมูลนี้แสดงตามที่ปรากฏในเอกสาร และเป็นปัจจุบัน ณ เวลาที่เปิดดู"
        if lang == "th"
        else "What this page shows is what the document shows, current as of this request."
    )
    return (
        f'<!doctype html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{esc(title)}</title>'
        f"<style>{_STYLE}</style></head><body>"
        f'<nav><a href="{esc(switch_href)}" lang="{"en" if lang == "th" else "th"}">'
        f"{esc(other)}</a></nav>{body}<footer>{esc(footer)}</footer></body></html>"
    )


def table(rows: Iterable[tuple[str, str]], *, header: tuple[str, str] | None = None) -> str:
    """A two-column table of (label, value) text pairs."""
    head = f"<tr><th>{esc(header[0])}</th><th>{esc(header[1])}</th></tr>" if header else ""
    body = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>' for k, v in rows)
    return f"<table>{head}{body}</table>"
