"""Metrics and the one scoring rule: pass@k, Beyond, percentile, intervals, the metric registry.

`score_samples` is how a submission is scored, everywhere: the CLI, the portal's aggregation,
the submission and task pages and the live updates call it (or read what it stored). `METRICS`
is the registry of ranked figures that the leaderboard's columns, sorts, exports and API read.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from evaluator.verdicts import Verdict

DIFFICULTIES = ("Easy", "Medium", "Hard")


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one task: 1 - C(n-c, k) / C(n, k), for n samples of which c passed."""
    if n <= 0 or k <= 0:
        raise ValueError("n and k must be positive")
    if k > n:
        raise ValueError("k must not exceed n")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def beyond_score(runtime: float | None, references: Sequence[float]) -> float:
    """Beyond of one sample: (max R - clip(t, min R, max R)) / (max R - min R); 0 if it failed.

    A failed sample (runtime None) scores 0. With a degenerate range (one reference, or all
    equal) a passing sample at or below it scores 1 and one above it 0.
    """
    if runtime is None or not references:
        return 0.0
    low, high = min(references), max(references)
    if high <= low:
        return 1.0 if runtime <= high else 0.0
    clipped = min(max(runtime, low), high)
    return (high - clipped) / (high - low)


def percentile_beaten(runtime: float | None, references: Sequence[float]) -> float | None:
    """Share (0-100) of reference runtimes strictly slower than runtime ("beats X%")."""
    if runtime is None or not references:
        return None
    slower = sum(1 for r in references if r > runtime)
    return 100.0 * slower / len(references)


def beyond_at_k(scores: Sequence[float], k: int) -> float:
    """Unbiased expected best Beyond among k of n samples (as ENAMEL's eff@k).

    With scores sorted ascending s_1..s_n, E[max of a random k-subset] =
    sum_i s_i * C(i-1, k-1) / C(n, k).
    """
    n = len(scores)
    if k <= 0 or k > n:
        raise ValueError("k must be in 1..n")
    ordered = sorted(scores)
    total = math.comb(n, k)
    return sum(s * math.comb(i, k - 1) for i, s in enumerate(ordered)) / total


