"""What a jail is asked and how its outputs are read: the request, the limits, output checks, text.

Shared by calibration (evaluator/calibration.py) and judging (evaluator/judge.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from evaluator import sandbox
from evaluator.checkers import check_output, load_validator
from evaluator.jail.protocol import ORDER_FREE, order_free_key
from evaluator.tasks import Task

CHILD_CPU_FLOOR = 2  # seconds: never limit a test run below this
CHILD_CPU_FACTOR = 5  # times the slowest reference
CALIBRATION_CHILD_CPU = 30
MEMORY_BYTES = 768 * 2**20
ADDRESS_SPACE_BYTES = 2048 * 2**20
DIAGNOSTIC_CHARS = 300
# Rounds also stop once the result is settled: the 95% interval of the median ratio moves a
# sample's Beyond by at most this much (calibration: every reference's interval is within this
# share of the references' range). See evaluator/jail/timing.py.
STOP_TOL = 0.01


def clean_text(text: str, limit: int = DIAGNOSTIC_CHARS) -> str:
    """Text fit to store and show: no NUL, no lone surrogates or control characters, capped."""
    longer = len(text) > 4 * limit
    text = text[: 4 * limit]  # outputs can be hundreds of megabytes: never filter all of it
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    text = "".join(ch for ch in text if ch in "\n\t" or (ch >= " " and ch != "\x7f"))
    return text if len(text) <= limit and not longer else text[: limit - 3] + "..."


def _short(value: Any, limit: int = DIAGNOSTIC_CHARS) -> str:
    """The start of a value as JSON (a string as its repr), encoding no more than the diagnostic
    shows: a wrong output can be hundreds of megabytes."""
    if isinstance(value, str):
        return clean_text(repr(value[:limit]) + ("..." if len(value) > limit else ""))
    parts: list[str] = []
    size = 0
    stack: list[Any] = [value]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, _Text):
            text = str(item)
        elif isinstance(item, list):
            stack.append(_Text("]"))
            for index in range(min(len(item), limit) - 1, -1, -1):
                stack.append(item[index])
                if index:
                    stack.append(_Text(", "))
            text = "["
        elif isinstance(item, dict):
            entries = list(item.items())[:limit]
            stack.append(_Text("}"))
            for index in range(len(entries) - 1, -1, -1):
                key, inner = entries[index]
                stack.append(inner)
                stack.append(_Text(json.dumps(str(key)[:limit]) + ": "))
                if index:
                    stack.append(_Text(", "))
            text = "{"
        elif isinstance(item, str):
            text = json.dumps(item[:limit])
        else:
            text = json.dumps(item)
        parts.append(text)
        size += len(text)
    return clean_text("".join(parts))


class _Text(str):
    """Punctuation in _short's stack, told apart from the strings of the value."""


def jail_request(
    task: Task, programs: dict[str, str], child_cpu: int, timing: dict[str, Any]
) -> dict[str, Any]:
    """What the jail gets: programs, every test input (never an expected output), limits."""
    request = {
        "entry_point": task.entry_point,
        "params": task.params,
        "returns": task.returns,
        "inplace": task.inplace,
        "prefix": task.prefix,
        "programs": programs,
        # Correctness-only tests, then the performance tests (the timed ones; all of them when
        # a task has no separate performance tests).
        "check_tests": [c.input for c in task.small] if task.large else [],
        "timed_tests": [c.input for c in task.timed],
        "limits": {
            "cpu_s": child_cpu,
            "wall_s": child_cpu * 3 + 2,
            "as_bytes": ADDRESS_SPACE_BYTES,
            "mem_bytes": MEMORY_BYTES,
        },
        "timing": timing,
        "checker": task.checker,
    }
    if task.mercury_code:
        request["mercury_convert"] = task.mercury_code["convert_offline"]
    request["result_bytes"] = _result_caps(task)
    return request


# A run's result frame may hold RESULT_FLOOR bytes, plus RESULT_FACTOR times its suite's expected
# outputs as JSON (a right answer may print longer: floats with every digit, another valid
# answer, Mercury's outputs that carry the inputs back). A hand-written frame of 16-60 MB cost the
# jail 3-10 s and the host's worker 1-3 s of CPU and 200-500 MB to decode (red team, round 6b);
# past its cap a frame is an output limit, refused before it is decoded.
RESULT_FLOOR = 2**20
RESULT_FACTOR = 16


def _result_caps(task: Task) -> dict[str, int]:
    def cap(cases: list[Any]) -> int:
        size = len(json.dumps([c.expected for c in cases]))
        if task.mercury_code:
            size += len(json.dumps([c.input for c in cases]))
        return RESULT_FLOOR + RESULT_FACTOR * size

    return _per_task(
        "caps", task, lambda: {"check_tests": cap(task.small), "timed_tests": cap(task.timed)}
    )


def inputs_bytes(task: Task) -> int:
    """The size of the task's test inputs as JSON (most of a jail request's)."""
    return _per_task("bytes", task, lambda: len(json.dumps([c.input for c in task.tests])))


VALGRIND_SLOWDOWN = 60  # as in the jail: a program runs about this much slower under valgrind


