"""Application forms: what the citizen fills in, what the gateway fills in for them, and the
checks a draft and a submission must pass.

R-12.1: data the state already holds (names, birth date, address) is prefilled from the
verified identity and the civil registry and never asked again. A client that sends such a
field is refused with `prefilled_field`; the gateway's value is the one that counts.

Pure: no I/O. The caller gathers the facts (keyed by `PrefillSource` values) and passes them.

Every problem is a `kernel.errors.FieldError` whose pointer is RFC 6901 into the request body,
`/body/form/<field>[/<nested>...]` (`~` written `~0`, `/` written `~1`), one per location,
in form order. Codes are stable for clients to switch on:

    required             a field the form needs is missing (never raised for a draft)
    type                 wrong JSON type (`expected`)
    pattern              a text is not in the expected form (`pattern`)
    min_length, max_length
    enum                 not one of the allowed values (`allowed`)
    format               not a valid date / email / uuid (`format`)
    minimum, maximum, multiple_of, min_items, max_items, unique_items,
    min_properties, max_properties
    unknown_field        the form has no such field
    prefilled_field      the gateway fills this field from state data; do not send it (`source`)
    prefill_unavailable  the state's record lacks a value the form needs (the citizen cannot
                         fix this by sending it: it is the gateway's or the registry's side)
    prefill_invalid      the state's value does not fit the form (a definition or data fault)
    invalid              anything else the schema refuses
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.catalog.definitions import FormSpec, PrefillSource
from kernel.buddhist_era import split_be_date
from kernel.errors import FieldError

__all__ = [
    "DEFAULT_FORM",
    "FORM_POINTER",
    "FormSpec",
    "PrefillSource",
    "birth_date_fact",
    "check_complete",
    "check_draft",
    "effective_form",
    "form_pointer",
    "identity_facts",
    "merge",
    "pointer_path",
    "prefill_values",
    "registry_facts",
]

FORM_POINTER = "/body/form"

THAI_PHONE = r"^(?:0[689][0-9]{8}|0[2-7][0-9]{7})$"  # mobile (10 digits) or landline (9)

#: The form of a service that files but defines none: the names come from the verified
#: identity (R-12.1); the citizen may leave a phone number and a note.
DEFAULT_FORM = FormSpec.model_validate(
    {
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "title": "แบบคำขอ",
            "x-title-en": "Application",
            "properties": {
                "first_name_th": {
                    "type": "string",
                    "title": "ชื่อ",
                    "x-title-en": "First name (Thai)",
                    "maxLength": 100,
                },
                "last_name_th": {
                    "type": "string",
                    "title": "นามสกุล",
                    "x-title-en": "Last name (Thai)",
                    "maxLength": 100,
                },
                "contact_phone": {
                    "type": "string",
                    "title": "หมายเลขโทรศัพท์ที่ติดต่อได้",
                    "x-title-en": "Contact phone number",
                    "description": "ตัวเลข 9–10 หลัก ขึ้นต้นด้วย 0 ไม่ต้องใส่ขีด",
                    "x-description-en": "9 or 10 digits starting with 0, no dashes",
                    "pattern": THAI_PHONE,
                },
                "note": {
                    "type": "string",
                    "title": "ข้อความถึงเจ้าหน้าที่",
                    "x-title-en": "Note to the officer",
                    "maxLength": 2000,
                },
            },
            "additionalProperties": False,
        },
        "prefill": {
            "first_name_th": PrefillSource.FIRST_NAME_TH,
            "last_name_th": PrefillSource.LAST_NAME_TH,
        },
    }
)


def effective_form(form_json: Mapping[str, Any] | None) -> FormSpec:
    """The form an application for a service uses: its own (`EService.form`, as stored by the
    catalog), or DEFAULT_FORM. The result is shared and cached: do not change it."""
    if form_json is None:
        return DEFAULT_FORM
    return _spec(json.dumps(form_json, ensure_ascii=False))


@functools.lru_cache(maxsize=256)
def _spec(form_json: str) -> FormSpec:
    return FormSpec.model_validate_json(form_json)


# -- pointers -----------------------------------------------------------------------------------


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def form_pointer(*path: str | int) -> str:
    """The RFC 6901 pointer to a place in the form, e.g. ("address", "postcode") ->
    /body/form/address/postcode."""
    return FORM_POINTER + "".join("/" + _escape(str(part)) for part in path)


def pointer_path(pointer: str) -> list[str]:
    """The tokens of a form pointer after /body/form (the inverse of `form_pointer`)."""
    if pointer == FORM_POINTER:
        return []
    if not pointer.startswith(FORM_POINTER + "/"):
        raise ValueError(f"not a form pointer: {pointer!r}")
    return [_unescape(t) for t in pointer[len(FORM_POINTER) + 1 :].split("/")]


# -- facts and prefill --------------------------------------------------------------------------


def birth_date_fact(birth_date_be: str | None) -> str | None:
    """The `identity.birth_date` fact from the registry's Buddhist-Era YYYYMMDD: an ISO date,
    or None when the day or month is unknown (00), since a partial date is not a date."""
    if not birth_date_be:
        return None
    try:
        year, month, day = split_be_date(birth_date_be)
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def identity_facts(
    *,
    first_name_th: str | None,
    last_name_th: str | None,
    first_name_en: str | None = None,
    last_name_en: str | None = None,
    birth_date_be: str | None = None,
) -> dict[str, str]:
    """The identity facts from the verified citizen's profile; missing ones are left out."""
    return _present(
        {
            PrefillSource.FIRST_NAME_TH: first_name_th,
            PrefillSource.LAST_NAME_TH: last_name_th,
            PrefillSource.FIRST_NAME_EN: first_name_en,
            PrefillSource.LAST_NAME_EN: last_name_en,
            PrefillSource.BIRTH_DATE: birth_date_fact(birth_date_be),
        }
    )


