"""Red-team tests of the judge (issue 11): hostile completions of eight kinds, in the real nsjail.

Every program in hostile/programs/ is a completion a hostile submitter could write for the
pair-products task (hostile/tasks/), named by its kind (k1_ ... k8_) and described in its first
lines. The task's honest slow solution (the quadratic reference, the "twin") spends about 80 ms in
the timed run, so work moved out of the clock's sight is measurable. A correct-but-slow program
may pass only with a runtime of at least HONEST_SHARE of its twin's (judged in the same test with
the same calibration; the lower of that and the twin's calibrated runtime). Instruction counts
(measure "instructions", a smaller copy of the task, tests marked slow) are held to the same
share. Every other program must get a completion verdict. No program may make the judge return
internal_error, raise, or keep it waiting past DEADLINE_S; no diagnostic may hold NUL, lone
surrogates or the hidden inputs.

Only calibrate_task and judge_sample's result are used (verdict, runtime_s, beyond, diagnostic),
so these tests hold for any harness, sandbox or judge that keeps that API. A program that has to
tell a timed run from a check run does so as a hostile submitter would: from the request file
where it can read it, else by the large input (every run may be timed).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evaluator.judge import Calibration, calibrate_task, judge_sample
from evaluator.sandbox import prepare_host
from evaluator.tasks import Task, load_tasks
from evaluator.verdicts import Verdict

pytestmark = pytest.mark.sandbox

HOSTILE = Path(__file__).parent / "hostile"
TASKS = HOSTILE / "tasks"
PROGRAMS = HOSTILE / "programs"
REPO = Path(__file__).resolve().parents[2]
TIMING = {"budget_s": 0.3, "min_reps": 3, "max_reps": 9}
HONEST_SHARE = 0.8  # an offloading program's runtime must be at least this share of its twin's
DEADLINE_S = 60  # a judge still busy after this long is stuck (the issue saw 12 minutes)
PARALLEL = 4  # bounded judgements run this many at a time (they mostly wait)
BURST = 6  # concurrent check runs in the burst test
COMPLETION = frozenset(
    {
        Verdict.RUNTIME_ERROR,
        Verdict.TIMEOUT,
        Verdict.MEMORY_LIMIT,
        Verdict.OUTPUT_LIMIT,
        Verdict.WRONG_ANSWER,
    }
)
DIAGNOSTIC_CAP = 2000


@dataclass(frozen=True)
class Program:
    """What a hostile program may get: allowed verdicts; a passing one keeps its twin's runtime."""

    allowed: frozenset[Verdict]
    bounded: bool = False  # may hang the judge: judged in a child process with a deadline
    # Bounded programs are judged stage by stage, several at a time: 0 those that end by
    # themselves, 1 those that sleep or block, 2 those that also close the harness's pipes. A judge
    # that waits for a blocked completion may hold a timing core meanwhile; the stages keep one
    # program's wait from counting against another's deadline.
    stage: int = 0


SLOW = frozenset({Verdict.PASSED, Verdict.RUNTIME_ERROR})  # correct but slow, maybe refused
SLOW_OR_WRONG = SLOW | {Verdict.WRONG_ANSWER}  # ... or caught returning something else
DODGE = Program(COMPLETION, bounded=True)
# Programs that misbehave only in some runs (after the honest check, or on the large input)
# answer honestly and slowly otherwise: they may pass, with the twin's runtime.
DODGE_OR_PASS = Program(COMPLETION | {Verdict.PASSED}, bounded=True)
WAITS = Program(COMPLETION, bounded=True, stage=1)
WAITS_OR_PASS = Program(COMPLETION | {Verdict.PASSED}, bounded=True, stage=1)
WAITS_CLOSED = Program(COMPLETION, bounded=True, stage=2)
WAITS_CLOSED_OR_PASS = Program(COMPLETION | {Verdict.PASSED}, bounded=True, stage=2)

