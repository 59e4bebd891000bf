"""Judging: calibrate a task's reference runtimes and judge one completion against them.

Timing protocol (DESIGN §4): one jail per sample on a pinned core. Every run of a program is the
same: a fresh process of uid 65534 runs every test once. The first run is the check (its outputs
are compared here, outside the jail); then, if it passed, the program is measured: CPU time in
interleaved rounds, charged by the kernel for every thread and process the run caused, or an
instruction count under valgrind. A completion is always timed beside an anchor reference in the
same jail; its runtime is the median of its per-round ratio to the anchor, times the anchor's
calibrated runtime. Machine drift between calibration and evaluation therefore cancels out.
"""

from __future__ import annotations

import builtins
import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from evaluator import sandbox
from evaluator.checkers import check_output, load_validator
from evaluator.host import HARNESS_VERSION, host_fingerprint
from evaluator.metrics import beyond_score, percentile_beaten
from evaluator.tasks import Task
from evaluator.verdicts import Verdict

MIN_SPREAD = 1.5  # a task whose references spread less than this is flagged
ANCHOR_MIN_SECONDS = 0.005
CHILD_CPU_FLOOR = 2  # seconds: never limit a test run below this
CHILD_CPU_FACTOR = 5  # times the slowest reference
CALIBRATION_CHILD_CPU = 30
MEMORY_BYTES = 768 * 2**20
ADDRESS_SPACE_BYTES = 2048 * 2**20
DIAGNOSTIC_CHARS = 300
ATTEMPTS = 3  # a jail that fails through our fault is tried this often before internal_error
# Rounds stop once budget_s of CPU is spent (at least min_reps). Cheap tasks reach the budget only
# after 35-40 rounds, and their median ratio needs them: against a cap of 21 rounds, the
# cross-jail CV of their ratio halved.
DEFAULT_TIMING = {"budget_s": 0.6, "min_reps": 3, "max_reps": 41}
# Rounds also stop once the result is settled: the 95% interval of the median ratio moves a
# sample's Beyond by at most this much (calibration: every reference's interval is within this
# share of the references' range). See evaluator/jail/timing.py.
STOP_TOL = 0.01


class CalibrationError(RuntimeError):
    """The references of a task did not run cleanly on this host."""