def registry_facts(
    *, address_th: str | None, province_code: str | None, sex: str | None
) -> dict[str, str]:
    """The civil-registry facts (a `PersonRecord`'s fields); missing ones are left out."""
    return _present(
        {
            PrefillSource.ADDRESS_TH: address_th,
            PrefillSource.PROVINCE_CODE: province_code,
            PrefillSource.SEX: sex,
        }
    )


def _present(facts: Mapping[PrefillSource, str | None]) -> dict[str, str]:
    return {source.value: value for source, value in facts.items() if value}


def prefill_values(spec: FormSpec, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the gateway fills in, in form order. `facts` is keyed by source name
    (`identity.first_name_th`, ...); a missing or empty fact leaves its field absent. Dates
    are written as ISO dates."""
    values: dict[str, Any] = {}
    for name in spec.properties:
        source = spec.prefill.get(name)
        if source is None:
            continue
        value = facts.get(source.value)
        if value is None or value == "":
            continue
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            value = value.isoformat()
        values[name] = value
    return values


def merge(
    spec: FormSpec, prefilled: Mapping[str, Any], submitted: Mapping[str, Any]
) -> dict[str, Any]:
    """The application's form data: the citizen's fields, and the prefilled ones from the
    state (a submitted value for a prefilled field never counts), in form order."""
    data = {k: v for k, v in submitted.items() if k not in spec.prefill}
    data.update({k: v for k, v in prefilled.items() if k in spec.prefill})
    rank = _rank(spec)
    return copy.deepcopy(dict(sorted(data.items(), key=lambda kv: _first_key(rank, kv[0]))))


# -- checks -------------------------------------------------------------------------------------


def check_draft(spec: FormSpec, data: Any, *, lang: str = "en") -> list[FieldError]:
    """What is wrong with what a draft gives so far. A draft may be partial: nothing is
    required yet, but every field given must be valid, known and not one the gateway fills."""
    if not isinstance(data, Mapping):
        return [_type_error(lang)]
    problems = [*_prefilled_sent(spec, data)]
    citizen = {k: v for k, v in data.items() if k not in spec.prefill}
    problems.extend(_schema_problems(spec, citizen, drafting=True))
    return _field_errors(spec, problems, lang)


def check_complete(spec: FormSpec, data: Any, *, lang: str = "en") -> list[FieldError]:
    """What is wrong with an application's form data at submission, required fields included.

    `data` is the merged data (`merge(spec, prefilled, entered)`): the prefilled fields belong
    in it. A required prefilled field without a value is `prefill_unavailable` and a prefilled
    value the form refuses is `prefill_invalid`: the state's side, not the citizen's, to fix.
    What the citizen entered is refused field by field as in `check_draft`."""
    if not isinstance(data, Mapping):
        return [_type_error(lang)]
    problems = []
    for found in _schema_problems(spec, data, drafting=False):
        name = found.path[0] if found.path else None
        if isinstance(name, str) and name in spec.prefill:
            code = "prefill_unavailable" if found.code == "required" else "prefill_invalid"
            found = _Problem(found.path, code, {"source": spec.prefill[name].value})  # noqa: PLW2901
        problems.append(found)
    return _field_errors(spec, problems, lang)


Path = tuple[str | int, ...]


@dataclass(frozen=True)
class _Problem:
    path: Path
    code: str
    extra: dict[str, Any] = field(default_factory=dict)


def _type_error(lang: str) -> FieldError:
    return FieldError(
        FORM_POINTER, "type", _message("type", {"expected": "object"}, lang), {"expected": "object"}
    )


def _prefilled_sent(spec: FormSpec, data: Mapping[str, Any]) -> Iterator[_Problem]:
    # the state holds these; the citizen is not asked and may not override them.
    for key in data:
        source = spec.prefill.get(key)
        if source is not None:
            yield _Problem((key,), "prefilled_field", {"source": source.value})


def _schema_problems(
    spec: FormSpec, instance: Mapping[str, Any], *, drafting: bool
) -> Iterator[_Problem]:
    for error in spec.validator().iter_errors(instance):
        keyword: str | None = error.validator
        path: Path = tuple(error.absolute_path)
        if keyword in _REQUIRING:
            if not drafting and isinstance(error.instance, Mapping):
                for name in _REQUIRING[keyword](error.validator_value, error.instance):
                    yield _Problem((*path, name), "required")
        elif keyword == "additionalProperties" and isinstance(error.instance, Mapping):
            for name in _unknown_names(error.schema, error.instance):
                yield _Problem((*path, name), "unknown_field")
        else:
            yield _Problem(path, *_code_and_extra(keyword, error.validator_value))


def _missing(required: list[str], instance: Mapping[str, Any]) -> Iterator[str]:
    return (name for name in required if name not in instance)


def _missing_dependents(
    dependent: Mapping[str, list[str]], instance: Mapping[str, Any]
) -> Iterator[str]:
    for present, needed in dependent.items():
        if present in instance:
            yield from _missing(needed, instance)


# Keywords whose failures are missing fields: a draft may lack them all.
_REQUIRING: dict[str, Callable[[Any, Mapping[str, Any]], Iterator[str]]] = {
    "required": _missing,
    "dependentRequired": _missing_dependents,
}


def _unknown_names(schema: Mapping[str, Any], instance: Mapping[str, Any]) -> Iterator[str]:
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    for name in instance:
        if name not in known and not any(re.search(p, name) for p in patterns):
            yield name


# JSON Schema keyword -> FieldError code, where they differ (the extra keeps the limit).
_CODES = {
    "maxLength": "max_length",
    "minLength": "min_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "minimum",
    "exclusiveMaximum": "maximum",
    "multipleOf": "multiple_of",
    "minItems": "min_items",
    "maxItems": "max_items",
    "minProperties": "min_properties",
    "maxProperties": "max_properties",
}
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def _code_and_extra(keyword: str | None, value: Any) -> tuple[str, dict[str, Any]]:  # noqa: PLR0911 - one mapping per keyword
    if keyword is None or keyword == "unevaluatedProperties":
        return "unknown_field", {}  # `false` as a schema: nothing may stand here
    if keyword == "type":
        return "type", {"expected": value}
    if keyword == "enum":
        return "enum", {"allowed": list(value)}
    if keyword == "const":
        return "enum", {"allowed": [value]}
    if keyword in ("oneOf", "anyOf"):
        # One of several labelled values ({"const": ..., "title": ...}) is a choice list.
        if all(isinstance(b, Mapping) and "const" in b for b in value):
            return "enum", {"allowed": [b["const"] for b in value]}
        return "invalid", {}
    if keyword in ("format", "pattern"):
        return keyword, {keyword: value}
    if keyword == "uniqueItems":
        return "unique_items", {}
    if keyword in _CODES:
        return _CODES[keyword], {_SNAKE.sub("_", keyword).lower(): value}
    return "invalid", {}


# Which problem is reported when several fall on one location (most useful first).
_PRIORITY = [
    "prefilled_field",
    "unknown_field",
    "prefill_unavailable",
    "prefill_invalid",
    "required",
    "type",
    "enum",
    "format",
    "pattern",
    "min_length",
    "max_length",
]


def _priority(code: str) -> int:
    return _PRIORITY.index(code) if code in _PRIORITY else len(_PRIORITY)


def _rank(spec: FormSpec) -> dict[str, int]:
    return {name: i for i, name in enumerate(spec.properties)}


def _first_key(rank: Mapping[str, int], name: str) -> tuple[int, str]:
    return rank.get(name, len(rank)), name


def _order(schema: Mapping[str, Any], path: Path) -> list[tuple[int, int, str]]:
    # Object members in the order their schema lists them (unknown ones after, by name),
    # array items by index; a parent comes before its children.
    key = []
    for part in path:
        if isinstance(part, int):
            key.append((0, part, ""))
            items = schema.get("items")
            schema = items if isinstance(items, Mapping) else {}
        else:
            properties = schema.get("properties")
            properties = properties if isinstance(properties, Mapping) else {}
            key.append((1, *_first_key({n: i for i, n in enumerate(properties)}, part)))
            child = properties.get(part)
            schema = child if isinstance(child, Mapping) else {}
    return key


def _field_errors(spec: FormSpec, problems: Iterable[_Problem], lang: str) -> list[FieldError]:
    best: dict[Path, _Problem] = {}
    for problem in problems:
        current = best.get(problem.path)
        if current is None or _priority(problem.code) < _priority(current.code):
            best[problem.path] = problem
    return [
        FieldError(form_pointer(*p.path), p.code, _message(p.code, p.extra, lang), p.extra)
        for p in sorted(best.values(), key=lambda p: _order(spec.schema_, p.path))
    ]


# -- messages -----------------------------------------------------------------------------------

_TYPE_NAMES = {
    "string": ("text", "ข้อความ"),
    "integer": ("a whole number", "จำนวนเต็ม"),
    "number": ("a number", "ตัวเลข"),
    "boolean": ("true or false", "ค่าใช่หรือไม่ใช่"),
    "object": ("an object", "ชุดข้อมูล"),
    "array": ("a list", "รายการ"),
    "null": ("null", "ค่าว่าง"),
}
_FORMAT_NAMES = {
    "date": ("date (YYYY-MM-DD)", "วันที่ (ปปปป-ดด-วว ค.ศ.)"),
    "email": ("email address", "อีเมล"),
    "uuid": ("UUID", "UUID"),
}
_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("This field is required.", "กรุณากรอกข้อมูลนี้"),
    "type": ("Must be {expected}.", "ต้องเป็น{expected}"),
    "pattern": ("Not in the expected form.", "รูปแบบไม่ถูกต้อง"),
    "min_length": ("At least {min_length} characters.", "ต้องมีอย่างน้อย {min_length} ตัวอักษร"),
    "max_length": ("At most {max_length} characters.", "ยาวได้ไม่เกิน {max_length} ตัวอักษร"),
    "enum": ("Not one of the allowed values.", "ไม่ใช่ค่าที่เลือกได้"),
    "format": ("Not a valid {format}.", "{format}ไม่ถูกต้อง"),
    "minimum": ("Too small.", "น้อยกว่าที่กำหนด"),
    "maximum": ("Too large.", "มากกว่าที่กำหนด"),
    "multiple_of": ("Not a multiple of {multiple_of}.", "ต้องเป็นพหุคูณของ {multiple_of}"),
    "min_items": ("At least {min_items} items.", "ต้องมีอย่างน้อย {min_items} รายการ"),
    "max_items": ("At most {max_items} items.", "มีได้ไม่เกิน {max_items} รายการ"),
    "unique_items": ("Items must not repeat.", "รายการต้องไม่ซ้ำกัน"),
    "min_properties": ("Too few entries.", "ข้อมูลน้อยกว่าที่กำหนด"),
    "max_properties": ("Too many entries.", "ข้อมูลมากกว่าที่กำหนด"),
    "unknown_field": ("This form has no such field.", "แบบคำขอนี้ไม่มีช่องนี้"),
    "prefilled_field": (
        "The gateway fills this in from data the state already holds; do not send it.",
        "ระบบกรอกข้อมูลนี้ให้จากข้อมูลที่รัฐมีอยู่แล้ว ไม่ต้องส่งมา",
    ),
    "prefill_unavailable": (
        "The state's record has no value for this field.",
        "ไม่พบข้อมูลนี้ในทะเบียนของรัฐ",
    ),
    "prefill_invalid": (
        "The state's record does not fit this field.",
        "ข้อมูลในทะเบียนของรัฐไม่ตรงกับแบบคำขอนี้",
    ),
    "invalid": ("Invalid value.", "ข้อมูลไม่ถูกต้อง"),
}


def _message(code: str, extra: Mapping[str, Any], lang: str) -> str:
    thai = lang == "th"
    en, th = _MESSAGES.get(code, _MESSAGES["invalid"])
    fill: dict[str, Any] = dict(extra)
    if code == "type":
        expected = extra["expected"]
        names = [expected] if isinstance(expected, str) else list(expected)
        words = [_TYPE_NAMES.get(n, (n, n))[int(thai)] for n in names]
        fill["expected"] = (" หรือ " if thai else " or ").join(words)
    if code == "format":
        fill["format"] = _FORMAT_NAMES.get(extra["format"], (extra["format"],) * 2)[int(thai)]
    return (th if thai else en).format_map(fill)
