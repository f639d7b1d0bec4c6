"""IN lists padded to a few lengths, so that a statement takes one of a few shapes."""

from __future__ import annotations

from storage.sql import padded, placeholders


def test_lists_grow_to_the_next_power_of_two_with_their_last_value() -> None:
    assert padded([]) == [] and padded([7]) == [7] and padded([1, 2]) == [1, 2]
    assert padded([1, 2, 3]) == [1, 2, 3, 3]
    assert padded(range(5)) == [0, 1, 2, 3, 4, 4, 4, 4]
    assert len(padded(range(100))) == 128 and set(padded(range(100))) == set(range(100))
    shapes = {len(padded(range(n))) for n in range(1, 1001)}
    assert shapes == {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}


def test_placeholders_are_padded_too() -> None:
    sql, params = placeholders("m", [10, 20, 30])
    assert sql == ":m0, :m1, :m2, :m3"
    assert params == {"m0": 10, "m1": 20, "m2": 30, "m3": 30}
    assert placeholders("m", []) == ("NULL", {})
