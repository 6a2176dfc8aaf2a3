"""R-LFA.1: every live service publishes its full citizen manual, in Thai and English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from gateway.catalog.definitions import AgencyDefinition, EServiceDefinition
from gateway.catalog.lint import Finding, lint

pytestmark = pytest.mark.rule("R-LFA.1")

Data = dict[str, Any]
Lint = Callable[..., set[tuple[str, str, str]]]


def test_the_demo_seed_has_a_complete_manual_for_every_service(
    seed_findings: list[Finding],
) -> None:
    assert [f for f in seed_findings if f.rule == "R-LFA.1"] == []


def test_the_complete_definition_has_no_findings(service_data: Data, lint_service: Lint) -> None:
    # Every "is flagged" test below breaks exactly this definition, so it must be clean.
    assert lint_service(service_data) == set()


def _set(path: str, value: Any) -> Callable[[Data], None]:
    """A change to `data` at a dotted path (list indexes as numbers), e.g. manual.steps.0."""

    def change(data: Data) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


BREAKS: list[Any] = [
    pytest.param(
        _set("manual.conditions", []),
        {("R-LFA.1", "missing_conditions", "manual.conditions")},
        id="no-conditions",
    ),
    pytest.param(
        _set("manual.steps", []),
        {("R-LFA.1", "missing_steps", "manual.steps")},
        id="no-steps",
    ),
    pytest.param(
        _set("manual.steps.1.duration_minutes", None),
        {("R-LFA.1", "missing_step_duration", "manual.steps[1]")},
        id="step-without-duration",
    ),
    pytest.param(
        _set("manual.steps.0.responsible_unit", None),
        {("R-LFA.1", "missing_responsible_unit", "manual.steps[0]")},
        id="step-without-responsible-unit",
    ),
    pytest.param(
        _set("manual.steps.1.responsible_unit", {"th": "กรมกิจการผู้สูงอายุ", "en": ""}),
        {("R-LFA.1", "missing_responsible_unit", "manual.steps[1]")},
        id="step-with-responsible-unit-in-thai-only",
    ),
    pytest.param(
        _set("manual.total_working_days", None),
        {("R-LFA.1", "missing_total_time", "manual.total_working_days")},
        id="no-total-time",
    ),
    pytest.param(
        # 15 + 2,000 minutes is about 5 working days of 7 hours; the manual says 1.
        _set("manual.steps.1.duration_minutes", 2000),
        {("R-LFA.1", "steps_exceed_total_time", "manual.total_working_days")},
        id="steps-longer-than-total-time",
    ),
    pytest.param(
        _set("manual.fees", None),
        {("R-LFA.1", "missing_fees", "manual.fees")},
        id="no-fees-section",
    ),
    pytest.param(
        _set("manual.fees", {"no_fee": False, "items": []}),
        {("R-LFA.1", "missing_fees", "manual.fees")},
        id="no-fee-items-and-no-explicit-no-fee",
    ),
    pytest.param(
        _set("manual.channels", []),
        {("R-LFA.1", "missing_channels", "manual.channels")},
        id="no-channels",
    ),
    pytest.param(
        _set("manual.places", []),
        {("R-LFA.1", "missing_places", "manual.places")},
        id="no-places",
    ),
    pytest.param(
        _set("manual.places.0.hours", None),
        {("R-LFA.1", "missing_opening_hours", "manual.places[0]")},
        id="place-without-opening-hours",
    ),
    pytest.param(
        _set("manual.complaint_channels", [{"name": {"th": "กรม", "en": "DOP"}, "phone": "1300"}]),
        {("R-LFA.1", "missing_hotline", "manual.complaint_channels")},
        id="no-1111-hotline",
    ),
    pytest.param(
        _set(
            "manual.complaint_channels",
            [{"name": {"th": "สายด่วน 1111", "en": "Hotline 1111"}, "phone": "1111"}],
        ),
        {("R-LFA.1", "missing_agency_complaint_channel", "manual.complaint_channels")},
        id="no-agency-complaint-unit",
    ),
    pytest.param(
        _set("manual.complaint_channels", []),
        {
            ("R-LFA.1", "missing_hotline", "manual.complaint_channels"),
            ("R-LFA.1", "missing_agency_complaint_channel", "manual.complaint_channels"),
        },
        id="no-complaint-channels-at-all",
    ),
    pytest.param(
        _set("manual.legal_basis", []),
        {("R-LFA.1", "missing_legal_basis", "manual.legal_basis")},
        id="no-legal-basis",
    ),
    pytest.param(
        _set("manual.published_on", None),
        {("R-LFA.1", "missing_publication_date", "manual.published_on")},
        id="no-publication-date",
    ),
    pytest.param(
        _set("agency", "NOSUCH"),
        {("R-LFA.1", "unknown_agency", "agency")},
        id="unknown-agency",
    ),
    pytest.param(
        _set("manual.documents.0.issuer", {"kind": "state", "agency_code": "NOSUCH"}),
        {("R-LFA.1", "unknown_issuer", "manual.documents[0].issuer")},
        id="document-issued-by-unknown-agency",
    ),
    pytest.param(
        _set("manual.documents.0.issuer", {"kind": "state"}),
        {("R-LFA.1", "missing_issuer", "manual.documents[0].issuer")},
        id="state-document-without-issuer",
    ),
    pytest.param(
        _set("integration_mode", "link"),
        {("R-LFA.1", "missing_link", "link_url")},
        id="link-service-without-link-url",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BREAKS)
def test_a_manual_missing_a_part_is_reported(
    service_data: Data,
    lint_service: Lint,
    change: Callable[[Data], None],
    expected: set[tuple[str, str, str]],
) -> None:
    change(service_data)
    assert lint_service(service_data) == expected


ENGLISH_MISSING: list[Any] = [
    pytest.param("name", "name", id="service-name"),
    pytest.param("summary", "summary", id="summary"),
    pytest.param("manual.conditions.1", "manual.conditions[1]", id="condition"),
    pytest.param("manual.steps.0.title", "manual.steps[0].title", id="step-title"),
    pytest.param("manual.documents.1.name", "manual.documents[1].name", id="document-name"),
]


@pytest.mark.parametrize(("path", "where"), ENGLISH_MISSING)
@pytest.mark.parametrize("language", ["th", "en"])
def test_a_text_missing_one_language_is_reported(
    service_data: Data, lint_service: Lint, path: str, where: str, language: str
) -> None:
    node: Any = service_data
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[language] = "   "  # blank counts as missing
    assert lint_service(service_data) == {("R-LFA.1", "missing_text", where)}


def test_a_publication_date_in_the_future_is_reported(
    service_data: Data, lint_service: Lint, today: dt.date
) -> None:
    service_data["manual"]["published_on"] = (today + dt.timedelta(days=1)).isoformat()
    assert lint_service(service_data) == {
        ("R-LFA.1", "publication_in_future", "manual.published_on")
    }


def test_a_manual_published_today_is_accepted(
    service_data: Data, lint_service: Lint, today: dt.date
) -> None:
    service_data["manual"]["published_on"] = today.isoformat()
    assert lint_service(service_data) == set()


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        pytest.param(480 - 15, set(), id="exactly-one-working-day"),
        pytest.param(
            481 - 15,
            {("R-LFA.1", "steps_exceed_total_time", "manual.total_working_days")},
            id="one-minute-more",
        ),
    ],
)
# R-10.2: the default working day is 08:30-16:30, lunch not closed: 480 minutes.
def test_total_time_is_compared_in_working_days_of_eight_hours(
    service_data: Data,
    lint_service: Lint,
    minutes: int,
    expected: set[tuple[str, str, str]],
) -> None:
    service_data["manual"]["steps"][1]["duration_minutes"] = minutes
    assert lint_service(service_data) == expected


def test_an_explicit_fee_is_as_good_as_no_fee(service_data: Data, lint_service: Lint) -> None:
    service_data["manual"]["fees"] = {
        "items": [{"label": {"th": "ค่าธรรมเนียม", "en": "Fee"}, "amount_satang": 5000}]
    }
    assert lint_service(service_data) == set()


def test_a_link_service_with_its_link_is_accepted(service_data: Data, lint_service: Lint) -> None:
    service_data["integration_mode"] = "link"
    service_data["link_url"] = "https://www.dop.go.th/th/e-service"
    assert lint_service(service_data) == set()


def test_only_the_broken_service_is_reported_under_its_own_id(
    service_data: Data, agencies: list[AgencyDefinition], today: dt.date
) -> None:
    complete = EServiceDefinition.model_validate(service_data)
    broken = complete.model_copy(
        update={"id": "dop-test-broken", "manual": complete.manual.model_copy(update={"steps": []})}
    )
    findings = lint([complete, broken], agencies, today)
    assert [(f.service_id, f.rule, f.check) for f in findings] == [
        ("dop-test-broken", "R-LFA.1", "missing_steps")
    ]


# -- the application form is titled in Thai and English ------------------------------------------


def _form(properties: Data) -> Data:
    return {"schema": {"type": "object", "properties": properties, "additionalProperties": False}}


def test_a_form_field_without_an_english_title_is_flagged(
    service_data: Data, lint_service: Lint
) -> None:
    service_data["form"] = _form({"occupation": {"type": "string", "title": "อาชีพ"}})

    assert lint_service(service_data) == {
        ("R-LFA.1", "missing_form_text", "form.schema.properties.occupation")
    }


def test_a_form_field_without_a_thai_title_is_flagged(
    service_data: Data, lint_service: Lint
) -> None:
    service_data["form"] = _form({"occupation": {"type": "string", "x-title-en": "Occupation"}})

    assert lint_service(service_data) == {
        ("R-LFA.1", "missing_form_text", "form.schema.properties.occupation")
    }


def test_nested_fields_and_choices_need_both_titles(service_data: Data, lint_service: Lint) -> None:
    service_data["form"] = _form(
        {
            "bank_account": {
                "type": "object",
                "title": "บัญชีธนาคาร",
                "x-title-en": "Bank account",
                "properties": {
                    "bank": {
                        "type": "string",
                        "title": "ธนาคาร",
                        "x-title-en": "Bank",
                        "oneOf": [
                            {"const": "006", "title": "กรุงไทย", "x-title-en": "Krungthai"},
                            {"const": "014", "title": "ไทยพาณิชย์"},
                        ],
                    },
                    "number": {"type": "string"},
                },
            }
        }
    )

    assert lint_service(service_data) == {
        ("R-LFA.1", "missing_form_text", "form.schema.properties.bank_account.properties.number"),
        (
            "R-LFA.1",
            "missing_form_text",
            "form.schema.properties.bank_account.properties.bank.oneOf[1]",
        ),
    }


def test_the_properties_of_a_condition_are_no_fields(
    service_data: Data, lint_service: Lint
) -> None:
    form = _form(
        {
            "paid_by": {"type": "string", "title": "วิธีรับเงิน", "x-title-en": "Paid by"},
            "account": {"type": "string", "title": "บัญชี", "x-title-en": "Account"},
        }
    )
    form["schema"]["allOf"] = [
        {
            "if": {"properties": {"paid_by": {"const": "bank"}}, "required": ["paid_by"]},
            "then": {"required": ["account"]},
        }
    ]
    service_data["form"] = form

    assert lint_service(service_data) == set()
