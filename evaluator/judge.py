"""Judging: calibrate a task's reference runtimes and judge one completion against them.

Timing protocol (DESIGN §4): a jail on a pinned core judges one sample, or several in turn
(judge_samples: one jail start and one zygote for up to SAMPLES_PER_JAIL; each sample is judged
exactly as it would be alone). Every run of a program is the same: a fresh process of uid 65534
runs every test once. The first run is the check (its outputs are compared here, outside the jail);
then, if it passed, the program is measured: CPU time in interleaved rounds, charged by the kernel
for every thread and process the run caused, or an instruction count under valgrind. A completion
is always timed beside an anchor reference in the same jail; its runtime is the median of its per-
round ratio to the anchor, times the anchor's calibrated runtime. Machine drift between calibration
and evaluation therefore cancels out.
"""

from __future__ import annotations

import builtins
import logging
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from evaluator import sandbox
from evaluator.calibration import (
    ANCHOR_MIN_SECONDS as ANCHOR_MIN_SECONDS,
    MIN_SPREAD as MIN_SPREAD,
    Calibration as Calibration,
    CalibrationError as CalibrationError,
    calibrate_task as calibrate_task,
    check_references as check_references,
)
from evaluator.checking import (
    CHILD_CPU_FACTOR,
    CHILD_CPU_FLOOR,
    STOP_TOL,
    clean_text,
    first_wrong,
    hidden,
    inputs_bytes,
    jail_limits,
    jail_request,
    pairwise_ratios,
    round0_entry,
)
from evaluator.metrics import beyond_score, percentile_beaten
from evaluator.tasks import Task
from evaluator.verdicts import Verdict

log = logging.getLogger(__name__)

ATTEMPTS = 3  # a jail that fails through our fault is tried this often before internal_error
# Rounds stop once they have cost budget_s (at least min_reps): the runs' CPU plus each run's
# start/stop cost, as the anchor's runs show it (evaluator/jail/timing.py). Cheap tasks that do
# not settle reach the budget after 15-30 rounds; their median ratio needs them (against a cap of
# 21 rounds, a cap of 41 halved the cross-jail CV of their ratio; the cap of 31 and the budget
# were chosen with bench/stability.py on real completions: see the README's figures).
DEFAULT_TIMING = {"budget_s": 0.3, "min_reps": 3, "max_reps": 31}


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
    if test >= 0 and hidden(task, test):
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
    judging = _prepare(task, code, calibration, timing, measure)
    if isinstance(judging, SampleResult):
        return judging
    result = SampleResult(Verdict.INTERNAL_ERROR, tests_total=len(task.tests))
    for attempt in range(retries + 1):
        try:
            run = sandbox.run_harness(judging.request, judging.limits, on_checked=judging.checked)
            result = judging.verdict(run, run.report)
        except sandbox.SandboxError as exc:
            result = SampleResult(
                Verdict.INTERNAL_ERROR, diagnostic=clean_text(str(exc)), tests_total=len(task.tests)
            )
        if result.verdict != Verdict.INTERNAL_ERROR:
            break
        result.details["attempts"] = attempt + 1
        judging.state = {}
    return result


# A completion is compiled before its run's clock starts (every program alike), in every run: a
# longer one, which no model writes (the longest of 1,024 real completions has 11,939 bytes),
# would make its judging cost many times its measured time (red team round 7c: 10x at 1.9 MB).
MAX_SOURCE_BYTES = 100_000
# A jail judges up to this many samples in turn (judge_samples): its start, the harness's imports
# and the zygote's preloaded modules (about 75 ms of one core) are paid once for all of them.
SAMPLES_PER_JAIL = 8
# What the harness holds of a sample's request, per byte of its tests' inputs as JSON (measured
# on the largest: 1.7 MB parsed from 0.6 MB): the jail's memory limit grows by this for every
# sample after the first (the harness holds every sample's request to the end), so that each
# sample's runs have what they would have alone (red team round 7: the last sample of a jail
# had up to 17 MB more when the harness let the requests it had served go).
REQUEST_MEMORY_FACTOR = 3