@dataclass
class Calibration:
    """Reference runtimes of one task on one host, relative to an anchor reference."""

    task_slug: str
    task_fingerprint: str
    harness_version: str
    host: str
    anchor: str
    anchor_seconds: float
    ratios: dict[str, float]
    check_seconds: float  # slowest reference's full test run (sets time limits)
    timed_seconds: float  # slowest reference's timed run
    rounds: int = 0
    # "cpu": values are seconds of per-thread CPU time; "instructions": values are instruction
    # counts under valgrind (anchor_seconds then holds the anchor's count).
    measure: str = "cpu"

    @property
    def runtimes(self) -> dict[str, float]:
        return {name: ratio * self.anchor_seconds for name, ratio in self.ratios.items()}

    @property
    def spread(self) -> float:
        values = list(self.ratios.values())
        return max(values) / min(values) if values and min(values) > 0 else 0.0

    @property
    def flagged(self) -> bool:
        return self.spread < MIN_SPREAD

    def matches(self, task: Task, measure: str = "cpu") -> bool:
        return (
            self.measure == measure
            and self.task_fingerprint == task.fingerprint
            and self.harness_version == HARNESS_VERSION
            and self.host == host_fingerprint()
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class SampleResult:
    """The judgement of one completion on one task."""

    verdict: Verdict
    runtime_s: float | None = None
    beyond: float = 0.0
    percentile: float | None = None
    diagnostic: str = ""
    tests_passed: int = 0
    tests_total: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = str(self.verdict)
        return data


def clean_text(text: str, limit: int = DIAGNOSTIC_CHARS) -> str:
    """Text fit to store and show: no NUL, no lone surrogates or control characters, capped."""
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    text = "".join(ch for ch in text if ch in "\n\t" or (ch >= " " and ch != "\x7f"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return clean_text(text)


def _request(
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
        "tests": [c.input for c in task.tests],
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
    return request


VALGRIND_SLOWDOWN = 60  # as in the jail: a program runs about this much slower under valgrind


def _jail_limits(child_cpu: int, children: int, measure: str = "cpu") -> sandbox.Limits:
    budget = child_cpu * children + 10
    if measure == "instructions":
        budget = budget * VALGRIND_SLOWDOWN + 30
    return sandbox.Limits(
        wall_s=budget * 2 + 10,
        cpu_s=budget + 10,
        memory_bytes=MEMORY_BYTES,
        address_space_bytes=ADDRESS_SPACE_BYTES,
    )


def _hidden(task: Task, index: int) -> bool:
    """Tests past the small (public, LeetCode-sized) ones: their inputs are never shown."""
    return index >= len(task.small)


def first_wrong(task: Task, outputs: list[Any]) -> tuple[int, str] | None:
    """Index and description of the first test the outputs fail, or None if all pass."""
    tests = task.tests
    if len(outputs) != len(tests):
        return 0, f"expected {len(tests)} outputs, got {len(outputs)}"
    if task.mercury_code:
        return _mercury_first_wrong(task, outputs)
    validator = load_validator(task.validator_source) if task.validator_source else None
    for index, (case, actual) in enumerate(zip(tests, outputs, strict=True)):
        if not check_output(task.checker, case.input, case.expected, actual, validator):
            return index, _wrong_text(task, index, case.input, case.expected, actual)
    return None


def _wrong_text(task: Task, index: int, given: Any, expected: Any, actual: Any) -> str:
    if _hidden(task, index):
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
    run = sandbox.run_harness(request, _jail_limits(30, 1), pin=False)
    verify = (run.report or {}).get("verify") or {}
    verdicts = verify.get("verdicts")
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
            if isinstance(verdict, str) and not _hidden(task, index):
                text += f" ({clean_text(verdict)})"
            return index, text
    return None


def _pairwise_ratios(times: list[float], anchor: list[float]) -> list[float]:
    return [t / a for t, a in zip(times, anchor, strict=False) if a > 0]


def _entry(frame: dict[str, Any], name: str) -> dict[str, Any]:
    """One program's round-0 summary from the harness's frame (our code; checked for shape)."""
    programs = frame.get("programs")
    entry = programs.get(name) if isinstance(programs, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("status"), str):
        raise sandbox.SandboxError(f"the harness sent no round-0 summary of {name}")
    return entry


def calibrate_task(
    task: Task,
    *,
    rounds: tuple[int, int] = (3, 15),
    budget_s: float = 2.0,
    measure: str = "cpu",
) -> Calibration:
    """Check every reference in the sandbox and time them against each other on this host."""
    names = list(task.references)
    timing = {
        "budget_s": budget_s,
        "min_reps": rounds[0],
        "max_reps": rounds[1],
        "stop": {"mode": "calibration", "tol": STOP_TOL},
    }
    request = _request(task, dict(task.references), CALIBRATION_CHILD_CPU, timing)
    request["measure"] = measure
    failures: list[str] = []
    check_cpu: dict[str, float] = {}

    def on_checked(frame: dict[str, Any]) -> bool:
        for name in names:
            entry = _entry(frame, name)
            check_cpu[name] = float(entry.get("cpu_s") or 0.0)
            if entry["status"] != "ok":
                failures.append(f"reference {name} failed: {clean_text(str(entry.get('error')))}")
                continue
            wrong = first_wrong(task, entry["outputs"])
            if wrong is not None:
                failures.append(f"reference {name} is wrong: {wrong[1]}")
        return not failures

    children = 4 + len(names) * (rounds[1] + 1)
    run = sandbox.run_harness(
        request, _jail_limits(CALIBRATION_CHILD_CPU, children, measure), on_checked=on_checked
    )
    if failures:
        raise CalibrationError(f"{task.slug}: {failures[0]}")
    if run.report is None:
        raise CalibrationError(
            f"{task.slug}: the sandbox ended with {run.outcome}: {run.log[-500:]}"
        )
    programs = run.report["programs"]
    for name in names:
        entry = programs[name]
        if entry.get("time_error"):
            raise CalibrationError(f"{task.slug}: timing {name} failed: {entry['time_error']}")
        if len(set(entry.get("digests") or [None])) != 1:
            raise CalibrationError(f"{task.slug}: reference {name} returned different outputs")
    medians = {name: statistics.median(programs[name]["times"]) for name in names}
    ordered = sorted(names, key=lambda n: medians[n])
    anchor = next((n for n in ordered if medians[n] >= ANCHOR_MIN_SECONDS), ordered[-1])
    anchor_times = programs[anchor]["times"]
    ratios = {
        name: statistics.median(_pairwise_ratios(programs[name]["times"], anchor_times))
        for name in names
    }
    check_seconds = max(check_cpu.values())
    return Calibration(
        task_slug=task.slug,
        task_fingerprint=task.fingerprint,
        harness_version=HARNESS_VERSION,
        host=host_fingerprint(),
        anchor=anchor,
        anchor_seconds=statistics.median(anchor_times),
        ratios=ratios,
        check_seconds=check_seconds,
        timed_seconds=max(medians.values()) if measure == "cpu" else check_seconds,
        rounds=len(anchor_times),
        measure=measure,
    )


def check_references(task: Task) -> list[str]:
    """Run every reference on every test in one jail, without timing; return the failures."""
    names = list(task.references)
    request = _request(task, dict(task.references), CALIBRATION_CHILD_CPU, {})
    failures: list[str] = []
    seen: list[bool] = []

    def on_checked(frame: dict[str, Any]) -> bool:
        seen.append(True)
        for name in names:
            entry = _entry(frame, name)
            if entry["status"] != "ok":
                failures.append(f"reference {name} failed: {clean_text(str(entry.get('error')))}")
                continue
            wrong = first_wrong(task, entry["outputs"])
            if wrong is not None:
                failures.append(f"reference {name} is wrong: {wrong[1]}")
        return False

    run = sandbox.run_harness(
        request, _jail_limits(CALIBRATION_CHILD_CPU, 2 + len(names)), on_checked=on_checked
    )
    if not seen:
        return [f"the sandbox ended with {run.outcome}: {run.log[-300:]}"]
    return failures


def _limit_for(calibration: Calibration) -> int:
    slowest = max(calibration.check_seconds, calibration.timed_seconds)
    return max(CHILD_CPU_FLOOR, math.ceil(slowest * CHILD_CPU_FACTOR + 0.5))


# A run's failure, as the jail reports it, and the verdict it earns: all are the completion's.
_RUN_VERDICTS = {
    "invalid": Verdict.INVALID,
    "error": Verdict.RUNTIME_ERROR,
    "memory": Verdict.MEMORY_LIMIT,
    "timeout": Verdict.TIMEOUT,
    "output": Verdict.OUTPUT_LIMIT,
}
# How a whole jail ended without a report: its wall limit or output cap is the completion's doing;
# a crash of the harness is ours.
_JAIL_VERDICTS = {
    "timeout": Verdict.TIMEOUT,
    "memory": Verdict.MEMORY_LIMIT,
    "output": Verdict.OUTPUT_LIMIT,
}


def _exception_kind(kind: Any) -> str:
    """A built-in exception's name as the run reported it; anything else is just 'an exception'."""
    found = getattr(builtins, kind, None) if isinstance(kind, str) and kind.isidentifier() else None
    if isinstance(found, type) and issubclass(found, BaseException):
        return kind
    return "an exception"


def _check_failure(task: Task, entry: dict[str, Any]) -> SampleResult:
    """The verdict of a first run that did not finish every test."""
    total = len(task.tests)
    status = entry.get("status")
    verdict = _RUN_VERDICTS.get(status if isinstance(status, str) else "", Verdict.RUNTIME_ERROR)
    test = entry.get("test")
    test = test if isinstance(test, int) and not isinstance(test, bool) and test < total else -1
    error = clean_text(str(entry.get("error", "")))
    output = clean_text(str(entry.get("output", "")))
    if test >= 0 and _hidden(task, test):
        # Neither the message nor the printed output: either could carry the hidden input out.
        what = (
            "failed"
            if verdict != Verdict.RUNTIME_ERROR
            else f"raised {_exception_kind(entry.get('kind'))}"
        )
        diagnostic = f"test {test + 1} (a hidden performance test): {what}"
        if verdict != Verdict.RUNTIME_ERROR:
            diagnostic += f" ({verdict.value.replace('_', ' ')})"
    else:
        where = f"test {test + 1}: " if test >= 0 else ""
        diagnostic = f"{where}{error}"
        if output and (test >= 0 or status == "invalid" or entry.get("test") == -1):
            diagnostic += f"\noutput: {output}"
    return SampleResult(
        verdict,
        diagnostic=clean_text(diagnostic, 1000),
        tests_passed=max(test, 0),
        tests_total=total,
    )


def _check_candidate(task: Task, entry: dict[str, Any]) -> SampleResult | None:
    """The verdict of the candidate's first run, or None when every test passed."""
    if entry.get("status") != "ok":
        return _check_failure(task, entry)
    outputs = entry.get("outputs")
    if not isinstance(outputs, list):
        return SampleResult(
            Verdict.RUNTIME_ERROR,
            diagnostic="the run returned no outputs",
            tests_total=len(task.tests),
        )
    wrong = first_wrong(task, outputs)
    if wrong is not None:
        return SampleResult(
            Verdict.WRONG_ANSWER,
            diagnostic=wrong[1],
            tests_passed=wrong[0],
            tests_total=len(task.tests),
        )
    return None


def judge_sample(
    task: Task,
    code: str,
    calibration: Calibration,
    *,
    timing: dict[str, Any] | None = None,
    retries: int = ATTEMPTS - 1,
    measure: str = "cpu",
) -> SampleResult:
    """Judge one completion: verdict on every test, then its runtime against the references.

    measure "cpu" times it beside the anchor (CPU of every process the run causes); "instructions"
    counts its instructions under valgrind, deterministic and needing no anchor. The calibration
    must have been measured the same way. internal_error means the judge failed `retries + 1`
    times; nothing a completion does leads there.
    """
    if calibration.measure != measure:
        raise ValueError(f"a {calibration.measure} calibration cannot judge by {measure}")
    total = len(task.tests)
    if not code.strip():
        return SampleResult(
            Verdict.INVALID, diagnostic="the completion is empty", tests_total=total
        )
    timing = dict(timing or DEFAULT_TIMING)
    if measure == "cpu" and "stop" not in timing:
        ratios = list(calibration.ratios.values())
        timing["stop"] = {"mode": "sample", "lo": min(ratios), "hi": max(ratios), "tol": STOP_TOL}
    child_cpu = _limit_for(calibration)
    programs = {"candidate": code}
    if measure == "cpu":
        programs["anchor"] = task.references[calibration.anchor]
    request = _request(task, programs, child_cpu, timing)
    request["measure"] = measure
    limits = _jail_limits(child_cpu, 2 * timing["max_reps"] + 2, measure)
    result = SampleResult(Verdict.INTERNAL_ERROR, tests_total=total)
    for attempt in range(retries + 1):
        try:
            result = _judge_once(task, calibration, request, limits)
        except sandbox.SandboxError as exc:
            result = SampleResult(
                Verdict.INTERNAL_ERROR, diagnostic=clean_text(str(exc)), tests_total=total
            )
        if result.verdict != Verdict.INTERNAL_ERROR:
            break
        result.details["attempts"] = attempt + 1
    return result


def _judge_once(
    task: Task, calibration: Calibration, request: dict[str, Any], limits: sandbox.Limits
) -> SampleResult:
    len(task.tests)
    state: dict[str, Any] = {}

    def on_checked(frame: dict[str, Any]) -> bool:
        state["check"] = _check_candidate(task, _entry(frame, "candidate"))
        if "anchor" in request["programs"]:
            anchor = _entry(frame, "anchor")
            state["anchor"] = anchor
            if anchor["status"] != "ok":
                return False
        return state["check"] is None

    run = sandbox.run_harness(request, limits, on_checked=on_checked)
    if "check" not in state:
        return _jail_failure(task, run)
    if state["check"] is not None:
        return state["check"]
    if "anchor" in state and state["anchor"]["status"] != "ok":
        return _internal(task, "the anchor reference failed its check run", state["anchor"])
    if run.report is None:
        return _jail_failure(task, run)
    return _interpret_measure(task, calibration, run.report)


def _internal(task: Task, why: str, details: Any = None) -> SampleResult:
    return SampleResult(
        Verdict.INTERNAL_ERROR,
        diagnostic=why,
        tests_total=len(task.tests),
        details={"why": details} if details is not None else {},
    )


def _jail_failure(task: Task, run: sandbox.SandboxRun) -> SampleResult:
    total = len(task.tests)
    if run.outcome in _JAIL_VERDICTS:
        verdict = _JAIL_VERDICTS[run.outcome]
        return SampleResult(
            verdict, diagnostic=f"the sandbox stopped: {run.outcome}", tests_total=total
        )
    return SampleResult(
        Verdict.INTERNAL_ERROR,
        diagnostic=f"the sandbox ended without a report ({run.outcome}, exit {run.exit_code})",
        tests_total=total,
        details={"log": clean_text(run.log[-1000:], 1000)},
    )


def _interpret_measure(
    task: Task, calibration: Calibration, report: dict[str, Any]
) -> SampleResult:
    total = len(task.tests)
    programs = report.get("programs") or {}
    candidate = programs.get("candidate") or {}
    anchor = programs.get("anchor")
    if candidate.get("time_error"):
        error = candidate["time_error"]
        status = error.get("status", "")
        if status == "internal":
            return _internal(task, clean_text(str(error.get("error", ""))))
        verdict = _RUN_VERDICTS.get(status, Verdict.RUNTIME_ERROR)
        return SampleResult(
            verdict,
            diagnostic=f"while measuring: {clean_text(str(error.get('error', '')))}",
            tests_passed=total if verdict == Verdict.WRONG_ANSWER else 0,
            tests_total=total,
        )
    digests = candidate.get("digests") or []
    if len(set(digests)) > 1:
        return SampleResult(
            Verdict.WRONG_ANSWER,
            diagnostic="a measured run returned different outputs from the checked run "
            "(outputs must not depend on the run)",
            tests_total=total,
        )
    if not candidate.get("times"):
        return _internal(task, "the candidate was not measured")
    if calibration.measure == "instructions":
        count = candidate["times"][0]
        details = {"instructions": count, "counts": candidate.get("counts")}
        return _passed(total, calibration, count, None, details)
    if anchor is None or anchor.get("time_error") or not anchor.get("times"):
        return _internal(
            task, "the anchor reference could not be timed", (anchor or {}).get("time_error")
        )
    if len(set(anchor.get("digests") or [])) > 1:
        return _internal(task, "the anchor reference returned different outputs")
    ratios = _pairwise_ratios(candidate["times"], anchor["times"])
    ratio = statistics.median(ratios)
    runtime = ratio * calibration.anchor_seconds
    return _passed(
        total,
        calibration,
        runtime,
        runtime,
        {
            "ratio": ratio,
            "rounds": len(ratios),
            "raw_seconds": statistics.median(candidate["times"]),
            "anchor_seconds_now": statistics.median(anchor["times"]),
        },
    )


def _passed(
    total: int,
    calibration: Calibration,
    value: float,
    runtime_s: float | None,
    details: dict[str, Any],
) -> SampleResult:
    """A passed sample placed among the calibrated references by its measured value."""
    references = list(calibration.runtimes.values())
    return SampleResult(
        Verdict.PASSED,
        runtime_s=runtime_s,
        beyond=beyond_score(value, references),
        percentile=percentile_beaten(value, references),
        tests_passed=total,
        tests_total=total,
        details=details,
    )
