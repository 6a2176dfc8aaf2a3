"""Citizen PII at rest: the vault lives in `kernel.crypto` (the gateway seals its own records
with it too); identity's modules keep importing it from here."""

from kernel.crypto import DecryptionFailed, PIIVault

__all__ = ["DecryptionFailed", "PIIVault"]