KIND1 = {
    "k1_pidfd_forge_sigint": Program(SLOW_OR_WRONG),
    "k1_pidfd_forge_prlimit": Program(SLOW_OR_WRONG),
    "k1_child_message_offload": Program(SLOW_OR_WRONG),
    "k1_fake_passed_lines": Program(frozenset({Verdict.WRONG_ANSWER})),
    "k1_exit0_early": Program(frozenset({Verdict.RUNTIME_ERROR})),
}
KIND2 = {
    name: Program(SLOW)
    for name in (
        "k2_thread_join",
        "k2_thread_pool_halves",
        "k2_thread_after_return",
        "k2_fork_pipe",
        "k2_fork_selfkill",
        "k2_fork_late_exit",
        "k2_subprocess_nowait",
    )
}
KIND3 = {
    name: Program(SLOW_OR_WRONG)
    for name in (
        "k3_lazy_list",
        "k3_lazy_int",
        "k3_lazy_everything",
        "k3_patch_digest_main",
        "k3_patch_via_gc",
        "k3_patch_via_frames",
        "k3_swap_dry_run",
        "k3_swap_stub",
        "k3_hook_gc_collect",
    )
}
KIND4 = {
    "k4_files_at_import": Program(SLOW),
    "k4_files_fork_at_import": Program(SLOW),
    "k4_gc_objects_at_import": Program(SLOW),
    "k4_frames_at_import": Program(SLOW),
    "k4_tell_check_from_timed": Program(frozenset({Verdict.PASSED, Verdict.WRONG_ANSWER})),
    "k4_tmp_cache": Program(SLOW),
    "k4_sysv_shm": Program(SLOW),
    "k4_socket_daemon": Program(SLOW),
    "k4_fleeing_daemon": Program(SLOW),
    "k4_page_cache_channel": Program(frozenset({Verdict.PASSED})),
    "k4_dentry_cache_channel": Program(frozenset({Verdict.PASSED})),
}
KIND5 = {
    "k5_frame_start_rewrite": Program(SLOW),
    "k5_ctypes_float_poke": Program(SLOW),
    "k5_patch_time_functions": Program(SLOW),
    "k5_frame_write_fd": Program(SLOW_OR_WRONG),
}
# Kind 6 attacks instruction counting; in the CPU measure they are ordinary slow programs.
KIND6 = {
    "k6_argv_baseline": Program(SLOW),
    "k6_exit_hook_baseline": Program(SLOW),
    "k6_fake_irefs": Program(SLOW),
    "k6_fork_first_summary": Program(SLOW),
    "k6_proc_detect_junk": Program(SLOW_OR_WRONG),
    "k6_slowdown_detect_junk": Program(SLOW_OR_WRONG),
}
COUNTED = {
    **KIND6,
    "k2_thread_join": KIND2["k2_thread_join"],
    "k2_fork_late_exit": KIND2["k2_fork_late_exit"],
}
KIND7 = {
    "k7_memory_in_flight": Program(frozenset({Verdict.PASSED})),
    "k7_msg_not_a_dict": DODGE,
    "k7_msg_missing_fields": DODGE_OR_PASS,
    "k7_msg_deeply_nested": DODGE,
    "k7_msg_nan_seconds": DODGE_OR_PASS,
    "k7_msg_huge_numbers": DODGE_OR_PASS,
    # The harness refuses a number it would take minutes to read: a malformed result.
    "k7_msg_huge_integer": Program(frozenset({Verdict.RUNTIME_ERROR}), bounded=True),
    # A frame far larger than the suite's expected outputs is refused before it is decoded.
    "k7_msg_frame_bomb": Program(frozenset({Verdict.OUTPUT_LIMIT}), bounded=True),
    "k7_msg_wrong_types_check": DODGE,
    "k7_msg_wrong_types_timed": DODGE_OR_PASS,
    "k7_msg_ok_outputs_number": DODGE,
    "k7_sigint_pid1": DODGE_OR_PASS,
    "k7_every_signal_pid1": DODGE_OR_PASS,
    "k7_prlimit_pid1_files": DODGE_OR_PASS,
    "k7_prlimit_pid1_procs_memory": DODGE_OR_PASS,
    "k7_close_fds_sleep": WAITS_CLOSED,
    "k7_close_fds_sleep_timed": WAITS_CLOSED_OR_PASS,
    "k7_grandchild_holds_pipe": WAITS_OR_PASS,
    "k7_exit_at_import": DODGE,
    "k7_exit_in_del": DODGE_OR_PASS,
    "k7_exit_timed_only": DODGE_OR_PASS,
    "k7_exit_from_thread": DODGE,
    "k7_base_exceptions": DODGE,
    "k7_sigstop_self": WAITS,
    "k7_sigstop_timed": WAITS_OR_PASS,
    "k7_fill_tmp_then_answer": DODGE_OR_PASS,
    "k7_output_flood_timed": DODGE_OR_PASS,
    "k7_huge_result": DODGE,
    "k7_shm_starves_anchor": DODGE_OR_PASS,
    "k7_sleep_timed": WAITS_OR_PASS,
    "k7_block_forever": WAITS,
}
KIND8_FLOAT = {
    "k8_float_off_by_one": Program(frozenset({Verdict.WRONG_ANSWER})),
    "k8_float_off_by_one_hidden": Program(frozenset({Verdict.WRONG_ANSWER})),
}
KIND8_LEAK = {
    "k8_leak_in_exception": Program(frozenset({Verdict.RUNTIME_ERROR})),
    "k8_leak_in_output_streams": Program(frozenset({Verdict.RUNTIME_ERROR})),
    "k8_leak_as_output": Program(frozenset({Verdict.WRONG_ANSWER})),
    "k8_leak_in_timed_error": Program(frozenset({Verdict.RUNTIME_ERROR, Verdict.PASSED})),
}
KIND8_UNSTORABLE = {
    "k8_nul_surrogates_exception": Program(frozenset({Verdict.RUNTIME_ERROR})),
    "k8_nul_surrogates_output": Program(frozenset({Verdict.RUNTIME_ERROR})),
    "k8_nul_surrogates_value": Program(frozenset({Verdict.WRONG_ANSWER})),
}
ALL = {
    **KIND1,
    **KIND2,
    **KIND3,
    **KIND4,
    **KIND5,
    **KIND6,
    **KIND7,
    **KIND8_FLOAT,
    **KIND8_LEAK,
    **KIND8_UNSTORABLE,
}


