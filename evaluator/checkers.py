"""Output checkers: decide outside the jail whether an output is right for a test."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from evaluator.jail.protocol import ORDER_FREE, order_free_key

FLOAT_TOLERANCE = 1e-5

Validator = Callable[[list[Any], Any, Any], bool]


def _floats_close(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(expected, actual, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            _floats_close(e, a) for e, a in zip(expected, actual, strict=True)
        )
    return bool(expected == actual)


def _exact(expected: Any, actual: Any) -> bool:
    # JSON equality, but True != 1 (LeetCode prints true/1 differently)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            _exact(e, a) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, float):
        return _floats_close(expected, actual)
    if isinstance(actual, float):
        # An integer answer is exact: 4.0 is 4 (Python compares them equal, as Mercury does),
        # but a float near the answer (an off-by-one hidden in rounding) is wrong.
        return isinstance(expected, int) and actual.is_integer() and int(actual) == expected
    return bool(expected == actual)


@functools.lru_cache(maxsize=512)
def load_validator(source: str) -> Validator:
    """Compile a task's checker.py (our own, trusted code) and return its check function."""
    namespace: dict[str, Any] = {"__name__": "mercury_checker"}
    exec(compile(source, "<checker.py>", "exec"), namespace)  # noqa: S102 - trusted task file
    check = namespace.get("check")
    if not callable(check):
        raise ValueError("checker.py defines no check(args, expected, actual)")
    return check  # type: ignore[no-any-return]


def check_output(
    kind: str,
    args: list[Any],
    expected: Any,
    actual: Any,
    validator: Validator | None = None,
    expected_key: list[str] | None = None,
) -> bool:
    """True when actual is an accepted output for the test (args, expected).

    expected_key: order_free_key(kind, expected), when the caller has it already.
    """
    if kind == "exact" or kind.startswith("inplace"):
        return _exact(expected, actual)
    if kind == "float":
        return _floats_close(expected, actual)
    if kind in ORDER_FREE:
        if not isinstance(expected, list) or not isinstance(actual, list):
            return False
        if kind == "unordered_nested" and not all(isinstance(x, list) for x in actual):
            return False
        if expected_key is None:
            expected_key = order_free_key(kind, expected)
        return expected_key == order_free_key(kind, actual)
    if kind == "validator":
        if validator is None:
            raise ValueError("validator checker without a check function")
        try:
            return bool(validator(args, expected, actual))
        except Exception:  # noqa: BLE001 - malformed output from the completion
            return False
    raise ValueError(f"unknown checker {kind!r}")