def bootstrap_interval(
    values: Sequence[float], *, rounds: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of values (resampling tasks)."""
    if not values:
        return (0.0, 0.0)
    if len(values) == 1:
        return (values[0], values[0])
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(rounds))
    tail = (1.0 - level) / 2
    low = means[int(tail * rounds)]
    high = means[min(rounds - 1, int((1 - tail) * rounds))]
    return (low, high)


# ---------------------------------------------------------------------------------------------
# The scoring rule


@dataclass(frozen=True)
class SampleOutcome:
    """One sample as the scoring rule sees it: its task, verdict and what the judge measured."""

    task_id: str
    verdict: Verdict
    beyond: float | None = None
    percentile: float | None = None
    runtime_s: float | None = None

    @property
    def score(self) -> float | None:
        """This sample's Beyond as scored (see `sample_beyond`)."""
        return sample_beyond(self.verdict, self.beyond)


def sample_beyond(verdict: str | Verdict, beyond: float | None) -> float | None:
    """The Beyond a sample scores: its measured Beyond (clipped to 0..1) if it passed, else 0.

    Every judged verdict fails but `passed`: an `internal_error` left after retries scores 0
    too. A `pending` sample (not judged yet) has no score: None.
    """
    verdict = Verdict.coerce(verdict)
    if not verdict.judged:
        return None
    if not verdict.passed:
        return 0.0
    return min(max(float(beyond or 0.0), 0.0), 1.0)


@dataclass(frozen=True)
class TaskScore:
    """One task's figures from its judged samples (a task without one scores 0 everywhere)."""

    task_id: str
    difficulty: str
    samples: int  # judged samples
    passed: int
    pass_at_1: float
    beyond_at_1: float  # mean over judged samples, a failed one scoring 0
    beyond_if_passed: float | None  # mean over passing samples only (None if none passed)
    percentile: float | None  # mean "beats %" of passing samples (None if none passed)
    best_runtime_s: float | None
    internal_errors: int

    @property
    def attempted(self) -> bool:
        return self.samples > 0


def score_task(task_id: str, difficulty: str, samples: Iterable[SampleOutcome]) -> TaskScore:
    """Score one task: pass@1 and Beyond@1 are means over its judged samples (0 without one)."""
    judged = [s for s in samples if s.verdict in _JUDGED]
    passing = [s for s in judged if s.verdict.passed]
    n, c = len(judged), len(passing)
    percentiles = [s.percentile for s in passing if s.percentile is not None]
    runtimes = [s.runtime_s for s in passing if s.runtime_s is not None]
    scores = [sample_beyond(s.verdict, s.beyond) or 0.0 for s in judged]
    return TaskScore(
        task_id=task_id,
        difficulty=difficulty,
        samples=n,
        passed=c,
        pass_at_1=pass_at_k(n, c, 1) if n else 0.0,
        beyond_at_1=sum(scores) / n if n else 0.0,
        beyond_if_passed=sum(scores[i] for i, s in enumerate(judged) if s.verdict.passed) / c
        if c
        else None,
        percentile=sum(percentiles) / len(percentiles) if percentiles else None,
        best_runtime_s=min(runtimes) if runtimes else None,
        internal_errors=sum(1 for s in judged if s.verdict == Verdict.INTERNAL_ERROR),
    )


_JUDGED = frozenset(v for v in Verdict if v.judged)


# ---------------------------------------------------------------------------------------------
# The metric registry


@dataclass(frozen=True)
class Metric:
    """A ranked figure: a per-task value averaged over tasks, with a 95% interval over tasks.

    `key` is its name in JSON (API, exports, `Submission.metrics`); `field` names the portal's
    column and, per difficulty, `<level>_<field>`; `sort` is the leaderboard's URL sort key and
    names the interval's columns `<sort>_ci_low`, `<sort>_ci_high`. Values are fractions 0..1 shown on a 0-100 `scale`;
    `higher_is_better` sets the default sort direction. `of_task` returning None leaves the
    task out of that metric's mean (for example a figure defined on passing samples only).
    """

    key: str
    field: str
    sort: str
    label: str
    short_label: str  # in a column under a difficulty's heading
    description: str
    of_task: Callable[[TaskScore], float | None]
    scale: float = 100.0
    higher_is_better: bool = True
    # The leaderboard page shows it per difficulty too (exports and the API always do).
    page_by_difficulty: bool = True

    @property
    def ci_key(self) -> str:
        return f"{self.key}_ci"

    @property
    def ci_fields(self) -> tuple[str, str]:
        return (f"{self.sort}_ci_low", f"{self.sort}_ci_high")

    def level_field(self, level: str) -> str:
        return f"{level.lower()}_{self.field}"

    @property
    def columns(self) -> list[str]:
        """Every column the portal stores for it: the figure, its interval, per difficulty."""
        return [self.field, *self.ci_fields, *(self.level_field(lv) for lv in DIFFICULTIES)]


METRICS: tuple[Metric, ...] = (
    Metric(
        key="pass@1",
        field="pass_at_1",
        sort="pass",
        label="Pass@1",
        short_label="Pass",
        description="share of samples that pass every test (mean over samples, then tasks)",
        of_task=attrgetter("pass_at_1"),
    ),
    Metric(
        key="beyond@1",
        field="beyond_at_1",
        sort="beyond",
        label="Beyond@1",
        short_label="Beyond",
        description="where a sample's runtime falls between the slowest (0) and fastest (100) "
        "reference; a failed sample scores 0 (mean over samples, then tasks)",
        of_task=attrgetter("beyond_at_1"),
    ),
    Metric(
        key="beyond_given_correct",
        field="beyond_given_correct",
        sort="beyond_correct",
        label="Beyond | correct",
        short_label="B|C",
        description="Beyond of the passing samples only: how efficient the code is when it "
        "works, apart from how often it works (mean over tasks with a passing sample)",
        of_task=attrgetter("beyond_if_passed"),
        page_by_difficulty=False,
    ),
)
METRICS_BY_KEY: dict[str, Metric] = {metric.key: metric for metric in METRICS}
PRIMARY = METRICS_BY_KEY["beyond@1"]  # what the leaderboard ranks by


@dataclass(frozen=True)
class Summary:
    """Every registered metric over a set of tasks (fractions 0..1), with 95% intervals."""

    tasks: int
    values: dict[str, float]
    intervals: dict[str, tuple[float, float]]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for metric in METRICS:
            out[metric.key] = self.values[metric.key]
        out["tasks"] = self.tasks
        for metric in METRICS:
            if metric.key in self.intervals:
                out[metric.ci_key] = list(self.intervals[metric.key])
        return out


def _summary(tasks: Sequence[TaskScore], with_intervals: bool) -> Summary:
    values: dict[str, float] = {}
    intervals: dict[str, tuple[float, float]] = {}
    for metric in METRICS:
        per_task = [v for v in (metric.of_task(task) for task in tasks) if v is not None]
        values[metric.key] = sum(per_task) / len(per_task) if per_task else 0.0
        if with_intervals:
            intervals[metric.key] = bootstrap_interval(per_task)
    return Summary(tasks=len(tasks), values=values, intervals=intervals)


@dataclass(frozen=True)
class Score:
    """A submission scored by `score_samples`: overall, by difficulty and per task."""

    overall: Summary
    by_difficulty: dict[str, Summary]
    tasks: dict[str, TaskScore]  # every task of the task list, attempted or not
    verdicts: dict[str, dict[str, int]] = field(default_factory=dict)  # level -> verdict -> n

    @property
    def tasks_total(self) -> int:
        return len(self.tasks)

    @property
    def tasks_attempted(self) -> int:
        return sum(1 for task in self.tasks.values() if task.attempted)

    @property
    def internal_errors(self) -> int:
        return sum(task.internal_errors for task in self.tasks.values())

    def to_dict(self) -> dict[str, Any]:
        """The stored and published shape (`Submission.metrics`, the CLI's --json)."""
        return {
            **self.overall.to_dict(),
            "by_difficulty": {
                level: summary.to_dict() for level, summary in self.by_difficulty.items()
            },
            "tasks_total": self.tasks_total,
            "tasks_attempted": self.tasks_attempted,
            "tasks_missing": self.tasks_total - self.tasks_attempted,
            "internal_errors": self.internal_errors,
            "verdicts": self.verdicts,
        }


def score_samples(
    samples: Iterable[SampleOutcome],
    tasks: Mapping[str, str],
    *,
    with_intervals: bool = True,
) -> Score:
    """Score a submission: the one rule, used by the CLI and the portal alike.

    `tasks` maps every task of the benchmark to its difficulty. A task is scored from its
    judged samples (mean over samples, then over tasks, each task weighing the same); a task
    without a judged sample scores 0, so a partial file cannot rank high; a failed sample
    scores 0 for Beyond, an `internal_error` left after retries included; `pending` samples
    are not judged yet and are left out. A sample of a task outside `tasks` counts overall.
    """
    grouped: dict[str, list[SampleOutcome]] = defaultdict(list)
    verdicts: dict[str, dict[str, int]] = {level: {} for level in DIFFICULTIES}
    difficulty = dict(tasks)
    for sample in samples:
        grouped[sample.task_id].append(sample)
        level = difficulty.setdefault(sample.task_id, "")
        counts = verdicts.setdefault(level, {})
        counts[sample.verdict.value] = counts.get(sample.verdict.value, 0) + 1
    scored = {
        slug: score_task(slug, level, grouped.get(slug, ()))
        for slug, level in sorted(difficulty.items())
    }
    ordered = list(scored.values())
    return Score(
        overall=_summary(ordered, with_intervals),
        by_difficulty={
            level: _summary([t for t in ordered if t.difficulty == level], with_intervals)
            for level in DIFFICULTIES
        },
        tasks=scored,
        verdicts={level: counts for level, counts in verdicts.items() if level},
    )
