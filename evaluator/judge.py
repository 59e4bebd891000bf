"""Judging: calibrate a task's reference runtimes and judge one completion against them.

Timing protocol (DESIGN §4): every program is checked once, then timed in interleaved rounds,
each repetition in a fresh forked process on a pinned core, by the per-thread CPU clock. A
completion is always timed beside an anchor reference in the same jail; its runtime is the
median of its per-round ratio to the anchor, times the anchor's calibrated runtime. Machine drift
between calibration and evaluation therefore cancels out.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from evaluator import harness, sandbox
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
OVERHEAD_SLACK_S = 0.03  # extra untimed CPU a completion may use (module-level setup)
# Rounds stop once budget_s of CPU is spent (at least min_reps). Cheap tasks reach the budget only
# after 35-40 rounds, and their median ratio needs them: against a cap of 21 rounds, the
# cross-jail CV of their ratio halved.
DEFAULT_TIMING = {"budget_s": 0.6, "min_reps": 3, "max_reps": 41}


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


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= DIAGNOSTIC_CHARS else text[: DIAGNOSTIC_CHARS - 3] + "..."


def _request(
    task: Task, programs: dict[str, str], check: list[str], child_cpu: int, timing: dict[str, Any]
) -> dict[str, Any]:
    request = {
        "entry_point": task.entry_point,
        "params": task.params,
        "returns": task.returns,
        "inplace": task.inplace,
        "prefix": task.prefix,
        "programs": programs,
        "check": check,
        "small": [c.input for c in task.small],
        "large": [c.input for c in task.large],
        "timed": [c.input for c in task.timed],
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


VALGRIND_SLOWDOWN = 60  # as in the harness: a program runs about this much slower under valgrind


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
            return index, (
                f"test {index + 1}: input {_short(case.input)}; "
                f"expected {_short(case.expected)}; got {_short(actual)}"
            )
    return None


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
    if verify.get("status") != "ok":
        raise sandbox.SandboxError(f"Mercury's evaluate_offline failed: {verify or run.outcome}")
    for index, (case, verdict) in enumerate(zip(task.tests, verify["verdicts"], strict=True)):
        if verdict is not True:
            why = f" ({verdict})" if isinstance(verdict, str) else ""
            return index, (
                f"test {index + 1}: input {_short(case.input)}; expected {_short(case.expected)}; "
                f"got {_short(outputs[index].get('out'))}{why}"
            )
    return None


def _pairwise_ratios(times: list[float], anchor: list[float]) -> list[float]:
    return [t / a for t, a in zip(times, anchor, strict=False) if a > 0]


def calibrate_task(
    task: Task,
    *,
    rounds: tuple[int, int] = (5, 15),
    budget_s: float = 3.0,
    measure: str = "cpu",
) -> Calibration:
    """Check every reference in the sandbox and time them against each other on this host."""
    names = list(task.references)
    timing = {"budget_s": budget_s, "min_reps": rounds[0], "max_reps": rounds[1]}
    request = _request(task, dict(task.references), names, CALIBRATION_CHILD_CPU, timing)
    request["measure"] = measure
    run = sandbox.run_harness(
        request, _jail_limits(CALIBRATION_CHILD_CPU, 4 + len(names) * 3, measure)
    )
    if run.report is None:
        raise CalibrationError(
            f"{task.slug}: the sandbox ended with {run.outcome}: {run.log[-500:]}"
        )
    programs = run.report["programs"]
    check_seconds = 0.0
    for name in names:
        entry = programs[name]
        check = entry.get("check") or {}
        if check.get("status") != "ok":
            raise CalibrationError(f"{task.slug}: reference {name} failed: {check}")
        wrong = first_wrong(task, check["outputs"])
        if wrong is not None:
            raise CalibrationError(f"{task.slug}: reference {name} is wrong: {wrong[1]}")
        if entry.get("time_error"):
            raise CalibrationError(f"{task.slug}: timing {name} failed: {entry['time_error']}")
        check_seconds = max(check_seconds, float(entry.get("check_cpu_s", 0.0)))
    medians = {name: statistics.median(programs[name]["times"]) for name in names}
    ordered = sorted(names, key=lambda n: medians[n])
    anchor = next((n for n in ordered if medians[n] >= ANCHOR_MIN_SECONDS), ordered[-1])
    anchor_times = programs[anchor]["times"]
    ratios = {
        name: statistics.median(_pairwise_ratios(programs[name]["times"], anchor_times))
        for name in names
    }
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
    request = _request(task, dict(task.references), names, CALIBRATION_CHILD_CPU, {})
    request["timed"] = []
    run = sandbox.run_harness(request, _jail_limits(CALIBRATION_CHILD_CPU, 2 + len(names)))
    if run.report is None:
        return [f"the sandbox ended with {run.outcome}: {run.log[-300:]}"]
    failures = []
    for name in names:
        check = run.report["programs"][name].get("check") or {}
        if check.get("status") != "ok":
            failures.append(f"reference {name} failed: {check.get('error', check)}")
            continue
        wrong = first_wrong(task, check["outputs"])
        if wrong is not None:
            failures.append(f"reference {name} is wrong: {wrong[1]}")
    return failures


def _limit_for(calibration: Calibration) -> int:
    slowest = max(calibration.check_seconds, calibration.timed_seconds)
    return max(CHILD_CPU_FLOOR, math.ceil(slowest * CHILD_CPU_FACTOR + 0.5))


_CHECK_VERDICTS = {
    "invalid": Verdict.INVALID,
    "error": Verdict.RUNTIME_ERROR,
    "memory": Verdict.MEMORY_LIMIT,
    "timeout": Verdict.TIMEOUT,
    "output": Verdict.OUTPUT_LIMIT,
}
_JAIL_VERDICTS = {
    "timeout": Verdict.TIMEOUT,
    "memory": Verdict.MEMORY_LIMIT,
    "output": Verdict.OUTPUT_LIMIT,
}


def _diagnostic_output(run: sandbox.SandboxRun) -> str:
    lines = [
        line
        for line in (run.stdout + b"\n" + run.stderr).decode(errors="replace").splitlines()
        if line.strip() and "no version information available" not in line
    ]
    text = "\n".join(lines[-5:])
    return text[-DIAGNOSTIC_CHARS:]


def judge_sample(
    task: Task,
    code: str,
    calibration: Calibration,
    *,
    timing: dict[str, Any] | None = None,
    retries: int = 1,
    measure: str = "cpu",
) -> SampleResult:
    """Judge one completion: verdict on every test, then its runtime against the references.

    measure "cpu" times it beside the anchor (per-thread CPU clock); "instructions" counts its
    instructions under valgrind, deterministic and needing no anchor. The calibration must have
    been measured the same way.
    """
    if calibration.measure != measure:
        raise ValueError(f"a {calibration.measure} calibration cannot judge by {measure}")
    total = len(task.tests)
    if not code.strip():
        return SampleResult(
            Verdict.INVALID, diagnostic="the completion is empty", tests_total=total
        )
    timing = timing or DEFAULT_TIMING
    child_cpu = _limit_for(calibration)
    # Phase 1 checks the candidate alone; only a correct one is timed (phase 2) beside the anchor.
    check_request = _request(task, {"candidate": code}, ["candidate"], child_cpu, timing)
    check_request["timed"] = []
    programs = {"candidate": code}
    if measure == "cpu":
        programs["anchor"] = task.references[calibration.anchor]
    time_request = _request(task, programs, [], child_cpu, timing)
    time_request["measure"] = measure
    time_request["small"] = time_request["large"] = []
    result = SampleResult(Verdict.INTERNAL_ERROR, tests_total=total)
    for attempt in range(retries + 1):
        try:
            checked = sandbox.run_harness(check_request, _jail_limits(child_cpu, 2), pin=False)
            result = _interpret_check(task, checked)
            if result is None:
                timed = sandbox.run_harness(
                    time_request, _jail_limits(child_cpu, 2 * timing["max_reps"], measure)
                )
                expected_digest = _timed_digest(task, checked)
                result = _interpret_timing(task, calibration, timed, expected_digest)
        except sandbox.SandboxError as exc:
            result = SampleResult(Verdict.INTERNAL_ERROR, diagnostic=str(exc), tests_total=total)
        if result.verdict != Verdict.INTERNAL_ERROR:
            break
        result.details["attempts"] = attempt + 1
    return result


def _jail_failure(task: Task, run: sandbox.SandboxRun) -> SampleResult:
    total = len(task.tests)
    if run.outcome in _JAIL_VERDICTS:
        return SampleResult(
            _JAIL_VERDICTS[run.outcome],
            diagnostic=_diagnostic_output(run) or f"sandbox: {run.outcome}",
            tests_total=total,
        )
    return SampleResult(
        Verdict.INTERNAL_ERROR,
        diagnostic=f"the sandbox ended without a report ({run.outcome}, exit {run.exit_code})",
        tests_total=total,
        details={"log": run.log[-1000:]},
    )


def _interpret_check(task: Task, run: sandbox.SandboxRun) -> SampleResult | None:
    """The verdict of the check phase, or None when every test passed."""
    total = len(task.tests)
    if run.report is None:
        return _jail_failure(task, run)
    check = run.report["programs"]["candidate"].get("check") or {}
    status = check.get("status")
    if status != "ok":
        verdict = _CHECK_VERDICTS.get(status or "", Verdict.RUNTIME_ERROR)
        test = check.get("test")
        where = f"test {test + 1}: " if isinstance(test, int) and test >= 0 else ""
        passed = test if isinstance(test, int) and test >= 0 else 0
        diagnostic = f"{where}{check.get('error', '')}"
        output = _diagnostic_output(run)
        if output and verdict == Verdict.RUNTIME_ERROR:
            diagnostic += f"\noutput: {output}"
        return SampleResult(
            verdict, diagnostic=diagnostic[:1000], tests_passed=passed, tests_total=total
        )
    wrong = first_wrong(task, check.get("outputs", []))
    if wrong is not None:
        return SampleResult(
            Verdict.WRONG_ANSWER, diagnostic=wrong[1], tests_passed=wrong[0], tests_total=total
        )
    return None


def _timed_digest(task: Task, checked: sandbox.SandboxRun) -> str:
    """The digest the timed runs must reproduce: the checked outputs of the timed cases."""
    assert checked.report is not None
    outputs = checked.report["programs"]["candidate"]["check"]["outputs"]
    timed = outputs[len(task.small) :] if task.large else outputs[: len(task.small)]
    if task.mercury_code:
        timed = [o["out"] for o in timed]
    return harness.outputs_digest(timed, task.checker)


def _interpret_timing(
    task: Task, calibration: Calibration, run: sandbox.SandboxRun, expected_digest: str | None
) -> SampleResult:
    total = len(task.tests)
    if run.report is None:
        return _jail_failure(task, run)
    candidate = run.report["programs"]["candidate"]
    anchor = run.report["programs"].get("anchor")
    digests = candidate.get("digests", [])
    if expected_digest is not None and any(d != expected_digest for d in digests):
        return SampleResult(
            Verdict.WRONG_ANSWER,
            diagnostic="a timed run returned different outputs from the checked run "
            "(outputs must not depend on which tests run first)",
            tests_total=total,
        )
    if candidate.get("time_error"):
        error = candidate["time_error"]
        verdict = _CHECK_VERDICTS.get(error.get("status", ""), Verdict.RUNTIME_ERROR)
        return SampleResult(
            verdict,
            diagnostic=f"while timing: {error.get('error', '')}",
            tests_passed=total,
            tests_total=total,
        )
    if calibration.measure == "instructions" and candidate.get("times"):
        count = candidate["times"][0]
        details = {"instructions": count, "counts": candidate.get("counts")}
        return _passed(total, calibration, count, None, details)
    if (
        anchor is None
        or anchor.get("time_error")
        or not anchor.get("times")
        or not candidate.get("times")
    ):
        return SampleResult(
            Verdict.INTERNAL_ERROR,
            diagnostic="the anchor reference could not be timed",
            tests_total=total,
            details={"anchor": (anchor or {}).get("time_error")},
        )
    times, suspect = _trusted_times(candidate, anchor)
    ratios = _pairwise_ratios(times, anchor["times"])
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
            "tampered": bool(candidate.get("tampered")),
            "charged_untimed_cpu": suspect,
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


def _trusted_times(candidate: dict[str, Any], anchor: dict[str, Any]) -> tuple[list[float], bool]:
    """The candidate's times, replaced by kernel-accounted ones when its own look forged.

    Each repetition reports the thread clock around the calls and the kernel's CPU total of the
    whole process. Outside the timed region both programs do the same work (load code, convert
    the same inputs), so the candidate's overhead must be close to the anchor's; code that writes
    a fake figure into the harness's pipe shows up as extra overhead, and is then charged its
    kernel CPU time less the anchor's overhead.
    """
    c_times, c_cpu = candidate["times"], candidate.get("cpu") or candidate["times"]
    a_times, a_cpu = anchor["times"], anchor.get("cpu") or anchor["times"]
    c_over = statistics.median(c - t for c, t in zip(c_cpu, c_times, strict=False))
    a_over = statistics.median(c - t for c, t in zip(a_cpu, a_times, strict=False))
    if c_over <= a_over + max(OVERHEAD_SLACK_S, a_over):
        return c_times, False
    return [max(c - a_over, t) for c, t in zip(c_cpu, c_times, strict=False)], True
