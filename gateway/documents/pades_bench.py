"""How fast `documents.pades.sign_pdf` is: `python -m gateway.documents.pades_bench
[--count N]` signs N rendered documents, after a warm-up, and prints the CPU time each
signature took and the bytes it added to the PDF, so a figure quoted for issuance throughput
is one anyone can reproduce.

The set-up is issuance's own: PDFs from `documents.render.render_pdf` (rendered before the clock
starts: `documents.render_bench` times that), a throwaway document trust and a throwaway
development TSA (`gateway.receipts.tsa`) in a temporary directory, the time-stamp requested
in-process, the CRL in the DSS. Each signature runs under `asyncio.run`, as the issuing worker
calls it (`gateway.documents.signing`). CPU time (`time.process_time`), as in render_bench.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from cryptography import x509

from documents.pades import sign_pdf
from documents.render import render_pdf
from documents.render_bench import sample
from documents.trust import AgencySigner, DocumentTrust
from gateway.receipts.tsa import TimestampAuthority, generate_development_authority
from kernel.clock import SystemClock

_WARM_UP = 5


def _sign(
    pdf: bytes,
    signer: AgencySigner,
    tsa: TimestampAuthority,
    tsa_roots: tuple[x509.Certificate, ...],
    crl: bytes,
) -> bytes:
    return asyncio.run(
        sign_pdf(
            pdf,
            signer,
            timestamp=tsa.handle_request,
            tsa_roots=tsa_roots,
            crls=[crl],
            signing_time=dt.datetime.now(dt.UTC),
            reason="Older persons' allowance card",
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.documents.pades_bench", description=__doc__
    )
    parser.add_argument("--count", type=int, default=200, help="signatures to time (default 200)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pades-bench-") as temporary:
        root = Path(temporary)
        generate_development_authority(root / "tsa")
        tsa = TimestampAuthority.load_or_create(root / "tsa", production=False, clock=SystemClock())
        trust = DocumentTrust.load_or_create(
            root / "documents", production=False, crl_url="https://gateway.example/crl"
        )
        signer = trust.signer("DOP")
        tsa_roots = (tsa.ca_certificate,)
        crl = trust.crl_der()
        pdfs = [render_pdf(sample(index)) for index in range(args.count + _WARM_UP)]

        started = time.process_time()
        _sign(pdfs[0], signer, tsa, tsa_roots, crl)  # the first pays for every per-signer cache
        cold_ms = (time.process_time() - started) * 1000
        for pdf in pdfs[1:_WARM_UP]:
            _sign(pdf, signer, tsa, tsa_roots, crl)

        times: list[float] = []
        added: list[int] = []
        for pdf in pdfs[_WARM_UP:]:
            started = time.process_time()
            signed = _sign(pdf, signer, tsa, tsa_roots, crl)
            times.append((time.process_time() - started) * 1000)
            added.append(len(signed) - len(pdf))

    mean = statistics.fmean(times)
    print(f"first signature: {cold_ms:.1f} ms CPU")
    print(
        f"warm, {args.count} signatures: {mean:.1f} ms CPU each (median "
        f"{statistics.median(times):.1f}, max {max(times):.1f}), "
        f"{1000 / mean:.0f} signatures/s on one core"
    )
    print(f"bytes added: {min(added):,} to {max(added):,}")


if __name__ == "__main__":
    main()
