"""Issuing e-documents: from an agency's decision to a signed document in the citizen's wallet,
its standing over time (revocation, suspension, expiry reminders), and requests for permit
information (R-21.1)."""
