"""Payments: the pure rules of paying the state and being paid by it.

- `thaiqr`: Thai QR payloads (EMVCo merchant-presented; bill payment and PromptPay), built and
  parsed, with the paper bill's barcode text;
- `qrimage`: a payload drawn as a QR code (PNG, SVG);
- `money`: integer satang shown, read, and written in Thai words for receipts;
- `fiscal`: the government fiscal year and e-receipt numbers;
- `signatures`: the bank's webhook signatures.

None of these does I/O or reads the clock; they import only `kernel` and small libraries, so
this package imports without the gateway. (The gateway's services around them, the PSP client
and the webhook endpoint, live with the gateway.)
"""

from payments.fiscal import (
    ReceiptNumber,
    fiscal_year,
    fiscal_year_of_day,
    fiscal_year_span,
    parse_receipt_number,
    receipt_number,
)
from payments.money import baht_text, format_baht, parse_amount
from payments.qrimage import qr_png, qr_svg
from payments.signatures import SignatureRefused, signed_headers, verify
from payments.thaiqr import (
    QRError,
    ThaiQR,
    barcode_text,
    bill_payment,
    encode,
    parse,
    promptpay,
)

__all__ = [
    "QRError",
    "ReceiptNumber",
    "SignatureRefused",
    "ThaiQR",
    "baht_text",
    "barcode_text",
    "bill_payment",
    "encode",
    "fiscal_year",
    "fiscal_year_of_day",
    "fiscal_year_span",
    "format_baht",
    "parse",
    "parse_amount",
    "parse_receipt_number",
    "promptpay",
    "qr_png",
    "qr_svg",
    "receipt_number",
    "signed_headers",
    "verify",
]
