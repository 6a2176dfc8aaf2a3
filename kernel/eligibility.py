"""Eligibility rules: a small, closed language a service uses to say who may apply.

A rule is data (JSON in a service definition), never code. It compares *facts* that the portal
holds about a verified citizen (fetched once from the source agency, R-12.1) with constants:

    {"all": [{"fact": "age_years", "op": "ge", "value": 60},
             {"fact": "nationality", "op": "eq", "value": "TH"}]}

`evaluate` answers True, False or None. None means a fact the rule needs is unknown, so the
portal cannot decide and must not claim the citizen is (or is not) entitled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kernel.buddhist_era import split_be_date

FactValue = int | str | bool

#: Every fact a rule may name, with the type of its value.
FACTS: dict[str, type] = {
    "age_years": int,
    "nationality": str,  # ISO 3166-1 alpha-2
    "province": str,  # ISO 3166-2:TH of the house registration
    "sso_insured": bool,  # insured person under the Social Security Act (s.33/39/40)
    "sso_section": int,  # 33, 39 or 40
    "has_state_welfare_card": bool,
    "receives_state_pension": bool,
    "registered_disabled": bool,
    "registered_unemployed": bool,
    "has_taxable_income": bool,
    "is_student": bool,
    "owns_vehicle": bool,
    "children_under_6": int,
}

Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "in"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Compare(_Rule):
    fact: str
    op: Operator
    value: FactValue | list[FactValue]

    @model_validator(mode="after")
    def _known_fact_and_type(self) -> Compare:
        expected = FACTS.get(self.fact)
        if expected is None:
            raise ValueError(f"unknown fact {self.fact!r}; known: {', '.join(sorted(FACTS))}")
        values = self.value if isinstance(self.value, list) else [self.value]
        if (self.op == "in") != isinstance(self.value, list):
            raise ValueError("operator 'in' takes a list, every other operator a single value")
        for v in values:
            # bool is a subclass of int in Python: keep them apart.
            if type(v) is not expected:
                raise ValueError(f"fact {self.fact!r} takes {expected.__name__} values")
        if self.op in ("lt", "le", "gt", "ge") and expected is not int:
            raise ValueError(f"operator {self.op!r} needs a number fact")
        return self


class All(_Rule):
    all: Annotated[list[Rule], Field(min_length=1)]


class AnyOf(_Rule):
    any: Annotated[list[Rule], Field(min_length=1)]


class Not(_Rule):
    not_: Rule = Field(alias="not")


Rule = Union[Compare, All, AnyOf, Not]  # noqa: UP007 - a recursive alias needs Union here

for _model in (All, AnyOf, Not):
    _model.model_rebuild()


def _compare(op: Operator, actual: FactValue, expected: FactValue | list[FactValue]) -> bool:
    if op == "in":
        assert isinstance(expected, list)
        return actual in expected
    assert not isinstance(expected, list)
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    assert isinstance(actual, int)
    assert isinstance(expected, int)
    return {
        "lt": actual < expected,
        "le": actual <= expected,
        "gt": actual > expected,
        "ge": actual >= expected,
    }[op]


def evaluate(rule: Rule, facts: Mapping[str, FactValue]) -> bool | None:
    """Three-valued evaluation (Kleene logic): None when unknown facts decide the outcome."""
    if isinstance(rule, Compare):
        if rule.fact not in facts:
            return None
        return _compare(rule.op, facts[rule.fact], rule.value)
    if isinstance(rule, Not):
        inner = evaluate(rule.not_, facts)
        return None if inner is None else not inner
    children = [evaluate(r, facts) for r in (rule.all if isinstance(rule, All) else rule.any)]
    decisive = isinstance(rule, AnyOf)  # True decides "any", False decides "all"
    if decisive in children:
        return decisive
    if None in children:
        return None
    return not decisive


def facts_named(rule: Rule) -> set[str]:
    """Every fact a rule reads, for documenting what data the portal must fetch."""
    if isinstance(rule, Compare):
        return {rule.fact}
    if isinstance(rule, Not):
        return facts_named(rule.not_)
    children = rule.all if isinstance(rule, All) else rule.any
    return set().union(*(facts_named(r) for r in children))


# -- explaining an outcome -----------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One comparison of a rule and how it came out for these facts: what a citizen reads as
    "aged 60 or over: yes". `negated` when it sits under an odd number of `not`s, so the
    condition that must hold is the opposite of the comparison."""

    fact: str
    op: Operator
    value: FactValue | list[FactValue]
    actual: FactValue | None  # None: the fact is unknown
    met: bool | None  # whether the condition as written (negation included) holds
    negated: bool = False


def conditions(rule: Rule, facts: Mapping[str, FactValue]) -> list[Condition]:
    """Every comparison in `rule`, in the order written, each with its outcome. The rule's
    outcome is `evaluate`'s; these say why."""
    found: list[Condition] = []

    def walk(node: Rule, negated: bool) -> None:
        if isinstance(node, Compare):
            actual = facts.get(node.fact)
            met = None if actual is None else _compare(node.op, actual, node.value)
            if met is not None and negated:
                met = not met
            found.append(Condition(node.fact, node.op, node.value, actual, met, negated))
        elif isinstance(node, Not):
            walk(node.not_, not negated)
        else:
            for child in node.all if isinstance(node, All) else node.any:
                walk(child, negated)

    walk(rule, False)
    return found


# -- ages --------------------------------------------------------------------------------------


def deemed_birth_date(birth_date_be: str) -> dt.date:
    """The day a person's age counts from (Civil and Commercial Code s.16): the birth date;
    with only the month known, the first of that month; with neither month nor day, the first
    day of the calendar year of birth."""
    year, month, day = split_be_date(birth_date_be)
    if month == 0:
        return dt.date(year, 1, 1)
    return dt.date(year, month, day or 1)


def age_on(birth_date_be: str, day: dt.date) -> int:
    """Whole years of age on `day` (a birthday counts on the day itself)."""
    born = deemed_birth_date(birth_date_be)
    before_birthday = (day.month, day.day) < (born.month, born.day)
    return day.year - born.year - (1 if before_birthday else 0)


def birthday_of_age(birth_date_be: str, age: int) -> dt.date:
    """The day the person turns `age` (29 February falls on 1 March in common years)."""
    born = deemed_birth_date(birth_date_be)
    year = born.year + age
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)
