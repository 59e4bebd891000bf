"""Output checkers."""

from __future__ import annotations

import pytest

from evaluator.checkers import check_output, load_validator


@pytest.mark.parametrize(
    ("kind", "expected", "actual", "ok"),
    [
        ("exact", [0, 1], [0, 1], True),
        ("exact", [0, 1], [1, 0], False),
        ("exact", True, 1, False),
        ("exact", 2.5, 2.5000001, True),
        ("unordered", [[1, 2], [3]], [[3], [1, 2]], True),
        ("unordered", [[1, 2], [3]], [[3], [2, 1]], False),
        ("unordered", [1, 2], [1, 2, 2], False),
        ("unordered_nested", [[1, 2], [3]], [[3], [2, 1]], True),
        ("unordered_nested", [[1, 2]], [[1, 3]], False),
        ("float", 1.0, 1.000001, True),
        ("float", 1.0, 1.1, False),
        ("float", [1.0, 2.0], [1.0, 2.000001], True),
        ("inplace:0", [1, 2, 3], [1, 2, 3], True),
        ("exact", [1], None, False),
        # integer answers are exact: an off-by-one hidden in a float is wrong
        ("exact", 1000000000, 1000000001.0, False),
        ("exact", 1000000000, 1000000000.0000001, False),
        ("exact", [3, 5], [3, 5.0], True),
        ("exact", 4, float("inf"), False),
        ("inplace:0", [1, 2], [1, 2.0001], False),
    ],
)
def test_check_output_table(kind, expected, actual, ok):
    assert check_output(kind, [], expected, actual) is ok


def test_validator_decides_and_swallows_its_own_errors():
    check = load_validator(
        "def check(args, expected, actual):\n    return sum(actual) == args[0]\n"
    )
    assert check_output("validator", [3], [3], [1, 2], check)
    assert not check_output("validator", [3], [3], [1, 1], check)
    assert not check_output("validator", [3], [3], None, check)  # TypeError -> rejected
