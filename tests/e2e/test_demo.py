"""`citizen-gateway demo`'s journey, run against the in-process stack over HTTP."""

from __future__ import annotations

from support import Stack

from gateway.demo import run


async def test_the_demo_citizen_files_and_tracks_an_application(stack: Stack) -> None:
    lines: list[str] = []
    shown = await run(stack.gateway, stack.agencies, lines.append)
    assert shown["status"] == "submitted"
    assert shown["number"].startswith("DLT-")
    assert [e["kind"] for e in shown["timeline"]] == ["created", "submit"]
    text = "\n".join(lines)
    assert "identify Somchai Jaidee at IAL2.3" in text
    assert f"receipt {shown['number']}" in text
    assert "inbox" in text
