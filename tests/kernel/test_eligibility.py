"""Eligibility rules: three-valued (Kleene) evaluation and the validation of rule data."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from kernel.eligibility import (
    FACTS,
    All,
    AnyOf,
    Compare,
    FactValue,
    Not,
    Rule,
    evaluate,
    facts_named,
)

RULE: TypeAdapter[Rule] = TypeAdapter(Rule)

# Few distinct values, so that generated rules and facts often agree and often do not.
_VALUES: dict[type, st.SearchStrategy[Any]] = {
    int: st.integers(min_value=0, max_value=5) | st.sampled_from([18, 33, 60, 100]),
    str: st.sampled_from(["TH", "LA", "TH-10", "TH-50"]),
    bool: st.booleans(),
}


@st.composite
def compares(draw: st.DrawFn) -> Compare:
    fact = draw(st.sampled_from(sorted(FACTS)))
    kind = FACTS[fact]
    ops = ["eq", "ne", "in"] + (["lt", "le", "gt", "ge"] if kind is int else [])
    op = draw(st.sampled_from(ops))
    value = draw(st.lists(_VALUES[kind], min_size=1, max_size=3) if op == "in" else _VALUES[kind])
    return Compare(fact=fact, op=op, value=value)


def _not(rule: Rule) -> Not:
    return Not.model_validate({"not": rule})


rules: st.SearchStrategy[Rule] = st.recursive(
    compares(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda rs: All(all=rs)),
        st.lists(children, min_size=1, max_size=3).map(lambda rs: AnyOf(any=rs)),
        children.map(_not),
    ),
    max_leaves=8,
)

all_facts: st.SearchStrategy[dict[str, FactValue]] = st.fixed_dictionaries(
    {name: _VALUES[kind] for name, kind in FACTS.items()}
)


@st.composite
def some_facts(draw: st.DrawFn) -> dict[str, FactValue]:
    """Facts the portal holds about a citizen: any subset of them may be unknown."""
    full = draw(all_facts)
    known = draw(st.sets(st.sampled_from(sorted(FACTS))))
    return {k: v for k, v in full.items() if k in known}


# ---- three-valued logic -----------------------------------------------------------------------


@given(rules, some_facts())
def test_double_negation_changes_nothing(rule: Rule, facts: dict[str, FactValue]) -> None:
    assert evaluate(_not(_not(rule)), facts) == evaluate(rule, facts)


@given(rules, some_facts())
def test_negation_swaps_true_and_false_and_keeps_unknown(
    rule: Rule, facts: dict[str, FactValue]
) -> None:
    answer = evaluate(rule, facts)
    assert evaluate(_not(rule), facts) == (None if answer is None else not answer)


@given(rules, all_facts)
def test_with_every_fact_known_the_answer_is_decided(
    rule: Rule, facts: dict[str, FactValue]
) -> None:
    assert evaluate(rule, facts) in (True, False)


@given(rules, rules, some_facts())
def test_de_morgan_not_all_is_any_not(a: Rule, b: Rule, facts: dict[str, FactValue]) -> None:
    left = _not(All(all=[a, b]))
    right = AnyOf(any=[_not(a), _not(b)])
    assert evaluate(left, facts) == evaluate(right, facts)


@given(rules, rules, some_facts())
def test_de_morgan_not_any_is_all_not(a: Rule, b: Rule, facts: dict[str, FactValue]) -> None:
    left = _not(AnyOf(any=[a, b]))
    right = All(all=[_not(a), _not(b)])
    assert evaluate(left, facts) == evaluate(right, facts)


@given(rules, rules, some_facts())
def test_one_decisive_answer_decides_even_when_the_other_is_unknown(
    a: Rule, b: Rule, facts: dict[str, FactValue]
) -> None:
    # Strong Kleene logic: "any" is true as soon as one part is, "all" false as soon as one is.
    answer = evaluate(a, facts)
    if answer is True:
        assert evaluate(AnyOf(any=[b, a]), facts) is True
    if answer is False:
        assert evaluate(All(all=[b, a]), facts) is False


@given(rules, all_facts, st.sets(st.sampled_from(sorted(FACTS))))
def test_learning_more_facts_never_reverses_a_decided_answer(
    rule: Rule, full: dict[str, FactValue], known: set[str]
) -> None:
    partial = {k: v for k, v in full.items() if k in known}
    decided = evaluate(rule, partial)
    if decided is not None:
        assert evaluate(rule, full) is decided


@given(rules, some_facts())
def test_unknown_only_when_a_fact_the_rule_reads_is_missing(
    rule: Rule, facts: dict[str, FactValue]
) -> None:
    if evaluate(rule, facts) is None:
        assert facts_named(rule) - facts.keys()


# ---- examples ---------------------------------------------------------------------------------

OLDER_PERSONS_ALLOWANCE = {
    "all": [
        {"fact": "age_years", "op": "ge", "value": 60},
        {"fact": "nationality", "op": "eq", "value": "TH"},
        {"fact": "receives_state_pension", "op": "eq", "value": False},
    ]
}


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"age_years": 60, "nationality": "TH", "receives_state_pension": False}, True),
        ({"age_years": 87, "nationality": "TH", "receives_state_pension": False}, True),
        ({"age_years": 59, "nationality": "TH", "receives_state_pension": False}, False),
        ({"age_years": 70, "nationality": "LA", "receives_state_pension": False}, False),
        ({"age_years": 70, "nationality": "TH", "receives_state_pension": True}, False),
        # A pensioner is out whatever the age: the portal can say so without knowing it.
        ({"nationality": "TH", "receives_state_pension": True}, False),
        # Nothing rules the citizen out, but the age is unknown: the portal cannot decide.
        ({"nationality": "TH", "receives_state_pension": False}, None),
        ({}, None),
    ],
)
def test_older_persons_allowance(facts: dict[str, FactValue], expected: bool | None) -> None:
    rule = RULE.validate_python(OLDER_PERSONS_ALLOWANCE)
    assert evaluate(rule, facts) is expected


def test_the_rule_names_the_facts_the_portal_must_fetch() -> None:
    rule = RULE.validate_python(OLDER_PERSONS_ALLOWANCE)
    assert facts_named(rule) == {"age_years", "nationality", "receives_state_pension"}


def test_a_rule_is_read_from_json_data() -> None:
    rule = RULE.validate_python(
        {
            "any": [
                {"fact": "province", "op": "in", "value": ["TH-10", "TH-50"]},
                {"not": {"fact": "children_under_6", "op": "lt", "value": 1}},
            ]
        }
    )
    assert evaluate(rule, {"province": "TH-50"}) is True
    assert evaluate(rule, {"province": "TH-20", "children_under_6": 2}) is True
    assert evaluate(rule, {"province": "TH-20", "children_under_6": 0}) is False
    assert evaluate(rule, {"province": "TH-20"}) is None


# ---- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"fact": "income_baht", "op": "gt", "value": 1},
            "unknown fact 'income_baht'",
            id="unknown-fact",
        ),
        pytest.param(
            {"fact": "age_years", "op": "ge", "value": "60"},
            "'age_years' takes int values",
            id="str-for-int-fact",
        ),
        pytest.param(
            {"fact": "nationality", "op": "eq", "value": 66},
            "'nationality' takes str values",
            id="int-for-str-fact",
        ),
        pytest.param(
            {"fact": "age_years", "op": "eq", "value": True},
            "'age_years' takes int values",
            id="bool-for-int-fact",
        ),
        pytest.param(
            {"fact": "sso_insured", "op": "eq", "value": 1},
            "'sso_insured' takes bool values",
            id="int-for-bool-fact",
        ),
        pytest.param(
            {"fact": "province", "op": "in", "value": ["TH-10", 10]},
            "'province' takes str",
            id="in-list-with-a-wrong-type",
        ),
        pytest.param(
            {"fact": "nationality", "op": "in", "value": "TH"},
            "operator 'in' takes a list",
            id="in-without-a-list",
        ),
        pytest.param(
            {"fact": "nationality", "op": "eq", "value": ["TH"]},
            "operator 'in' takes a list",
            id="list-without-in",
        ),
        pytest.param(
            {"fact": "nationality", "op": "lt", "value": "TH"},
            "operator 'lt' needs a number",
            id="lt-on-a-str-fact",
        ),
        pytest.param(
            {"fact": "is_student", "op": "ge", "value": True},
            "operator 'ge' needs a number",
            id="ge-on-a-bool-fact",
        ),
        pytest.param({"all": []}, "at least 1 item", id="empty-all"),
        pytest.param({"any": []}, "at least 1 item", id="empty-any"),
        pytest.param(
            {"fact": "age_years", "op": "between", "value": 60},
            r"Compare\]\.op\n  Input should be 'eq'",
            id="unknown-operator",
        ),
        pytest.param(
            {"fact": "age_years", "op": "ge", "value": 60, "unit": "years"},
            r"Compare\]\.unit\n  Extra inputs are not permitted",
            id="unknown-key",
        ),
    ],
)
def test_an_invalid_rule_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RULE.validate_python(data)


def test_an_invalid_rule_nested_deep_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown fact 'salary'"):
        RULE.validate_python({"not": {"all": [{"fact": "salary", "op": "gt", "value": 1}]}})
