"""Tests of the OpenID Connect provider (a package, so its conftest and helpers never clash
with the other test folders' top-level `conftest` module)."""
