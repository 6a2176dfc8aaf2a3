"""My entitlements (สิทธิพึงได้รับ): every live service with an eligibility rule, evaluated against
the facts the state holds about the citizen (R-12.1: fetched from their source, never asked),
each with the conditions that decided it; what the citizen already receives; and what starts
soon (a rule that an age the citizen reaches within a year will satisfy).

Pure: the caller gathers the answers (gathering.py) and the catalog's rules; this decides and
words. A fact no source answered for is unknown, and so is every outcome it decides: the page
never claims an entitlement (or its absence) on a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.know import wording
from gateway.know.gathering import Answer, Outcome
from kernel.eligibility import (
    FactValue,
    Rule,
    age_on,
    birthday_of_age,
    conditions,
    evaluate,
    facts_named,
)

#: How far ahead an entitlement counts as starting soon.
SOON = dt.timedelta(days=366)

#: The fact the portal works out itself, from the verified birth date.
AGE = "age_years"


@dataclass(frozen=True)
class Named:
    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class ServiceRule:
    """A live service's eligibility rule, with what the page shows about the service."""

    id: str
    name_th: str
    name_en: str
    agency: Named
    rule: Rule
    filed_online: bool  # whether a draft can be started on the portal


@dataclass(frozen=True)
class Known:
    """One fact's value and the agency it came from."""

    value: FactValue
    source: str


@dataclass
class Facts:
    """The citizen's facts, where each came from, and which agency would hold each missing one."""

    known: dict[str, Known] = field(default_factory=dict)
    holders: dict[str, str] = field(default_factory=dict)  # fact → the agency that holds it
    birth_date_be: str | None = None

    def values(self) -> dict[str, FactValue]:
        return {name: known.value for name, known in self.known.items()}


def collect_facts(
    answers: Sequence[Answer],
    facts_of: Mapping[str, frozenset[str]],
    birth_date_be: str | None,
    birth_source: str,
    today: dt.date,
) -> Facts:
    """The facts the answers give. `facts_of[code]`: the facts that source decides (so a fact
    of a source that did not answer is known to be *its*, and unknown). The age comes from the
    verified birth date (the civil registry's, as checked at sign-in)."""
    facts = Facts(birth_date_be=birth_date_be)
    for code, names in facts_of.items():
        for name in names:
            facts.holders.setdefault(name, code)
    if birth_date_be:
        facts.known[AGE] = Known(age_on(birth_date_be, today), birth_source)
        facts.holders[AGE] = birth_source
    for answer in answers:
        if answer.outcome is not Outcome.ANSWERED or answer.data is None:
            continue
        for name, value in answer.data.facts.items():
            if name == "birth_date_be":
                continue
            facts.known.setdefault(name, Known(value, answer.code))
    return facts


def _unknown_evidence(
    fact: str, facts: Facts, sources: Mapping[str, Answer], names: Mapping[str, Named]
) -> tuple[str, wording.Evidence]:
    holder = facts.holders.get(fact)
    if holder is None:
        return "no_source", wording.Evidence(
            "ไม่มีหน่วยงานที่เชื่อมต่อกับพอร์ทัลถือข้อมูลนี้",
            "no agency connected to the portal holds this",
        )
    name = names.get(holder, Named(holder, holder, holder))
    outcome = sources[holder].outcome if holder in sources else Outcome.UNAVAILABLE
    if outcome is Outcome.CONSENT_REQUIRED:
        return "consent_required", wording.Evidence(
            f"ต้องได้รับความยินยอมจากท่านก่อนขอข้อมูลจาก{name.name_th}",
            f"your consent is needed before the portal asks the {name.name_en}",
        )
    if outcome is Outcome.ANSWERED:
        return "not_held", wording.Evidence(
            f"{name.name_th}ไม่มีข้อมูลนี้ของท่าน", f"the {name.name_en} holds none for you"
        )
    if outcome is Outcome.TIMED_OUT:
        return "timed_out", wording.Evidence(
            f"{name.name_th}ไม่ตอบกลับทันเวลา", f"the {name.name_en} did not answer in time"
        )
    return "unavailable", wording.Evidence(
        f"ติดต่อ{name.name_th}ไม่ได้ในขณะนี้", f"the {name.name_en} did not answer"
    )


def explain(
    rule: Rule, facts: Facts, sources: Mapping[str, Answer], names: Mapping[str, Named]
) -> list[dict[str, Any]]:
    """Each condition of `rule`: met or not (or unknown), worded, with its source."""
    values = facts.values()
    lines = []
    for condition in conditions(rule, values):
        known = facts.known.get(condition.fact)
        reason = None
        if known is None:
            reason, evidence = _unknown_evidence(condition.fact, facts, sources, names)
        elif condition.fact == AGE and facts.birth_date_be:
            evidence = wording.age_evidence(facts.birth_date_be)
        else:
            source = names.get(known.source, Named(known.source, known.source, known.source))
            evidence = wording.value_evidence(source.name_th, source.name_en, known.value)
        th, en = wording.line(condition, evidence)
        lines.append(
            {
                "fact": condition.fact,
                "met": condition.met,
                "text_th": th,
                "text_en": en,
                "source": known.source if known else facts.holders.get(condition.fact),
                "unknown_because": reason,
            }
        )
    return lines


def status_of(outcome: bool | None) -> str:
    return {True: "eligible", False: "not_eligible", None: "unknown"}[outcome]


def starts_on(rule: Rule, facts: Facts, today: dt.date) -> dt.date | None:
    """The day within `SOON` from which the citizen's next birthday makes `rule` hold, when
    their age is what keeps it from holding now."""
    if facts.birth_date_be is None or AGE not in facts_named(rule):
        return None
    values = facts.values()
    if evaluate(rule, values) is not False:
        return None
    age = values[AGE]
    assert isinstance(age, int)
    birthday = birthday_of_age(facts.birth_date_be, age + 1)
    if birthday - today > SOON:
        return None
    if evaluate(rule, {**values, AGE: age + 1}) is True:
        return birthday
    return None
