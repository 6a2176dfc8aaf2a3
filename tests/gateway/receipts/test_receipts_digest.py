"""R-10.4: the receipt's content digest is exactly what the module docstring says, so anyone
can recompute it offline; it ignores upload order and notices any other change."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gateway.receipts.digest import AttachmentDigest, canonical_json, submission_digest

SHA_A = hashlib.sha256(b"house registration scan").hexdigest()
SHA_B = hashlib.sha256(b"id card scan").hexdigest()

json_scalars = st.none() | st.booleans() | st.integers() | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
forms = st.dictionaries(st.text(max_size=12), json_values, max_size=6)
sha256_hexes = st.binary(min_size=1, max_size=16).map(lambda b: hashlib.sha256(b).hexdigest())
attachments = st.lists(
    st.builds(
        AttachmentDigest,
        document=st.sampled_from(["id_card", "house", "photo"]),
        sha256=sha256_hexes,
    ),
    max_size=6,
)
thai = st.text(alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B), min_size=1)


def test_the_documented_bytes_are_hashed() -> None:
    """A known answer: the bytes a third party rebuilds by hand, byte for byte."""
    form = {"name": "สมชาย ใจดี", "age": 42, "note": 'a "quote"\n', "consent": True}
    attached = [
        AttachmentDigest(document="id_card", sha256=SHA_B),
        AttachmentDigest(document="house_registration", sha256=SHA_A),
    ]
    expected = (
        '{"attachments":['
        f'{{"document":"house_registration","sha256":"{SHA_A}"}},'
        f'{{"document":"id_card","sha256":"{SHA_B}"}}],'
        '"form":{"age":42,"consent":true,"name":"สมชาย ใจดี","note":"a \\"quote\\"\\n"},'
        '"service":"dopa-house-move"}'
    ).encode()
    document = {
        "service": "dopa-house-move",
        "form": form,
        "attachments": [
            {"document": "house_registration", "sha256": SHA_A},
            {"document": "id_card", "sha256": SHA_B},
        ],
    }
    assert canonical_json(document) == expected
    digest = submission_digest(service_id="dopa-house-move", form=form, attachments=attached)
    assert digest == hashlib.sha256(expected).hexdigest()


@given(service=st.text(), form=forms, attached=attachments, data=st.data())
def test_the_order_of_attachments_does_not_matter(
    service: str, form: dict[str, Any], attached: list[AttachmentDigest], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(attached))
    assert submission_digest(service_id=service, form=form, attachments=attached) == (
        submission_digest(service_id=service, form=form, attachments=shuffled)
    )


@given(service=st.text(), form=forms, other=forms, attached=attachments)
def test_any_change_in_the_form_changes_the_digest(
    service: str, form: dict[str, Any], other: dict[str, Any], attached: list[AttachmentDigest]
) -> None:
    assume(canonical_json(form) != canonical_json(other))
    assert submission_digest(service_id=service, form=form, attachments=attached) != (
        submission_digest(service_id=service, form=other, attachments=attached)
    )


@given(form=forms, attached=attachments, extra=sha256_hexes, data=st.data())
def test_any_change_in_the_attachments_changes_the_digest(
    form: dict[str, Any], attached: list[AttachmentDigest], extra: str, data: st.DataObject
) -> None:
    before = submission_digest(service_id="s", form=form, attachments=attached)
    added = [*attached, AttachmentDigest(document="photo", sha256=extra)]
    assert submission_digest(service_id="s", form=form, attachments=added) != before
    if attached:
        index = data.draw(st.integers(0, len(attached) - 1))
        changed = list(attached)
        old = changed[index]
        assume(extra != old.sha256)
        changed[index] = AttachmentDigest(document=old.document, sha256=extra)
        assert submission_digest(service_id="s", form=form, attachments=changed) != before
        dropped = attached[:index] + attached[index + 1 :]
        assert submission_digest(service_id="s", form=form, attachments=dropped) != before
        renamed = list(attached)
        renamed[index] = AttachmentDigest(document=old.document + "-other", sha256=old.sha256)
        assert submission_digest(service_id="s", form=form, attachments=renamed) != before


@given(form=forms, attached=attachments)
def test_the_service_is_part_of_the_digest(
    form: dict[str, Any], attached: list[AttachmentDigest]
) -> None:
    assert submission_digest(service_id="a", form=form, attachments=attached) != (
        submission_digest(service_id="b", form=form, attachments=attached)
    )


@given(text=thai, key=thai)
def test_thai_text_round_trips_as_raw_utf8(text: str, key: str) -> None:
    encoded = canonical_json({key: text})
    assert json.loads(encoded.decode("utf-8")) == {key: text}
    assert text.encode("utf-8") in encoded  # written as UTF-8, never as \\u0e.. escapes
    assert b"\\u0e" not in encoded


@given(value=json_values)
def test_canonical_json_round_trips_and_is_a_fixed_point(value: Any) -> None:
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_numbers_json_cannot_spell_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="no JSON spelling"):
        canonical_json({"form": {"amount": [1, bad]}})


def test_keys_must_be_strings_so_two_forms_never_share_a_digest() -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        canonical_json({1: "a"})


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        canonical_json({"name": "\ud800"})


@pytest.mark.parametrize("sha256", ["", "ABC", SHA_A.upper(), SHA_A[:-1], SHA_A + "0"])
def test_an_attachment_digest_is_64_lowercase_hex_digits(sha256: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        AttachmentDigest(document="id_card", sha256=sha256)
