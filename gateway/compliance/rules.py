"""The legal rules the gateway obeys, as the compliance matrix lists them.

The design's RULES.md (`../shared/design/RULES.md` beside every checkout) is the source; the
project keeps a copy of its rule list in `rules.json` beside this module, so the matrix works
where the design docs are absent (an installed package, a container). A test fails when the
copy and RULES.md differ; `python -m gateway.compliance.rules PATH` rewrites the copy.

A rule in RULES.md is a list item that starts with its id in bold, `- **R-10.1 Title.** Text`
or `- **R-7.1** Text`, possibly over several indented lines, under a `## Group` heading.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

KEPT = Path(__file__).with_name("rules.json")
#: Where the design docs sit, relative to the repository's root.
DESIGN_RULES = Path("..") / "shared" / "design" / "RULES.md"

_ITEM = re.compile(r"^- \*\*(?P<id>R-[A-Za-z0-9]+(?:\.[0-9]+)+)(?P<title>[^*]*)\*\*(?P<rest>.*)$")
_HEADING = re.compile(r"^##\s+(?P<group>.+?)\s*$")


@dataclass(frozen=True)
class Rule:
    id: str
    group: str  # the RULES.md heading it sits under
    title: str  # the bold words after the id ("Deemed receipt"), often empty
    text: str  # the rule's words, on one line


def parse_rules_md(text: str) -> list[Rule]:
    """Every rule of a RULES.md, in its order. A rule id given twice is an error."""
    rules: list[Rule] = []
    group = ""
    current: dict[str, str] | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            rules.append(
                Rule(
                    id=current["id"],
                    group=current["group"],
                    title=current["title"],
                    text=" ".join(current["text"].split()),
                )
            )
            current = None

    for line in text.splitlines():
        heading = _HEADING.match(line)
        item = _ITEM.match(line)
        if heading:
            close()
            group = heading["group"]
        elif item:
            close()
            current = {
                "id": item["id"],
                "group": group,
                "title": item["title"].strip().rstrip("."),
                "text": item["rest"],
            }
        elif current is not None and line.startswith("  ") and line.strip():
            current["text"] += " " + line.strip()
        else:
            close()
    close()
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ValueError(f"rule {rule.id} is listed twice")
        seen.add(rule.id)
    return rules


def load_rules(path: Path | None = None) -> list[Rule]:
    """The kept copy (`rules.json`), or the rules of the RULES.md at `path`."""
    if path is not None and path.suffix.lower() == ".md":
        return parse_rules_md(path.read_text(encoding="utf-8"))
    raw = json.loads((path or KEPT).read_text(encoding="utf-8"))
    return [Rule(**item) for item in raw["rules"]]


def dump_rules(rules: list[Rule]) -> str:
    body = {
        "source": "../shared/design/RULES.md",
        "note": "kept by `python -m gateway.compliance.rules PATH-TO-RULES.md`; do not edit",
        "rules": [asdict(rule) for rule in rules],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    """`python -m gateway.compliance.rules [RULES.md]`: rewrite the kept copy from RULES.md."""
    source = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / DESIGN_RULES
    if not source.is_file():
        print(f"no RULES.md at {source}", file=sys.stderr)
        return 2
    rules = parse_rules_md(source.read_text(encoding="utf-8"))
    KEPT.write_text(dump_rules(rules), encoding="utf-8")
    print(f"{KEPT}: {len(rules)} rules from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
