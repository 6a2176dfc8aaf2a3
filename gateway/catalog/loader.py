"""Reading catalog definition files (YAML) into validated definitions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from gateway.catalog.definitions import CatalogFile

SEED_DIR = Path(__file__).parent / "seed"


class CatalogFileError(Exception):
    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


def catalog_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, with directories expanded (sorted, for a stable order)."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return found


def load_catalog(paths: Iterable[Path] = (SEED_DIR,)) -> CatalogFile:
    """Every agency and service in the files, merged; duplicate codes or ids are refused."""
    agencies, services = [], []
    for path in catalog_files(paths):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            part = CatalogFile.model_validate(raw or {})
        except (yaml.YAMLError, ValidationError) as exc:
            raise CatalogFileError(path, str(exc)) from exc
        agencies.extend(part.agencies)
        services.extend(part.services)
    for kind, keys in (
        ("agency", [a.code for a in agencies]),
        ("service", [s.id for s in services]),
    ):
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise CatalogFileError(Path("."), f"duplicate {kind}: {', '.join(duplicates)}")
    return CatalogFile(agencies=agencies, services=services)
