"""Pay (จ่าย, R-7.4): fees of applications and bills as Thai QR payments at the portal's bank,
the bank's signed webhooks confirmed with its status API, e-receipts, and the journey going on
once paid. The pure rules (Thai QR, money, the intent's states, signatures, reconciliation) are
the top-level `payments` package's; this domain stores and serves them."""