def test_every_program_file_is_in_a_table_and_every_table_entry_has_a_file():
    files = {p.stem for p in PROGRAMS.glob("k*.py")} - {"k8_burst_spinner"}
    assert files == set(ALL)


@dataclass
class Judged:
    """judge_sample's result (or what escaped it) and how long the judge took."""

    verdict: Verdict | None
    runtime_s: float | None = None
    beyond: float = 0.0
    diagnostic: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0
    raised: str | None = None  # an exception out of judge_sample, or "no result in time"

    @classmethod
    def from_dict(cls, data: dict[str, Any], elapsed_s: float) -> Judged:
        if "raised" in data:
            return cls(None, elapsed_s=elapsed_s, raised=data["raised"])
        return cls(
            Verdict(data["verdict"]),
            runtime_s=data.get("runtime_s"),
            beyond=data.get("beyond", 0.0),
            diagnostic=data.get("diagnostic", ""),
            details=data.get("details") or {},
            elapsed_s=elapsed_s,
        )

    def __str__(self) -> str:
        if self.raised:
            return f"judge failed: {self.raised} (after {self.elapsed_s:.0f} s)"
        return (
            f"{self.verdict} runtime={self.runtime_s} beyond={self.beyond:.3f} "
            f"after {self.elapsed_s:.1f} s; diagnostic={self.diagnostic[:300]!r}; "
            f"details={str(self.details)[:300]}"
        )


def _code(name: str) -> str:
    return (PROGRAMS / f"{name}.py").read_text()


