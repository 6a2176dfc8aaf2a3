"""The bounded map keeps at most its size, and forgets the entry least recently put or found."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kernel.bounded import BoundedMap

operations = st.lists(
    st.tuples(st.sampled_from(["get", "put", "pop"]), st.integers(0, 6), st.integers()),
    max_size=60,
)


@given(st.integers(1, 4), operations)
def test_it_behaves_like_a_least_recently_used_list(
    size: int, ops: list[tuple[str, int, int]]
) -> None:
    bounded: BoundedMap[int, int] = BoundedMap(size)
    model: list[tuple[int, int]] = []  # oldest first
    for op, key, value in ops:
        held = dict(model)
        if op == "get":
            assert bounded.get(key) == held.get(key)
            if key in held:
                model = [e for e in model if e[0] != key] + [(key, held[key])]
        elif op == "put":
            bounded.put(key, value)
            model = [e for e in model if e[0] != key] + [(key, value)]
            model = model[-size:]
        else:
            bounded.pop(key)
            model = [e for e in model if e[0] != key]
        assert len(bounded) == len(model) <= size


def test_the_least_recently_used_goes_first() -> None:
    bounded: BoundedMap[str, int] = BoundedMap(2)
    bounded.put("a", 1)
    bounded.put("b", 2)
    assert bounded.get("a") == 1  # "a" is now the most recent
    bounded.put("c", 3)
    assert bounded.get("b") is None
    assert (bounded.get("a"), bounded.get("c")) == (1, 3)
