"""The public register of granted permits (R-13.1): free, current, per agency; holders'
names masked as the law allows, found by a keyed index of the full name (never in clear)."""

from __future__ import annotations

import unicodedata

from kernel.crypto import PIIVault


def name_index(vault: PIIVault, full_name: str) -> str:
    """The keyed index a holder's full name is searched by: NFC, spaces collapsed, case folded."""
    normal = " ".join(unicodedata.normalize("NFC", full_name).split()).casefold()
    return vault.blind_index(f"name:{normal}")
