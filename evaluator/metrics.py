"""Metrics: pass@k, Beyond, percentile, bootstrap intervals and the per-difficulty summary."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class SampleOutcome:
    """One judged sample as the metrics see it."""

    task_id: str
    passed: bool
    beyond: float


def per_task(outcomes: Iterable[SampleOutcome]) -> dict[str, tuple[float, float, int]]:
    """Per task: (pass@1, beyond@1, samples), each averaged over that task's samples."""
    grouped: dict[str, list[SampleOutcome]] = defaultdict(list)
    for outcome in outcomes:
        grouped[outcome.task_id].append(outcome)
    out = {}
    for task_id, items in grouped.items():
        n = len(items)
        c = sum(1 for o in items if o.passed)
        out[task_id] = (pass_at_k(n, c, 1), sum(o.beyond for o in items) / n, n)
    return out


def summarize(
    outcomes: Iterable[SampleOutcome], difficulty: Mapping[str, str], *, with_intervals: bool = True
) -> dict[str, Any]:
    """Pass@1 and Beyond@1 overall and by difficulty (fractions 0-1), with 95% intervals.

    Each task weighs the same whatever its number of samples (mean over samples, then tasks).
    """
    tasks = per_task(outcomes)

    def block(task_ids: list[str]) -> dict[str, Any]:
        passes = [tasks[t][0] for t in task_ids]
        beyonds = [tasks[t][1] for t in task_ids]
        n = len(task_ids)
        result: dict[str, Any] = {
            "pass@1": sum(passes) / n if n else 0.0,
            "beyond@1": sum(beyonds) / n if n else 0.0,
            "tasks": n,
        }
        if with_intervals:
            result["pass@1_ci"] = list(bootstrap_interval(passes))
            result["beyond@1_ci"] = list(bootstrap_interval(beyonds))
        return result

    overall = block(sorted(tasks))
    by_difficulty = {
        level: block(sorted(t for t in tasks if difficulty.get(t) == level))
        for level in DIFFICULTIES
    }
    return {**overall, "by_difficulty": by_difficulty}
