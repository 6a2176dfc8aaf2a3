"""A connector skeleton for an agency team to copy: see README.md in this folder."""
