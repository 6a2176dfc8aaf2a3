"""The rule list the compliance matrix uses: read from RULES.md, and kept in step with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.compliance.rules import KEPT, Rule, dump_rules, load_rules, parse_rules_md

ROOT = Path(__file__).resolve().parents[3]
#: The design docs sit beside the checkout (`../shared/design/`); a git worktree kept one
#: level further down (`../../shared/design/`) finds them there.
DESIGN_RULES = [
    ROOT.parent / "shared/design/RULES.md",
    ROOT.parent.parent / "shared/design/RULES.md",
]

SAMPLE = """\
# Rules

Intro text that is not a rule.

## Receipt (EGA s.10)

- **R-10.1 Deemed receipt.** A request that enters the system
  is deemed received at that moment,
  inside working time.
- **R-10.2** A second rule | with a pipe.

## Processing (LFA)

- **R-LFA.3** The result is notified within 7 days of the decision.
- Not a rule: an ordinary list item.
  Its continuation is not either.
"""


def test_rules_are_read_with_their_group_title_and_whole_text() -> None:
    assert parse_rules_md(SAMPLE) == [
        Rule(
            "R-10.1",
            "Receipt (EGA s.10)",
            "Deemed receipt",
            "A request that enters the system is deemed received at that moment, inside "
            "working time.",
        ),
        Rule("R-10.2", "Receipt (EGA s.10)", "", "A second rule | with a pipe."),
        Rule(
            "R-LFA.3",
            "Processing (LFA)",
            "",
            "The result is notified within 7 days of the decision.",
        ),
    ]


def test_a_rule_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"R-10\.1 is listed twice"):
        parse_rules_md(SAMPLE + "\n- **R-10.1** Again.\n")


def test_the_kept_copy_round_trips(tmp_path: Path) -> None:
    rules = load_rules()
    copy = tmp_path / "rules.json"
    copy.write_text(dump_rules(rules), encoding="utf-8")
    assert load_rules(copy) == rules
    assert KEPT.read_text(encoding="utf-8") == dump_rules(rules)


def test_the_kept_copy_is_the_design_rules_list() -> None:
    """When RULES.md changes, `python -m gateway.compliance.rules PATH-TO-RULES.md` rewrites
    the copy (and the new rule wants its tests)."""
    found = next((path for path in DESIGN_RULES if path.is_file()), None)
    if found is None:
        pytest.skip(
            "RULES.md NOT FOUND beside the checkout (looked at "
            + ", ".join(str(p) for p in DESIGN_RULES)
            + "): the kept rule list is NOT being compared with the design's"
        )
    assert load_rules(found) == load_rules(), (
        f"gateway/compliance/rules.json differs from {found}: "
        f"run `python -m gateway.compliance.rules {found}`"
    )
