"""The citizen's view of their data-access log (issue 14): `GET /v1/me/data-access`.

The log is written in the audit domain (gateway/audit/access.py), the lowest layer, so every
domain records its own fetches; it is read here, above the catalog, which names the agencies
and e-services a line mentions.
"""
