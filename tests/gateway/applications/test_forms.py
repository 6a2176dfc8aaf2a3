"""Application forms (gateway.catalog.forms): prefill from state data (R-12.1), draft and
submission checks with RFC 6901 pointers into the request body, and the final merge.

The seed's own forms are used where a realistic form helps; property tests generate valid
data for every seed form and for the default form, and arbitrary junk for the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.catalog import forms
from gateway.catalog.definitions import FormSpec, PrefillSource
from gateway.catalog.forms import (
    DEFAULT_FORM,
    FORM_POINTER,
    birth_date_fact,
    check_complete,
    check_draft,
    effective_form,
    form_pointer,
    identity_facts,
    merge,
    pointer_path,
    prefill_values,
    registry_facts,
)
from gateway.catalog.loader import load_catalog
from kernel.errors import FieldError

SEED_FORMS: dict[str, FormSpec] = {
    s.id: s.form for s in load_catalog().services if s.form is not None
}
SSO = "sso-unemployment-benefit"
BMA = "bma-building-permit"
DOP = "dop-older-persons-allowance-registration"

FACTS: dict[str, Any] = {
    "identity.first_name_th": "สมหญิง",
    "identity.last_name_th": "ใจงาม",
    "identity.first_name_en": "Somying",
    "identity.last_name_en": "Jai-ngam",
    "identity.birth_date": "1961-08-12",
    "registry.address_th": "12 ถนนราชดำเนินกลาง แขวงบวรนิเวศ เขตพระนคร กรุงเทพมหานคร 10200",
    "registry.province_code": "TH-10",
    "registry.sex": "F",
}


def _codes(errors: list[FieldError]) -> list[tuple[str, str]]:
    return [(e.pointer, e.code) for e in errors]


def _sso_claim(**changes: Any) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "last_working_day": "2026-03-31",
        "cause": "laid_off",
        "paid_by": "promptpay_id",
        "contact_phone": "0812345678",
    }
    claim.update(changes)
    return claim


# -- the default form ---------------------------------------------------------------------------


def test_a_service_without_a_form_files_the_default_form() -> None:
    assert effective_form(None) is DEFAULT_FORM
    assert DEFAULT_FORM.prefill == {
        "first_name_th": PrefillSource.FIRST_NAME_TH,
        "last_name_th": PrefillSource.LAST_NAME_TH,
    }
    assert DEFAULT_FORM.schema_["additionalProperties"] is False
    assert set(DEFAULT_FORM.properties) == {
        "first_name_th",
        "last_name_th",
        "contact_phone",
        "note",
    }


def test_the_default_form_asks_nothing_the_state_holds() -> None:
    # the names are filled in; the citizen's fields are all optional.
    assert (
        check_complete(DEFAULT_FORM, merge(DEFAULT_FORM, prefill_values(DEFAULT_FORM, FACTS), {}))
        == []
    )
    assert check_draft(DEFAULT_FORM, {}) == []


@pytest.mark.parametrize("phone", ["0812345678", "0612345678", "0912345678", "021234567"])
def test_thai_mobile_and_landline_numbers_are_accepted(phone: str) -> None:
    assert check_draft(DEFAULT_FORM, {"contact_phone": phone}) == []


@pytest.mark.parametrize(
    "phone",
    [
        "081-234-5678",  # dashes
        "๐๘๑๒๓๔๕๖๗๘",  # Thai digits: \d would take them, an agency would not
        "+66812345678",
        "0112345678",  # no such prefix
        "08123456789",  # one digit too many
        "02123456",  # one too few
        "0812345678\n",  # a pattern's $ is the end of the text
    ],
)
def test_other_phone_numbers_are_refused_with_pattern(phone: str) -> None:
    errors = check_draft(DEFAULT_FORM, {"contact_phone": phone})

    assert _codes(errors) == [("/body/form/contact_phone", "pattern")]
    assert errors[0].extra["pattern"] == forms.THAI_PHONE


def test_a_note_may_be_2000_characters_and_no_more() -> None:
    assert check_draft(DEFAULT_FORM, {"note": "ก" * 2000}) == []

    errors = check_draft(DEFAULT_FORM, {"note": "ก" * 2001})

    assert _codes(errors) == [("/body/form/note", "max_length")]
    assert errors[0].extra == {"max_length": 2000}


def test_effective_form_reads_what_the_catalog_stores() -> None:
    spec = SEED_FORMS[SSO]
    stored = spec.model_dump(mode="json", by_alias=True)

    again = effective_form(stored)

    assert again == spec
    assert list(again.properties) == list(spec.properties)  # the form's order survives


# -- prefill ------------------------------------------------------------------------------------


def test_prefill_takes_each_field_from_its_source_in_form_order() -> None:
    spec = SEED_FORMS[DOP]

    values = prefill_values(spec, FACTS)

    assert values == {
        "first_name_th": "สมหญิง",
        "last_name_th": "ใจงาม",
        "birth_date": "1961-08-12",
        "registered_address": FACTS["registry.address_th"],
        "province": "TH-10",
    }
    assert list(values) == [n for n in spec.properties if n in values]


def test_a_missing_fact_leaves_its_field_absent() -> None:
    facts = {k: v for k, v in FACTS.items() if not k.startswith("registry.")}
    facts["identity.birth_date"] = None

    values = prefill_values(SEED_FORMS[DOP], facts)

    assert set(values) == {"first_name_th", "last_name_th"}


def test_a_date_fact_is_written_as_an_iso_date() -> None:
    values = prefill_values(SEED_FORMS[DOP], {"identity.birth_date": dt.date(1950, 1, 2)})

    assert values == {"birth_date": "1950-01-02"}


def test_facts_may_be_keyed_by_the_source_enum() -> None:
    values = prefill_values(DEFAULT_FORM, {PrefillSource.FIRST_NAME_TH: "สมชาย"})

    assert values == {"first_name_th": "สมชาย"}


def test_birth_date_fact_converts_the_registry_buddhist_era_date() -> None:
    assert birth_date_fact("25300315") == "1987-03-15"
    # The registry writes 00 for an unknown day or month: that is no date.
    assert birth_date_fact("25300300") is None
    assert birth_date_fact("25300000") is None
    assert birth_date_fact("25300231") is None
    assert birth_date_fact("not-a-date") is None
    assert birth_date_fact(None) is None


def test_identity_and_registry_facts_leave_out_what_is_missing() -> None:
    facts = {
        **identity_facts(
            first_name_th="สมชาย", last_name_th="ใจดี", first_name_en=None, birth_date_be="25300300"
        ),
        **registry_facts(address_th=None, province_code="TH-12", sex="M"),
    }

    assert facts == {
        "identity.first_name_th": "สมชาย",
        "identity.last_name_th": "ใจดี",
        "registry.province_code": "TH-12",
        "registry.sex": "M",
    }


# -- drafts -------------------------------------------------------------------------------------


def test_a_draft_may_leave_out_required_fields() -> None:
    spec = SEED_FORMS[SSO]
    assert spec.required  # otherwise the test proves nothing

    assert check_draft(spec, {}) == []
    assert check_draft(spec, {"cause": "resigned"}) == []
    # Nested and conditional requirements wait for submission too.
    assert check_draft(SEED_FORMS[BMA], {"site": {"road": "ถนนพหลโยธิน"}}) == []
    assert check_draft(spec, {"paid_by": "bank_account"}) == []


def test_a_draft_that_sends_a_prefilled_field_is_refused() -> None:
    # the state already holds it; the gateway's value is the one that counts.
    errors = check_draft(SEED_FORMS[SSO], {"first_name_th": "ปลอม", "cause": "laid_off"})

    assert _codes(errors) == [("/body/form/first_name_th", "prefilled_field")]
    assert errors[0].extra == {"source": "identity.first_name_th"}


def test_a_prefilled_field_is_refused_whatever_its_value() -> None:
    errors = check_draft(SEED_FORMS[DOP], {"birth_date": 12})

    assert _codes(errors) == [("/body/form/birth_date", "prefilled_field")]


def test_unknown_fields_are_refused_one_by_one() -> None:
    errors = check_draft(SEED_FORMS[SSO], {"salary": 1, "cause": "laid_off", "age": 40})

    assert _codes(errors) == [
        ("/body/form/age", "unknown_field"),
        ("/body/form/salary", "unknown_field"),
    ]


def test_an_unknown_nested_field_points_inside_the_object() -> None:
    errors = check_draft(SEED_FORMS[BMA], {"site": {"district": "จตุจักร", "zone": "A"}})

    assert _codes(errors) == [("/body/form/site/zone", "unknown_field")]


def test_a_value_of_the_wrong_type_says_what_was_expected() -> None:
    errors = check_draft(SEED_FORMS[BMA], {"storeys": "2", "site": []})

    assert _codes(errors) == [("/body/form/site", "type"), ("/body/form/storeys", "type")]
    assert [e.extra for e in errors] == [{"expected": "object"}, {"expected": "integer"}]


def test_a_choice_outside_the_list_is_enum_with_the_allowed_values() -> None:
    errors = check_draft(SEED_FORMS[SSO], {"cause": "retired"})

    assert _codes(errors) == [("/body/form/cause", "enum")]
    assert errors[0].extra == {"allowed": ["laid_off", "resigned", "contract_ended"]}


@pytest.mark.parametrize(
    "day", ["2026-02-30", "31/03/2026", "2569-03-31T00:00:00", "๒๐๒๖-๐๓-๓๑", "2026-3-31"]
)
def test_a_date_must_be_a_real_iso_date(day: str) -> None:
    errors = check_draft(SEED_FORMS[SSO], {"last_working_day": day})

    assert _codes(errors) == [("/body/form/last_working_day", "format")]
    assert errors[0].extra == {"format": "date"}


@pytest.mark.parametrize("email", ["somchai", "somchai@", "a b@mail.go.th", "somchai@mail"])
def test_an_email_must_look_like_one(email: str) -> None:
    errors = check_draft(SEED_FORMS[SSO], {"email": email})

    assert _codes(errors) == [("/body/form/email", "format")]


def test_numbers_outside_their_range_are_refused() -> None:
    errors = check_draft(SEED_FORMS[BMA], {"storeys": 0, "floor_area_sqm": 0})

    assert _codes(errors) == [
        ("/body/form/storeys", "minimum"),
        ("/body/form/floor_area_sqm", "minimum"),
    ]
    assert [e.extra for e in errors] == [{"minimum": 1}, {"exclusive_minimum": 0}]


def test_errors_come_one_per_field_in_the_forms_order() -> None:
    # The client's key order does not matter: the form's does.
    data = {
        "email": "nope",
        "zzz": 1,
        "paid_by": "cheque",
        "last_working_day": "x",
        "first_name_th": "x",
    }
    expected = [
        ("/body/form/first_name_th", "prefilled_field"),
        ("/body/form/last_working_day", "format"),
        ("/body/form/paid_by", "enum"),
        ("/body/form/email", "format"),
        ("/body/form/zzz", "unknown_field"),
    ]

    assert _codes(check_draft(SEED_FORMS[SSO], data)) == expected
    assert _codes(check_draft(SEED_FORMS[SSO], dict(reversed(data.items())))) == expected


def test_a_form_that_is_not_an_object_is_one_type_error() -> None:
    errors = check_draft(DEFAULT_FORM, ["note"])

    assert _codes(errors) == [(FORM_POINTER, "type")]


def test_messages_follow_the_language_and_codes_do_not() -> None:
    english = check_draft(SEED_FORMS[SSO], {"cause": 1})
    thai = check_draft(SEED_FORMS[SSO], {"cause": 1}, lang="th")

    assert _codes(english) == _codes(thai)
    assert english[0].message != thai[0].message
    assert any(0x0E00 <= ord(c) < 0x0E80 for c in thai[0].message)


# -- submission ---------------------------------------------------------------------------------


def test_a_complete_claim_passes() -> None:
    spec = SEED_FORMS[SSO]

    assert check_complete(spec, merge(spec, prefill_values(spec, FACTS), _sso_claim())) == []


def test_submission_lists_every_missing_field_in_the_forms_order() -> None:
    # R-LFA.2: the missing items, all at once.
    spec = SEED_FORMS[SSO]
    data = merge(spec, prefill_values(spec, FACTS), {"cause": "resigned"})

    errors = check_complete(spec, data)

    assert _codes(errors) == [
        ("/body/form/last_working_day", "required"),
        ("/body/form/paid_by", "required"),
        ("/body/form/contact_phone", "required"),
    ]


def test_a_bank_account_is_required_only_when_the_claimant_chose_one() -> None:
    spec = SEED_FORMS[SSO]
    prefilled = prefill_values(spec, FACTS)

    errors = check_complete(spec, merge(spec, prefilled, _sso_claim(paid_by="bank_account")))

    assert _codes(errors) == [("/body/form/bank_account", "required")]
    account = {"bank": "006", "account_number": "1234567890"}
    data = merge(spec, prefilled, _sso_claim(paid_by="bank_account", bank_account=account))
    assert check_complete(spec, data) == []


def test_a_nested_required_field_points_inside_its_object() -> None:
    spec = SEED_FORMS[BMA]
    data = {
        "applicant_role": "owner",
        "site": {"road": "ซอยลาดพร้าว 1"},
        "building_use": "detached_house",
        "storeys": 2,
        "floor_area_sqm": 180.5,
        "engineer_licence_number": "สย.12345",
        "contact_phone": "0812345678",
    }

    errors = check_complete(spec, merge(spec, prefill_values(spec, FACTS), data))

    # Inside the object too, in the order the form lists the fields.
    assert _codes(errors) == [
        ("/body/form/site/title_deed_number", "required"),
        ("/body/form/site/district", "required"),
    ]


def test_a_required_prefilled_field_the_state_lacks_is_prefill_unavailable() -> None:
    # Not `required`: the citizen may not send it, so the fault is on the state's side.
    spec = SEED_FORMS[SSO]
    facts = {k: v for k, v in FACTS.items() if k != "identity.last_name_th"}

    errors = check_complete(spec, merge(spec, prefill_values(spec, facts), _sso_claim()))

    assert _codes(errors) == [("/body/form/last_name_th", "prefill_unavailable")]
    assert errors[0].extra == {"source": "identity.last_name_th"}


def test_a_state_value_the_form_refuses_is_prefill_invalid() -> None:
    spec = SEED_FORMS[SSO]

    data = merge(
        spec, prefill_values(spec, {**FACTS, "registry.province_code": "Bangkok"}), _sso_claim()
    )

    assert _codes(check_complete(spec, data)) == [("/body/form/province", "prefill_invalid")]


def test_an_optional_prefilled_field_may_be_missing() -> None:
    spec = SEED_FORMS[SSO]
    facts = {k: v for k, v in FACTS.items() if not k.startswith("registry.")}

    assert check_complete(spec, merge(spec, prefill_values(spec, facts), _sso_claim())) == []


# -- merge --------------------------------------------------------------------------------------


def test_merge_keeps_the_states_value_over_a_submitted_one_in_form_order() -> None:
    spec = SEED_FORMS[SSO]
    submitted = {"contact_phone": "0812345678", "first_name_th": "ปลอม", "cause": "laid_off"}

    data = merge(spec, {"first_name_th": "สมหญิง", "last_name_th": "ใจงาม"}, submitted)

    assert data == {
        "first_name_th": "สมหญิง",
        "last_name_th": "ใจงาม",
        "cause": "laid_off",
        "contact_phone": "0812345678",
    }
    assert list(data) == ["first_name_th", "last_name_th", "cause", "contact_phone"]


def test_merge_copies_so_the_result_can_be_changed_safely() -> None:
    spec = SEED_FORMS[SSO]
    submitted = {"bank_account": {"bank": "006", "account_number": "1234567890"}}

    data = merge(spec, {}, submitted)
    data["bank_account"]["bank"] = "014"

    assert submitted["bank_account"]["bank"] == "006"


# -- pointers -----------------------------------------------------------------------------------


def test_pointers_escape_tilde_and_slash() -> None:
    assert form_pointer("a/b~c", 0, "d") == "/body/form/a~1b~0c/0/d"
    assert pointer_path("/body/form/a~1b~0c/0/d") == ["a/b~c", "0", "d"]
    assert pointer_path(FORM_POINTER) == []
    with pytest.raises(ValueError, match="not a form pointer"):
        pointer_path("/body/formx/a")


# -- properties ---------------------------------------------------------------------------------

_SOURCE_VALUES: dict[PrefillSource, st.SearchStrategy[Any]] = {
    PrefillSource.FIRST_NAME_TH: st.text(min_size=1, max_size=100),
    PrefillSource.LAST_NAME_TH: st.text(min_size=1, max_size=100),
    PrefillSource.FIRST_NAME_EN: st.text(min_size=1, max_size=100),
    PrefillSource.LAST_NAME_EN: st.text(min_size=1, max_size=100),
    PrefillSource.BIRTH_DATE: st.dates(dt.date(1900, 1, 1), dt.date(2026, 12, 31)),
    PrefillSource.ADDRESS_TH: st.text(min_size=1, max_size=500),
    PrefillSource.PROVINCE_CODE: st.from_regex(r"TH-[0-9]{2}", fullmatch=True),
    PrefillSource.SEX: st.sampled_from(["M", "F"]),
}


def _valid(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:  # noqa: PLR0911
    """Values valid under `schema`, for the keywords the seed forms use."""
    choices = schema.get("oneOf") or schema.get("anyOf")
    if choices and all("const" in c for c in choices):
        return st.sampled_from([c["const"] for c in choices])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        return _valid_object(schema, skip=set())
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        return st.floats(
            low,
            schema.get("maximum"),
            exclude_min="exclusiveMinimum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    assert kind == "string", schema
    longest = schema.get("maxLength", 300)
    if schema.get("format") == "date":
        return st.dates().map(dt.date.isoformat)
    if schema.get("format") == "email":
        return st.emails().filter(lambda e: len(e) <= longest)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: len(s) <= longest)
    return st.text(min_size=schema.get("minLength", 0), max_size=longest)


def _valid_object(schema: Mapping[str, Any], skip: set[str]) -> st.SearchStrategy[dict[str, Any]]:
    # Conditional requirements (allOf if/then) are met by always giving what any `then` needs.
    needed = set(schema.get("required", []))
    for rule in schema.get("allOf", []):
        needed |= set(rule.get("then", {}).get("required", []))
    fields = {n: s for n, s in schema["properties"].items() if n not in skip}
    return st.fixed_dictionaries(
        {n: _valid(s) for n, s in fields.items() if n in needed},
        optional={n: _valid(s) for n, s in fields.items() if n not in needed},
    )


def _facts(spec: FormSpec) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({s.value: _SOURCE_VALUES[s] for s in spec.prefill.values()})


FORM_CASES = [pytest.param(spec, id=sid) for sid, spec in SEED_FORMS.items()] + [
    pytest.param(DEFAULT_FORM, id="default")
]


@pytest.mark.parametrize("spec", FORM_CASES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_valid_application_passes_draft_and_submission(
    spec: FormSpec, data: st.DataObject
) -> None:
    entered = data.draw(_valid_object(spec.schema_, skip=set(spec.prefill)))
    prefilled = prefill_values(spec, data.draw(_facts(spec)))

    assert check_draft(spec, entered) == []
    assert check_complete(spec, merge(spec, prefilled, entered)) == []


@pytest.mark.parametrize("spec", FORM_CASES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_part_of_a_valid_application_is_a_valid_draft(
    spec: FormSpec, data: st.DataObject
) -> None:
    entered = data.draw(_valid_object(spec.schema_, skip=set(spec.prefill)))
    kept = data.draw(st.sets(st.sampled_from(sorted(entered)))) if entered else set()

    assert check_draft(spec, {k: v for k, v in entered.items() if k in kept}) == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
_ANY_FIELDS = st.dictionaries(
    st.one_of(st.sampled_from(sorted(SEED_FORMS[SSO].properties)), st.text(max_size=12)),
    _JSON,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(data=_ANY_FIELDS, complete=st.booleans())
def test_every_error_points_into_the_form_once_in_a_stable_order(
    data: dict[str, Any], complete: bool
) -> None:
    spec = SEED_FORMS[SSO]
    check = check_complete if complete else check_draft

    errors = check(spec, data)
    again = check(spec, dict(reversed(list(data.items()))))

    assert errors == again
    pointers = [e.pointer for e in errors]
    assert all(p.startswith(FORM_POINTER + "/") for p in pointers)
    assert len(pointers) == len(set(pointers))
    for pointer in pointers:
        assert form_pointer(*pointer_path(pointer)) == pointer


@settings(max_examples=200, deadline=None)
@given(key=st.text(min_size=1, max_size=20).filter(lambda k: k not in DEFAULT_FORM.properties))
def test_an_unknown_key_round_trips_through_its_pointer(key: str) -> None:
    errors = check_draft(DEFAULT_FORM, {key: "x"})

    assert _codes(errors) == [(form_pointer(key), "unknown_field")]
    assert pointer_path(errors[0].pointer) == [key]


@pytest.mark.parametrize("spec", FORM_CASES)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_sending_any_prefilled_field_is_refused(spec: FormSpec, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(spec.prefill)))
    value = data.draw(_JSON)

    errors = check_draft(spec, {name: value})

    assert _codes(errors) == [(form_pointer(name), "prefilled_field")]


@pytest.mark.parametrize("spec", FORM_CASES)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_merge_always_keeps_the_states_values(spec: FormSpec, data: st.DataObject) -> None:
    prefilled = prefill_values(spec, data.draw(_facts(spec)))
    submitted = data.draw(st.dictionaries(st.sampled_from(sorted(spec.properties)), _JSON))

    merged = merge(spec, prefilled, submitted)

    for name in spec.prefill:
        assert merged.get(name) == prefilled.get(name)
    for name, value in submitted.items():
        if name not in spec.prefill:
            assert merged[name] == value
