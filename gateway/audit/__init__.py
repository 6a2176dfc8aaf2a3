"""The audit log (R-15.1): append-only, hash-chained, verifiable.

    from gateway import audit

    await audit.append(session, at=now, actor="citizen:<sub>", action="application.submitted",
                       subject="application:<uuid>", data={"service": "dlt-renew-licence"})
    report = await audit.verify(session)   # ChainReport(ok, entries_checked, first_broken_seq, ...)

`append` joins the caller's transaction and never commits.
"""

from gateway.audit.chain import GENESIS_HASH
from gateway.audit.models import AuditChainHead, AuditEntry
from gateway.audit.repository import ChainReport, Entry, append, append_many, entries_about, verify

__all__ = [
    "GENESIS_HASH",
    "AuditChainHead",
    "AuditEntry",
    "ChainReport",
    "Entry",
    "append",
    "append_many",
    "entries_about",
    "verify",
]