def jail_limits(child_cpu: int, children: int, measure: str = "cpu") -> sandbox.Limits:
    budget = child_cpu * children + 10
    if measure == "instructions":
        budget = budget * VALGRIND_SLOWDOWN + 30
    return sandbox.Limits(
        wall_s=budget * 2 + 10,
        cpu_s=budget + 10,
        memory_bytes=MEMORY_BYTES,
        address_space_bytes=ADDRESS_SPACE_BYTES,
    )


def hidden(task: Task, index: int) -> bool:
    """Tests past the small (public, LeetCode-sized) ones: their inputs are never shown."""
    return index >= len(task.small)


_task_cache: dict[tuple[str, str], Any] = {}
_task_lock = threading.Lock()
TASKS_CACHED = 64


def _per_task(what: str, task: Task, compute: Callable[[], Any]) -> Any:
    """What `compute` gives for this task (version), computed once per process: a calibration
    checks every reference against the same expected outputs, a worker judges many samples of
    a task. The oldest entries go first past TASKS_CACHED."""
    key = (what, task.fingerprint)
    value = _task_cache.get(key)
    if value is None:
        value = compute()
        with _task_lock:
            while len(_task_cache) >= TASKS_CACHED:
                _task_cache.pop(next(iter(_task_cache)))
            _task_cache[key] = value
    return value


def _expected_keys(task: Task) -> list[list[str] | None]:
    """The order-free keys of a task's expected outputs."""
    return _per_task(
        "keys", task, lambda: [order_free_key(task.checker, c.expected) for c in task.tests]
    )


def first_wrong(task: Task, outputs: list[Any]) -> tuple[int, str] | None:
    """Index and description of the first test the outputs fail, or None if all pass."""
    tests = task.tests
    if len(outputs) != len(tests):
        return 0, f"expected {len(tests)} outputs, got {len(outputs)}"
    if task.mercury_code:
        return _mercury_first_wrong(task, outputs)
    validator = load_validator(task.validator_source) if task.validator_source else None
    keys = _expected_keys(task) if task.checker in ORDER_FREE else [None] * len(tests)
    for index, (case, actual) in enumerate(zip(tests, outputs, strict=True)):
        if not check_output(
            task.checker, case.input, case.expected, actual, validator, keys[index]
        ):
            return index, _wrong_text(task, index, case.input, case.expected, actual)
    return None


def _wrong_text(task: Task, index: int, given: Any, expected: Any, actual: Any) -> str:
    if hidden(task, index):
        return f"test {index + 1} (a hidden performance test): the output is not the expected one"
    return f"test {index + 1}: input {_short(given)}; expected {_short(expected)}; got {_short(actual)}"


def _mercury_first_wrong(task: Task, outputs: list[Any]) -> tuple[int, str] | None:
    """Mercury's evaluate_offline decides, in a jail where no completion code ever runs."""
    code = task.mercury_code or {}
    request = {
        "mode": "mercury_verify",
        "mercury_convert": code["convert_offline"],
        "mercury_evaluate": code["evaluate_offline"],
        "cases": [{"input": c.input, "expected": c.expected} for c in task.tests],
        "recorded": outputs,
        "limits": {
            "cpu_s": 30,
            "wall_s": 62,
            "as_bytes": ADDRESS_SPACE_BYTES,
            "mem_bytes": MEMORY_BYTES,
        },
    }
    run = sandbox.run_harness(request, jail_limits(30, 1), pin=False)
    verify = (run.report or {}).get("verify") or {}
    verdicts = verify.get("verdicts")
    if run.outcome in ("memory", "output", "timeout") or (
        run.report is not None and verify.get("status") != "ok"
    ):
        # Only the recorded outputs differ from one check to the next: outputs that exhaust
        # the checking run's limits are the completion's, and cannot be right.
        return 0, (
            "the outputs could not be checked: comparing them exceeded the checker's limits "
            f"({clean_text(str(verify.get('error') or run.outcome), 120)})"
        )
    if verify.get("status") != "ok" or not isinstance(verdicts, list):
        raise sandbox.SandboxError(f"Mercury's evaluate_offline failed: {verify or run.outcome}")
    if len(verdicts) != len(task.tests):
        raise sandbox.SandboxError(
            "Mercury's evaluate_offline returned the wrong number of verdicts"
        )
    for index, (case, verdict) in enumerate(zip(task.tests, verdicts, strict=True)):
        if verdict is not True:
            recorded = outputs[index]
            got = recorded.get("out") if isinstance(recorded, dict) else recorded
            text = _wrong_text(task, index, case.input, case.expected, got)
            if isinstance(verdict, str) and not hidden(task, index):
                text += f" ({clean_text(verdict)})"
            return index, text
    return None


def pairwise_ratios(times: list[float], anchor: list[float]) -> list[float]:
    return [t / a for t, a in zip(times, anchor, strict=False) if a > 0]


def round0_entry(frame: dict[str, Any], name: str) -> dict[str, Any]:
    """One program's round-0 summary from the harness's frame (our code; checked for shape)."""
    programs = frame.get("programs")
    entry = programs.get(name) if isinstance(programs, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("status"), str):
        raise sandbox.SandboxError(f"the harness sent no round-0 summary of {name}")
    return entry
