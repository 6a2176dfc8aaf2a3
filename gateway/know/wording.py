"""How a condition of an eligibility rule reads, in Thai and English: "aged 60 or over: yes —
born 2494 BE" (อายุ 60 ปีขึ้นไป: ใช่ — เกิดปี พ.ศ. 2494). Pure: the caller says where each
fact came from and why an unknown one is unknown."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.eligibility import Condition, FactValue

Text = tuple[str, str]  # (Thai, English)

_ANSWER: dict[bool | None, Text] = {
    True: ("ใช่", "yes"),
    False: ("ไม่ใช่", "no"),
    None: ("ไม่ทราบ", "unknown"),
}

#: Comparisons of a number: Thai and English patterns over {what}, {value} and {unit}.
_NUMBER: dict[str, Text] = {
    "eq": ("{what} {value} {unit}", "{what} {value}"),
    "ne": ("{what}ไม่ใช่ {value} {unit}", "{what} other than {value}"),
    "lt": ("{what}ต่ำกว่า {value} {unit}", "{what} under {value}"),
    "le": ("{what}ไม่เกิน {value} {unit}", "{what} {value} or under"),
    "gt": ("{what}มากกว่า {value} {unit}", "{what} over {value}"),
    "ge": ("{what} {value} {unit}ขึ้นไป", "{what} {value} or over"),
    "in": ("{what} {value} {unit}", "{what} one of {value}"),
}

#: Numbers and codes: (Thai, English) of what is compared, and the Thai unit.
_MEASURED: dict[str, tuple[Text, str]] = {
    "age_years": (("อายุ", "aged"), "ปี"),
    "children_under_6": (("จำนวนบุตรอายุต่ำกว่า 6 ปี", "children under 6:"), "คน"),
    "province": (("ทะเบียนบ้านอยู่ในจังหวัด", "registered in province"), ""),
    "nationality": (("สัญชาติ", "nationality"), ""),
}

#: True/false facts: what holding it reads as, and what not holding it reads as.
_BOOLEAN: dict[str, tuple[Text, Text]] = {
    "sso_insured": (
        ("เป็นผู้ประกันตนกับสำนักงานประกันสังคม", "insured with the Social Security Office"),
        ("ไม่ได้เป็นผู้ประกันตนกับสำนักงานประกันสังคม", "not insured with the Social Security Office"),
    ),
    "receives_state_pension": (
        ("ได้รับบำนาญจากรัฐ", "receiving a state pension"),
        ("ไม่ได้รับบำนาญจากรัฐ", "not receiving a state pension"),
    ),
    "owns_vehicle": (
        ("มีรถที่จดทะเบียนในชื่อของท่าน", "a vehicle registered in your name"),
        ("ไม่มีรถที่จดทะเบียนในชื่อของท่าน", "no vehicle registered in your name"),
    ),
    "has_taxable_income": (
        ("มีเงินได้ที่ต้องยื่นภาษีในปีภาษีที่แล้ว", "taxable income in the last tax year"),
        ("ไม่มีเงินได้ที่ต้องยื่นภาษีในปีภาษีที่แล้ว", "no taxable income in the last tax year"),
    ),
    "is_student": (
        ("เป็นนักเรียนหรือนักศึกษา", "a student"),
        ("ไม่ได้เป็นนักเรียนหรือนักศึกษา", "not a student"),
    ),
    "has_state_welfare_card": (
        ("มีบัตรสวัสดิการแห่งรัฐ", "holding a state welfare card"),
        ("ไม่มีบัตรสวัสดิการแห่งรัฐ", "not holding a state welfare card"),
    ),
    "registered_disabled": (
        ("จดทะเบียนคนพิการ", "registered as a person with disabilities"),
        ("ไม่ได้จดทะเบียนคนพิการ", "not registered as a person with disabilities"),
    ),
    "registered_unemployed": (
        ("ขึ้นทะเบียนผู้ว่างงาน", "registered as unemployed"),
        ("ไม่ได้ขึ้นทะเบียนผู้ว่างงาน", "not registered as unemployed"),
    ),
}


def _listed(value: FactValue | list[FactValue], joiner: str) -> str:
    return joiner.join(str(v) for v in value) if isinstance(value, list) else str(value)


def _special(condition: Condition) -> Text | None:
    """The phrasings plain patterns read badly in."""
    fact, op, value = condition.fact, condition.op, condition.value
    if fact == "nationality" and op == "eq" and value == "TH":
        return "มีสัญชาติไทย", "Thai nationality"
    if fact == "children_under_6" and op == "ge" and value == 1:
        return "มีบุตรอายุต่ำกว่า 6 ปี", "a child under 6 in your household"
    if fact == "sso_section" and op in ("eq", "in"):
        return (
            f"เป็นผู้ประกันตนมาตรา {_listed(value, ' หรือ ')}",
            f"insured under section {_listed(value, ' or ')} of the Social Security Act",
        )
    return None


def condition_text(condition: Condition) -> Text:
    """What the condition asks, as a citizen reads it."""
    if condition.fact in _BOOLEAN:
        wanted = condition.value if condition.op != "ne" else not condition.value
        if condition.negated:
            wanted = not wanted
        yes, no = _BOOLEAN[condition.fact]
        return yes if wanted else no
    text = _special(condition)
    if text is None:
        (what_th, what_en), unit = _MEASURED.get(condition.fact, ((condition.fact,) * 2, ""))
        pattern_th, pattern_en = _NUMBER[condition.op]
        text = (
            pattern_th.format(what=what_th, value=_listed(condition.value, ", "), unit=unit),
            pattern_en.format(what=what_en, value=_listed(condition.value, ", ")),
        )
    th, en = " ".join(text[0].split()), " ".join(text[1].split())
    if condition.negated:
        return f"ไม่ใช่กรณี: {th}", f"not: {en}"
    return th, en


@dataclass(frozen=True)
class Evidence:
    """Where a fact came from, or why it is unknown, in both languages."""

    th: str
    en: str


def age_evidence(birth_date_be: str) -> Evidence:
    year = birth_date_be[:4]
    return Evidence(f"เกิดปี พ.ศ. {year}", f"born {year} BE")


def value_evidence(source_th: str, source_en: str, actual: FactValue) -> Evidence:
    if isinstance(actual, bool):
        return Evidence(f"ตามข้อมูลของ{source_th}", f"according to the {source_en}")
    return Evidence(f"ตามข้อมูลของ{source_th} ({actual})", f"according to the {source_en} ({actual})")


def line(condition: Condition, evidence: Evidence) -> Text:
    """ "aged 60 or over: yes — born 2494 BE"."""
    th, en = condition_text(condition)
    answer_th, answer_en = _ANSWER[condition.met]
    return f"{th}: {answer_th} — {evidence.th}", f"{en}: {answer_en} — {evidence.en}"