class Judge:
    """One task and calibration; judges programs (each once, cached) and the honest twin."""

    def __init__(self, task: Task, calibration: Calibration, measure: str) -> None:
        self.task, self.calibration, self.measure = task, calibration, measure
        self.cache: dict[str, Judged] = {}

    def run(self, code: str) -> Judged:
        started = time.monotonic()
        try:
            result = judge_sample(
                self.task, code, self.calibration, timing=TIMING, measure=self.measure
            )
        except Exception as exc:  # noqa: BLE001 - a judge that raises is a finding
            return Judged(None, elapsed_s=time.monotonic() - started, raised=repr(exc))
        return Judged.from_dict(result.to_dict(), time.monotonic() - started)

    def run_bounded(self, code: str) -> Judged:
        """judge_sample in a child process of its own, killed (with its jails) at DEADLINE_S."""
        found = self._bounded({"code": code}, DEADLINE_S)
        return found if isinstance(found, Judged) else Judged.from_dict(*found)

    def run_together(self, codes: list[str]) -> list[Judged]:
        """judge_samples (several samples to a jail), bounded like run_bounded for each."""
        found = self._bounded({"codes": codes}, DEADLINE_S * len(codes))
        if isinstance(found, Judged):
            return [found] * len(codes)
        results, elapsed = found
        if isinstance(results, dict):  # what escaped the judge
            return [Judged.from_dict(results, elapsed)] * len(codes)
        return [Judged.from_dict(result, elapsed) for result in results]

    def _bounded(self, what: dict[str, Any], deadline: float) -> Judged | tuple[Any, float]:
        job = {
            "tasks": str(TASKS),
            "slug": self.task.slug,
            "calibration": self.calibration.to_dict(),
            "timing": TIMING,
            "measure": self.measure,
            **what,
        }
        started = time.monotonic()
        proc = subprocess.Popen(  # noqa: S603 - our own runner script
            [sys.executable, str(HOSTILE / "judge_one.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(json.dumps(job).encode(), timeout=deadline)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the runner's own process group
            proc.communicate()
            prepare_host()  # remove the cgroups of the killed jails
            return Judged(None, elapsed_s=deadline, raised=f"no result in {deadline} s")
        elapsed = time.monotonic() - started
        if proc.returncode != 0:
            return Judged(None, elapsed_s=elapsed, raised=err.decode(errors="replace")[-1000:])
        return json.loads(out), elapsed

    def result(self, name: str) -> Judged:
        if name not in self.cache:
            self.cache[name] = self._uncached(name)
        return self.cache[name]

    def results(self, names: list[str], workers: int) -> None:
        """Judge several programs at once (for those that mostly wait)."""
        todo = [n for n in names if n not in self.cache]
        with ThreadPoolExecutor(workers) as pool:
            for name, judged in zip(todo, pool.map(self._uncached, todo), strict=True):
                self.cache[name] = judged

    def _uncached(self, name: str) -> Judged:
        program = ALL.get(name) or COUNTED[name]
        return (self.run_bounded if program.bounded else self.run)(_code(name))

    def honest(self) -> float:
        """The twin's runtime: the quadratic reference, the same work done honestly.

        Judged afresh, and the lower of that and its calibrated runtime: under load one
        judgement can read high, and a twin read high would fail an honest program.
        """
        twin = self.run(self.task.references["quadratic"])
        assert twin.verdict == Verdict.PASSED, f"the honest twin must pass: {twin}"
        assert twin.runtime_s is not None
        return min(twin.runtime_s, self.calibration.runtimes["quadratic"])


@pytest.fixture(scope="module")
def hostile_tasks() -> dict[str, Task]:
    return load_tasks(TASKS)


@pytest.fixture(scope="module")
def cpu(hostile_tasks: dict[str, Task], sandbox_ready: None) -> Judge:
    task = hostile_tasks["pair-products"]
    return Judge(task, calibrate_task(task, rounds=(3, 7), budget_s=0.6), "cpu")


@pytest.fixture(scope="module")
def counted(hostile_tasks: dict[str, Task], sandbox_ready: None) -> Judge:
    task = hostile_tasks["pair-products-counted"]
    judge = Judge(task, calibrate_task(task, measure="instructions"), "instructions")
    judge.cache["twin"] = judge.run(task.references["quadratic"])
    judge.results(list(COUNTED), workers=2)  # valgrind runs hold a core each
    return judge


@pytest.fixture(scope="module")
def dodges(cpu: Judge) -> Judge:
    for stage in sorted({p.stage for p in KIND7.values()}):
        names = [n for n, p in KIND7.items() if p.stage == stage]
        cpu.results(names, workers=PARALLEL if stage == 0 else len(names))
    return cpu


def _assert_contained(name: str, judged: Judged, honest: float | None, program: Program) -> None:
    """The verdict is allowed; a pass costs at least HONEST_SHARE of the honest runtime."""
    assert judged.raised is None, f"{name}: {judged}"
    assert judged.verdict in program.allowed, f"{name}: {judged}"
    if judged.verdict == Verdict.PASSED and honest is not None:
        assert judged.runtime_s is not None, f"{name}: {judged}"
        assert judged.runtime_s >= HONEST_SHARE * honest, (
            f"{name} offloaded its work: {judged.runtime_s * 1000:.2f} ms against an honest "
            f"{honest * 1000:.2f} ms; {judged}"
        )


def test_the_honest_twin_is_slow_and_the_fast_reference_fast(cpu: Judge):
    # The premise of every runtime comparison below: the task separates slow from fast.
    twin = cpu.run(cpu.task.references["quadratic"])
    fast = cpu.run(cpu.task.references["suffix"])
    assert twin.verdict == fast.verdict == Verdict.PASSED
    assert twin.beyond < 0.2 < 0.8 < fast.beyond
    assert twin.runtime_s > 5 * fast.runtime_s


@pytest.mark.parametrize("name", sorted(KIND1))
def test_forged_reports_gain_nothing(cpu: Judge, name: str):
    judged = cpu.result(name)
    _assert_contained(name, judged, cpu.honest(), KIND1[name])


@pytest.mark.parametrize("name", sorted(KIND2))
def test_work_in_threads_and_processes_is_counted(cpu: Judge, name: str):
    judged = cpu.result(name)
    _assert_contained(name, judged, cpu.honest(), KIND2[name])


@pytest.mark.parametrize("name", sorted(KIND3))
def test_work_moved_outside_the_timed_region_is_counted(cpu: Judge, name: str):
    judged = cpu.result(name)
    _assert_contained(name, judged, cpu.honest(), KIND3[name])


@pytest.mark.parametrize("name", sorted(KIND4))
def test_answers_computed_before_the_clock_or_kept_between_runs_are_counted(cpu: Judge, name: str):
    judged = cpu.result(name)
    _assert_contained(name, judged, cpu.honest(), KIND4[name])


@pytest.mark.parametrize("name", sorted(KIND5))
def test_harness_internals_are_out_of_the_completions_reach(cpu: Judge, name: str):
    judged = cpu.result(name)
    _assert_contained(name, judged, cpu.honest(), KIND5[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COUNTED))
def test_instruction_counts_cannot_be_forged_or_dodged(counted: Judge, name: str):
    judged, twin = counted.cache[name], counted.cache["twin"]
    assert twin.verdict == Verdict.PASSED and twin.beyond < 0.2, f"twin: {twin}"
    assert judged.raised is None, f"{name}: {judged}"
    assert judged.verdict in COUNTED[name].allowed, f"{name}: {judged}"
    if judged.verdict == Verdict.PASSED:
        # Beyond is linear in the count between the fastest and slowest reference, and the
        # fastest is ~100x below the twin: a count >= HONEST_SHARE x the twin's keeps Beyond
        # at most about (1 - HONEST_SHARE) + HONEST_SHARE x the twin's.
        ceiling = (1 - HONEST_SHARE) + HONEST_SHARE * twin.beyond + 0.02
        assert judged.beyond <= ceiling, (
            f"{name} dodged the count: Beyond {judged.beyond:.3f} against an honest "
            f"{twin.beyond:.3f}; {judged}"
        )


@pytest.mark.parametrize("name", sorted(KIND7))
def test_dodges_get_a_completion_verdict_within_the_deadline(dodges: Judge, name: str):
    judged = dodges.cache[name]
    assert judged.raised is None, f"{name}: {judged}"
    assert judged.verdict in KIND7[name].allowed, f"{name}: {judged}"
    assert judged.elapsed_s < DEADLINE_S, f"{name}: {judged}"
    if judged.verdict == Verdict.PASSED:
        # Judged several at a time, so against the calibrated twin rather than a fresh one.
        honest = dodges.calibration.runtimes["quadratic"]
        assert judged.runtime_s is not None and judged.runtime_s >= HONEST_SHARE * honest, (
            f"{name}: {judged}"
        )


# Judged several to a jail, each program followed by the honest twin: every program that ends
# by itself (not those that sleep or block: each would hold its jail to its wall limit).
TOGETHER = sorted(name for name, program in ALL.items() if program.stage == 0)
TOGETHER_GROUP = 4  # programs (and their twins) to a child process: one jail of 8 samples


@pytest.fixture(scope="module")
def together(cpu: Judge) -> dict[str, tuple[Judged, Judged]]:
    groups = [TOGETHER[i : i + TOGETHER_GROUP] for i in range(0, len(TOGETHER), TOGETHER_GROUP)]
    twin = cpu.task.references["quadratic"]

    def judge(names: list[str]) -> list[Judged]:
        return cpu.run_together([code for name in names for code in (_code(name), twin)])

    found = {}
    with ThreadPoolExecutor(2) as pool:
        for names, results in zip(groups, pool.map(judge, groups), strict=True):
            for name, program, honest in zip(names, results[0::2], results[1::2], strict=True):
                found[name] = (program, honest)
    return found


@pytest.mark.parametrize("name", TOGETHER)
def test_in_a_jail_of_several_samples_a_program_gains_nothing_and_leaves_the_next_alone(
    together: dict[str, tuple[Judged, Judged]], cpu: Judge, name: str
):
    # A jail judges several samples in turn (judge_samples): a program gets what it may get
    # alone, and the honest twin judged right after it in the same jail is measured as honest:
    # nothing the program left (in the jail, its zygote, the harness) bought it a faster time.
    program, twin = together[name]
    honest = cpu.calibration.runtimes["quadratic"]  # judged several at a time: the calibrated
    _assert_contained(name, program, honest, ALL[name])
    assert twin.raised is None and twin.verdict == Verdict.PASSED, f"twin after {name}: {twin}"
    assert twin.runtime_s is not None and twin.runtime_s >= HONEST_SHARE * honest, (
        f"the twin after {name} was measured faster than honest: {twin}"
    )


@pytest.mark.parametrize("name", sorted(KIND8_FLOAT))
def test_integer_answers_are_compared_exactly(cpu: Judge, name: str):
    judged = cpu.result(name)
    _assert_contained(name, judged, None, KIND8_FLOAT[name])


def _hidden_numbers(task: Task) -> set[int]:
    """Values of the hidden (large) inputs that no public small test shows."""
    public = {x for case in task.small for arg in case.input for x in arg}
    return {x for case in task.large for arg in case.input for x in arg} - public


def _echoed(text: str, hidden: set[int]) -> set[int]:
    return {int(m) for m in re.findall(r"\d+", text)} & hidden


@pytest.mark.parametrize("name", sorted(KIND8_LEAK))
def test_diagnostics_do_not_echo_hidden_inputs(cpu: Judge, name: str):
    judged = cpu.result(name)
    _assert_contained(name, judged, None, KIND8_LEAK[name])
    echoed = _echoed(judged.diagnostic, _hidden_numbers(cpu.task))
    assert len(echoed) < 3, f"{name}: the diagnostic shows hidden inputs: {judged}"


def _storable(text: str) -> bool:
    """PostgreSQL and SQLite store it: no NUL, no lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


@pytest.mark.parametrize("name", sorted(KIND8_UNSTORABLE))
def test_diagnostics_hold_no_nul_or_lone_surrogates(cpu: Judge, name: str):
    judged = cpu.result(name)
    _assert_contained(name, judged, None, KIND8_UNSTORABLE[name])
    assert _storable(judged.diagnostic), f"{name}: {judged.diagnostic!r}"
    assert _storable(json.dumps(judged.details, ensure_ascii=False)), f"{name}: {judged}"


def test_a_burst_of_check_runs_is_pinned_and_capped(cpu: Judge):
    # Each spinner spends 0.3 s of CPU in its check run and answers with when it spun and on how
    # many cores it could run. Check runs that share the timing cores must be pinned and capped
    # like timing runs: at most one per core at a time.
    code = _code("k8_burst_spinner")
    with ThreadPoolExecutor(BURST) as pool:
        burst = list(pool.map(cpu.run_bounded, [code] * BURST))
    spans = []
    for judged in burst:
        assert judged.verdict == Verdict.WRONG_ANSWER, str(judged)
        got = re.search(r"got \[(\d+), (\d+), (\d+)\]", judged.diagnostic)
        assert got, f"the diagnostic must show the (public) test's output: {judged}"
        start, end, cores = map(int, got.groups())
        assert cores == 1, f"a check run could use {cores} cores: {judged}"
        spans.append((start, end))
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert peak <= len(os.sched_getaffinity(0)), f"{peak} check runs spun at once"


META = [pytest.param(name, "cpu", id=f"{name}-cpu") for name in sorted(ALL)] + [
    pytest.param(name, "instructions", id=f"{name}-instructions", marks=pytest.mark.slow)
    for name in sorted(COUNTED)
]


@pytest.mark.parametrize(("name", "measure"), META)
def test_no_completion_gets_internal_error(request, name: str, measure: str):
    # internal_error is left out of scoring, so a completion that could cause it would choose
    # not to count; whatever a completion does must end in one of its own verdicts.
    judge = request.getfixturevalue("counted" if measure == "instructions" else "cpu")
    if name in KIND7:
        request.getfixturevalue("dodges")
    judged = judge.result(name)
    assert judged.raised is None, f"{name}: {judged}"
    assert judged.verdict != Verdict.INTERNAL_ERROR, f"{name}: {judged}"


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_diagnostic_is_capped_storable_and_keeps_hidden_inputs_hidden(
    request, cpu: Judge, name: str
):
    if name in KIND7:
        request.getfixturevalue("dodges")
    judged = cpu.result(name)
    assert judged.raised is None, f"{name}: {judged}"
    assert len(judged.diagnostic) <= DIAGNOSTIC_CAP, f"{name}: {len(judged.diagnostic)} chars"
    assert _storable(judged.diagnostic), f"{name}: {judged.diagnostic!r}"
    assert len(_echoed(judged.diagnostic, _hidden_numbers(cpu.task))) < 3, f"{name}: {judged}"
