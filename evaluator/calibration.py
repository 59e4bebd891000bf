"""Calibration: check a task's references in the sandbox and time them against each other on this host."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any

from evaluator import sandbox
from evaluator.checking import (
    CALIBRATION_CHILD_CPU,
    STOP_TOL,
    clean_text,
    first_wrong,
    jail_limits,
    jail_request,
    pairwise_ratios,
    round0_entry,
)
from evaluator.host import HARNESS_VERSION, host_fingerprint
from evaluator.jail.timing import anchor_choice
from evaluator.tasks import Task

MIN_SPREAD = 1.5  # a task whose references spread less than this is flagged
ANCHOR_MIN_SECONDS = 0.005  # an anchor's runs take at least this long, where a reference's do
ANCHOR_LOW_SECONDS = 0.002  # ... or nearly: see evaluator.jail.timing.anchor_choice


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


def calibrate_task(
    task: Task,
    *,
    rounds: tuple[int, int] = (3, 9),
    budget_s: float = 1.2,
    measure: str = "cpu",
) -> Calibration:
    """Check every reference in the sandbox and time them against each other on this host."""
    names = list(task.references)
    timing = {
        "budget_s": budget_s,
        "min_reps": rounds[0],
        "max_reps": rounds[1],
        "stop": {
            "mode": "calibration",
            "tol": STOP_TOL,
            "anchor_min_s": ANCHOR_MIN_SECONDS,
            "anchor_low_s": ANCHOR_LOW_SECONDS,
        },
    }
    request = jail_request(task, dict(task.references), CALIBRATION_CHILD_CPU, timing)
    request["measure"] = measure
    failures: list[str] = []
    check_cpu: dict[str, float] = {}

    def on_checked(frame: dict[str, Any]) -> bool:
        if frame.get("strays"):
            failures.append(f"references left processes behind: {frame['strays']}")
        for name in names:
            entry = round0_entry(frame, name)
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
        request, jail_limits(CALIBRATION_CHILD_CPU, children, measure), on_checked=on_checked
    )
    if failures:
        raise CalibrationError(f"{task.slug}: {failures[0]}")
    if run.report is None:
        raise CalibrationError(
            f"{task.slug}: the sandbox ended with {run.outcome}: {run.log[-500:]}"
        )
    if run.report.get("strays"):
        raise CalibrationError(f"{task.slug}: references left processes behind")
    programs = run.report["programs"]
    for name in names:
        entry = programs[name]
        if entry.get("time_error"):
            raise CalibrationError(f"{task.slug}: timing {name} failed: {entry['time_error']}")
        if len(set(entry.get("digests") or [None])) != 1:
            raise CalibrationError(f"{task.slug}: reference {name} returned different outputs")
    medians = {name: statistics.median(programs[name]["times"]) for name in names}
    anchor = anchor_choice(medians, ANCHOR_MIN_SECONDS, ANCHOR_LOW_SECONDS)
    anchor_times = programs[anchor]["times"]
    # Every reference was timed beside the first one, which ran in every round (the others stop
    # once settled): ratios to the anchor go through it.
    base = programs[names[0]]["times"]
    to_base = {
        name: statistics.median(pairwise_ratios(programs[name]["times"], base)) for name in names
    }
    ratios = {name: to_base[name] / to_base[anchor] for name in names}
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
    request = jail_request(task, dict(task.references), CALIBRATION_CHILD_CPU, {})
    failures: list[str] = []
    seen: list[bool] = []

    def on_checked(frame: dict[str, Any]) -> bool:
        seen.append(True)
        for name in names:
            entry = round0_entry(frame, name)
            if entry["status"] != "ok":
                failures.append(f"reference {name} failed: {clean_text(str(entry.get('error')))}")
                continue
            wrong = first_wrong(task, entry["outputs"])
            if wrong is not None:
                failures.append(f"reference {name} is wrong: {wrong[1]}")
        return False

    run = sandbox.run_harness(
        request, jail_limits(CALIBRATION_CHILD_CPU, 2 + len(names)), on_checked=on_checked
    )
    if not seen:
        return [f"the sandbox ended with {run.outcome}: {run.log[-300:]}"]
    return failures
