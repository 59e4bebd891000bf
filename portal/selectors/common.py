"""Reads shared by the pages: the benchmark's identity, this host, calibrations, paging."""

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from evaluator.host import HARNESS_VERSION, SCORING_VERSION, host_fingerprint
from evaluator.metrics import METRICS
from portal.models import Calibration, Difficulty, Submission, Task

DIFFICULTIES = [choice.value for choice in Difficulty]


@lru_cache(maxsize=1)
def current_host() -> str:
    """This machine's host fingerprint (stable for the life of the process)."""
    return host_fingerprint()


@dataclass(frozen=True)
class BenchmarkState:
    """The task set, harness and scoring rule a fresh score would be measured with."""

    task_total: int
    task_set: str
    harness_version: str
    scoring_version: str = SCORING_VERSION

    @property
    def task_set_short(self) -> str:
        return self.task_set[:12]


def _fingerprint_of(pairs: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for slug, fingerprint in sorted(pairs):
        digest.update(f"{slug}:{fingerprint}\n".encode())
    return digest.hexdigest()


def benchmark_state() -> BenchmarkState:
    """Size and fingerprint of the current task set, and the harness version (one query)."""
    pairs = list(Task.objects.order_by().values_list("slug", "fingerprint"))
    return BenchmarkState(
        task_total=len(pairs), task_set=_fingerprint_of(pairs), harness_version=HARNESS_VERSION
    )


def task_set_fingerprint() -> str:
    """SHA-256 over every task's slug and content fingerprint: the dataset version."""
    return benchmark_state().task_set


def submission_figures(submission: Submission) -> dict[str, float | None]:
    """A submission's overall figure of every registered metric by its key (None until done)."""
    return {metric.key: getattr(submission, metric.field) for metric in METRICS}


def task_count() -> int:
    """How many tasks the portal knows."""
    return Task.objects.count()


def calibration_runtimes(data: dict[str, Any]) -> dict[str, float]:
    """Reference runtimes in seconds from a stored Calibration dict (anchor seconds x ratio)."""
    if isinstance(data.get("runtimes"), dict):
        return {name: float(value) for name, value in data["runtimes"].items()}
    anchor = float(data.get("anchor_seconds") or 0.0)
    return {name: anchor * float(ratio) for name, ratio in (data.get("ratios") or {}).items()}


def calibrations_for(*, fingerprints: dict[int, str]) -> dict[int, Calibration]:
    """Per task id, the calibration of the task's current version (`fingerprints`: id -> task
    fingerprint): this host's under the current harness, else the newest from elsewhere."""
    best: dict[int, Calibration] = {}
    if not fingerprints:
        return best
    rows = Calibration.objects.filter(task_id__in=list(fingerprints)).order_by("-created_at")
    for calibration in rows:
        if calibration.task_fingerprint != fingerprints[calibration.task_id]:
            continue
        if calibration.task_id not in best or calibration_is_current(calibration):
            best[calibration.task_id] = calibration
    return best


def calibration_is_current(calibration: Calibration | None) -> bool:
    """Whether a calibration was measured on this host by the current harness."""
    return bool(
        calibration
        and calibration.host == current_host()
        and calibration.harness_version == HARNESS_VERSION
    )


@dataclass(frozen=True)
class PageInfo:
    """Where a paginated list stands: 1-based page number, page count, total items."""

    number: int
    pages: int
    total: int
    size: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    @property
    def end(self) -> int:
        return min(self.start + self.size, self.total)


def page_info(*, total: int, number: int, size: int) -> PageInfo:
    """Clamp a requested page number into range."""
    pages = max(1, -(-total // size))
    return PageInfo(number=min(max(1, number), pages), pages=pages, total=total, size=size)
