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
        # order-free lists of ints or of strings take a fast path: types still count
        ("unordered", [1, 2, 3], [3, 1, 2], True),
        ("unordered", [1, 2], [True, 2], False),
        ("unordered", [1, 2], [1.0, 2], False),
        ("unordered", [1, 2], ["1", "2"], False),
        ("unordered", ["a", "b"], ["b", "a"], True),
        ("unordered", ['"a"', "1"], [1, "a"], False),
        ("unordered", [1, "a"], ['"a"', "1"], False),
        ("unordered", [], [], True),
        ("unordered", [1, 2], None, False),
        ("unordered_nested", [[1, "a"]], [['"a"', "1"]], False),
        ("unordered_nested", [["a", "b"], ["c"]], [["c"], ["b", "a"]], True),
        ("unordered_nested", [[1, 2], []], [[], [2, 1]], True),
        ("unordered_nested", [[1, 2]], [[2, 1], []], False),
        ("unordered_nested", [[1, 2]], [[True, 2]], False),
        ("unordered_nested", [[1, 2]], [12], False),
        ("unordered_nested", [[None, 1]], [[1, None]], True),
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


def test_order_free_fast_path_agrees_with_the_general_form():
    """The tagged fast path (ints, strings) never equals the element-by-element form of
    different elements, and mixed lists still compare element by element."""
    from evaluator.jail.protocol import multiset_key

    assert multiset_key([3, 1, 2]) == multiset_key([1, 2, 3])
    assert multiset_key([1, 2]) != multiset_key([1, 2.0])
    assert multiset_key(["1", "2"]) != multiset_key([1, 2])
    assert multiset_key([[1], [2]]) == multiset_key([[2], [1]])
    assert multiset_key([[1], [2]]) != multiset_key([[1, 2]])
    assert multiset_key([1, 2**80]) == multiset_key([2**80, 1])


def test_validator_decides_and_swallows_its_own_errors():
    check = load_validator(
        "def check(args, expected, actual):\n    return sum(actual) == args[0]\n"
    )
    assert check_output("validator", [3], [3], [1, 2], check)
    assert not check_output("validator", [3], [3], [1, 1], check)
    assert not check_output("validator", [3], [3], None, check)  # TypeError -> rejected


def test_diagnostics_show_the_start_of_a_value_and_never_encode_all_of_a_huge_one(monkeypatch):
    """A wrong output can be hundreds of megabytes (red team round 5: 11 s of the host's CPU
    and 1.2 GB for one diagnostic): only what the diagnostic shows is encoded."""
    import json

    from evaluator import checking

    small = [1, [2, "a"], {"k": None}, True, 1.5]
    assert checking._short(small) == json.dumps(small)
    assert checking._short("abc") == "'abc'"
    encoded: list[int] = []
    real = json.dumps

    def counting(value, *args, **kwargs):
        text = real(value, *args, **kwargs)
        encoded.append(len(text))
        return text

    monkeypatch.setattr(checking.json, "dumps", counting)
    huge = ["\u00e9" * 2_000_000, list(range(1_000_000))]
    shown = checking._short(huge)
    assert len(shown) == checking.DIAGNOSTIC_CHARS and shown.endswith("...")
    assert shown.startswith('["\\u00e9\\u00e9')
    assert max(encoded) <= 6 * checking.DIAGNOSTIC_CHARS + 2
    assert checking.clean_text("x\x00" * 10_000_000).startswith("xxx")
    assert len(checking.clean_text("y" * 10_000_000)) == checking.DIAGNOSTIC_CHARS
