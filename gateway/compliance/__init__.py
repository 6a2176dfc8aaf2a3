"""The compliance matrix: RULES.md rule ids, the tests marked for them, their results."""
