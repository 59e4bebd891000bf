"""The portal's one bridge to the judge: prepare the sandbox host, calibrate, judge samples.

Every call from the portal into `evaluator.judge` and `evaluator.sandbox` goes through this
module, and services call it as `judging.<function>` so that tests fake the judge here, in one
place (`tests/conftest.py`'s `fake_judge`), whichever service module the call comes from.
"""

from collections.abc import Callable

from evaluator import judge, sandbox
from evaluator.judge import (
    ATTEMPTS as ATTEMPTS,  # how often a sample is judged before it stays internal_error
    SAMPLES_PER_JAIL as SAMPLES_PER_JAIL,  # judge_samples: a jail judges this many in turn
    Calibration as Calibration,
    SampleResult as SampleResult,
)
from evaluator.tasks import Task


def prepare_host() -> None:
    """Make this host ready to run jails (cgroups, the jail's Python); idempotent."""
    sandbox.prepare_host()


def calibrate_task(task: Task) -> Calibration:
    """Measure the task's reference runtimes on this host."""
    return judge.calibrate_task(task)


def judge_sample(task: Task, code: str, calibration: Calibration) -> SampleResult:
    """Judge one completion once; the portal retries internal errors itself (and counts them)."""
    return judge.judge_sample(task, code, calibration, retries=0)


def judge_samples(
    samples: list[tuple[Task, str, Calibration]],
    on_result: Callable[[int, SampleResult], None],
) -> list[SampleResult]:
    """Judge several completions, SAMPLES_PER_JAIL to a jail, once each (as judge_sample);
    on_result(index, result) as soon as each is judged."""
    return judge.judge_samples(samples, retries=0, on_result=on_result)