def judge_samples(
    samples: Sequence[tuple[Task, str, Calibration]],
    *,
    timing: dict[str, Any] | None = None,
    retries: int = ATTEMPTS - 1,
    measure: str = "cpu",
    on_result: Callable[[int, SampleResult], None] | None = None,
) -> list[SampleResult]:
    """Judge several completions, SAMPLES_PER_JAIL to a jail: their results, in order.

    Each sample is judged in turn as judge_sample judges it (its own check, its own rounds beside
    its own anchor, its own limits); only the jail's start and the zygote are shared. A sample
    the jail did not report (the jail ended early: the zygote lost to a run's memory, the jail's
    limits) or whose judging failed is judged again in a jail of its own, so that a sample
    never has a verdict another sample caused. Instruction counts are judged a jail each: their
    runs are exec'd under valgrind with a scratch folder, which a later sample of the same task
    could read. on_result(index, result) is called once for
    each sample, as soon as its result is final (from within the jail's reading, for those it
    reported).
    """
    results: list[SampleResult | None] = [None] * len(samples)

    def done(index: int, result: SampleResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(index, result)

    group: list[tuple[int, _Judging]] = []
    for index, (task, code, calibration) in enumerate(samples):
        judging = _prepare(task, code, calibration, timing, measure)
        if isinstance(judging, SampleResult):
            done(index, judging)
            continue
        if measure == "cpu":  # counted runs are judged alone (below)
            group.append((index, judging))
        if len(group) == SAMPLES_PER_JAIL:
            _judge_together(group, done)
            group = []
    _judge_together(group, done)
    for index, (task, code, calibration) in enumerate(samples):
        if results[index] is None:
            result = judge_sample(
                task, code, calibration, timing=timing, retries=retries, measure=measure
            )
            done(index, result)
    return [r for r in results if r is not None]


def _judge_together(
    group: list[tuple[int, _Judging]], done: Callable[[int, SampleResult], None]
) -> None:
    """One jail for the group's samples; done() for each it reported and judged."""
    if len(group) < 2:
        return  # judged alone by the caller
    extra = sum(judging.request_bytes for _, judging in group[1:]) * REQUEST_MEMORY_FACTOR
    limits = sandbox.Limits(
        wall_s=sum(j.limits.wall_s for _, j in group),
        cpu_s=sum(j.limits.cpu_s for _, j in group),
        memory_bytes=max(j.limits.memory_bytes for _, j in group) + extra,
        address_space_bytes=group[0][1].limits.address_space_bytes,
    )

    def on_checked(frame: dict[str, Any]) -> bool:
        return group[frame["sample"]][1].checked(frame)

    def on_report(frame: dict[str, Any]) -> None:
        index, judging = group[frame["sample"]]
        result = judging.verdict(None, frame)
        if result.verdict != Verdict.INTERNAL_ERROR:
            done(index, result)

    request = {"samples": [judging.request for _, judging in group]}
    try:
        sandbox.run_harness(request, limits, on_checked=on_checked, on_report=on_report)
    except sandbox.SandboxError as exc:  # each is judged alone then
        log.warning("a jail of %d samples failed (%s); judging them one by one", len(group), exc)


def _prepare(
    task: Task,
    code: str,
    calibration: Calibration,
    timing: dict[str, Any] | None,
    measure: str,
) -> _Judging | SampleResult:
    """A sample's jail request and limits, or its verdict when it needs no jail."""
    if calibration.measure != measure:
        raise ValueError(f"a {calibration.measure} calibration cannot judge by {measure}")
    if not code.strip():
        return SampleResult(
            Verdict.INVALID, diagnostic="the completion is empty", tests_total=len(task.tests)
        )
    size = len(code.encode("utf-8", "replace"))
    if size > MAX_SOURCE_BYTES:
        return SampleResult(
            Verdict.INVALID,
            diagnostic=f"the completion is {size:,} bytes; the limit is {MAX_SOURCE_BYTES:,}",
            tests_total=len(task.tests),
        )
    timing = dict(timing or DEFAULT_TIMING)
    if measure == "cpu" and "stop" not in timing:
        ratios = list(calibration.ratios.values())
        timing["stop"] = {"mode": "sample", "lo": min(ratios), "hi": max(ratios), "tol": STOP_TOL}
    child_cpu = _limit_for(calibration)
    programs = {"candidate": code}
    if measure == "cpu":
        programs["anchor"] = task.references[calibration.anchor]
    request = jail_request(task, programs, child_cpu, timing)
    request["measure"] = measure
    if "anchor" in programs:  # the calibration checked it: round 0 only times it
        request["calibrated"] = ["anchor"]
    limits = jail_limits(child_cpu, 2 * timing["max_reps"] + 2, measure)
    return _Judging(task, calibration, request, limits, inputs_bytes(task))


@dataclass
class _Judging:
    """One sample in a jail: the decision on its checked frame, the verdict from its report."""

    task: Task
    calibration: Calibration
    request: dict[str, Any]
    limits: sandbox.Limits
    request_bytes: int
    state: dict[str, Any] = field(default_factory=dict)

    def checked(self, frame: dict[str, Any]) -> bool:
        """Whether the sample is measured, from its round 0 (the candidate's check)."""
        state, task = self.state, self.task
        state["check"] = _check_candidate(task, round0_entry(frame, "candidate"))
        if _left_processes(frame):
            state["check"] = _strays_result(task)
        if "anchor" in self.request["programs"]:
            anchor = round0_entry(frame, "anchor")
            state["anchor"] = anchor
            if anchor["status"] != "ok":
                return False
        return state["check"] is None

    def verdict(
        self, run: sandbox.SandboxRun | None, report: dict[str, Any] | None
    ) -> SampleResult:
        """Its result from its report, or from how the jail ended (run; None: the jail goes on)."""
        state, task = self.state, self.task
        if "check" not in state and run is None:
            return _internal(task, "the jail reported a sample it did not check")
        if "check" not in state or (state["check"] is None and report is None):
            assert run is not None  # a jail of several samples passes only what it reported
            return _jail_failure(task, run)
        if state["check"] is not None:
            return state["check"]
        if "anchor" in state and state["anchor"]["status"] != "ok":
            return _internal(task, "the anchor reference failed its check run", state["anchor"])
        assert report is not None
        if _left_processes(report):
            return _strays_result(task)
        return _interpret_measure(task, self.calibration, report)


def _left_processes(frame: dict[str, Any]) -> bool:
    """Whether the jail found processes of the candidate's alive after one of its runs."""
    strays = frame.get("strays")
    return isinstance(strays, list) and "candidate" in strays


def _strays_result(task: Task) -> SampleResult:
    return SampleResult(
        Verdict.RUNTIME_ERROR,
        diagnostic="a process it started was still running after its run",
        tests_total=len(task.tests),
    )


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
    ratios = pairwise_ratios(candidate["times"], anchor["times"])
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
