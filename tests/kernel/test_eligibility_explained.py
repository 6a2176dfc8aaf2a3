"""Why a rule came out as it did (`conditions`), and ages counted as the Civil and Commercial
Code counts them (s.16), which the entitlements page rests on."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_eligibility import compares, rules, some_facts

from kernel.eligibility import (
    All,
    AnyOf,
    Compare,
    FactValue,
    Rule,
    age_on,
    birthday_of_age,
    conditions,
    deemed_birth_date,
    evaluate,
)


def _leaves(rule: Rule) -> int:
    if isinstance(rule, Compare):
        return 1
    if isinstance(rule, All):
        return sum(_leaves(r) for r in rule.all)
    if isinstance(rule, AnyOf):
        return sum(_leaves(r) for r in rule.any)
    return _leaves(rule.not_)


@given(rules, some_facts())
def test_every_comparison_is_explained_once(rule: Rule, facts: dict[str, FactValue]) -> None:
    assert len(conditions(rule, facts)) == _leaves(rule)


@given(rules, some_facts())
def test_a_condition_is_undecided_exactly_when_its_fact_is_unknown(
    rule: Rule, facts: dict[str, FactValue]
) -> None:
    for condition in conditions(rule, facts):
        assert (condition.met is None) == (condition.fact not in facts)
        assert condition.actual == facts.get(condition.fact)


@given(st.lists(compares(), min_size=1, max_size=5), some_facts())
def test_a_rule_of_all_holds_when_every_condition_is_met(
    parts: list[Compare], facts: dict[str, FactValue]
) -> None:
    rule = All(all=list(parts))
    met = [c.met for c in conditions(rule, facts)]
    outcome = evaluate(rule, facts)
    assert (outcome is True) == all(m is True for m in met)
    assert (outcome is False) == any(m is False for m in met)


@given(compares(), some_facts())
def test_a_negated_condition_is_met_when_the_comparison_fails(
    compare: Compare, facts: dict[str, FactValue]
) -> None:
    (plain,) = conditions(compare, facts)
    (negated,) = conditions(All.model_validate({"all": [{"not": compare}]}), facts)
    assert negated.negated
    assert not plain.negated
    assert negated.met == (None if plain.met is None else not plain.met)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        ("24940412", dt.date(2026, 12, 6), 75),  # demo citizen 2
        ("24940412", dt.date(2011, 4, 11), 59),
        ("24940412", dt.date(2011, 4, 12), 60),  # the birthday itself counts
        ("25200800", dt.date(2037, 8, 1), 60),  # unknown day: the first of the month
        ("25200800", dt.date(2037, 7, 31), 59),
        ("24900000", dt.date(2007, 1, 1), 60),  # unknown month and day: 1 January
        ("24900000", dt.date(2006, 12, 31), 59),
    ],
)
def test_ages_count_from_the_deemed_birth_date(born: str, on: dt.date, age: int) -> None:
    assert age_on(born, on) == age


birth_dates = st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)).flatmap(
    lambda d: st.sampled_from(
        [
            f"{d.year + 543:04d}{d.month:02d}{d.day:02d}",
            f"{d.year + 543:04d}{d.month:02d}00",
            f"{d.year + 543:04d}0000",
        ]
    )
)


@given(birth_dates, st.integers(min_value=1, max_value=110))
def test_a_person_turns_each_age_on_one_day(born: str, age: int) -> None:
    birthday = birthday_of_age(born, age)
    assert age_on(born, birthday) == age
    assert age_on(born, birthday - dt.timedelta(days=1)) == age - 1


@given(birth_dates, st.dates(dt.date(1900, 1, 1), dt.date(2140, 12, 31)))
def test_age_never_falls_and_is_zero_at_birth(born: str, day: dt.date) -> None:
    start = deemed_birth_date(born)
    assert age_on(born, start) == 0
    if day >= start:
        assert age_on(born, day) >= 0
        assert age_on(born, day + dt.timedelta(days=1)) >= age_on(born, day)
