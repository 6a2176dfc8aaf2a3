"""Each mounted app's landing at its own root (`GET /`, e.g. the host's `/dlt/`): what it is, and
links to what a visitor can open there without credentials. The host's index links to these
roots, so every link on it leads somewhere."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request


def add_landing(
    app: FastAPI, about: Mapping[str, object], links: Mapping[str, str] | None = None
) -> None:
    """`GET /` answers `about` plus `links` (paths inside `app`), the links as the visitor
    reaches them: under the mount's prefix (the scope's `root_path`) when the host mounts it."""
    inside = dict(links or {})

    @app.get("/", include_in_schema=False)
    async def landing(request: Request) -> dict[str, object]:
        prefix = str(request.scope.get("root_path", "")).rstrip("/")
        return {**about, "links": {name: prefix + path for name, path in inside.items()}}
