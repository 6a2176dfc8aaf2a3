"""The mock Revenue Department (RD, กรมสรรพากร), an API-kind agency: personal income tax
e-filing through the casework engine, with the refund paid on approval; its once-only data is
the withholding certificates payers reported."""
