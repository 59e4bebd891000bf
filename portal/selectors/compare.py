"""Comparison of two or more public submissions against a chosen baseline, on the tasks every
one of them attempted."""

from dataclasses import dataclass
from typing import Any

from evaluator.metrics import SampleOutcome, bootstrap_interval, score_task
from evaluator.verdicts import Verdict
from portal.models import Moderation, Result, Submission, SubmissionStatus

MAX_COMPARED = 6


# Runtimes of one code measured twice on this host differ by 4-6% (DESIGN §4: median of the
# timing rounds); a model is faster or slower on a task only when the median runtime of its
# passing samples differs from the baseline's by more than this share, about twice that noise.
NOISE_RATIO = 0.10


@dataclass(frozen=True)
class TaskOutcome:
    """One model on one task, by the one scoring rule: judged samples, passes, the task's
    Beyond (a failed sample scoring 0) and the best passing runtime."""

    samples: int
    passed: int
    beyond: float
    best_runtime_s: float | None
    # The median runtime of its passing samples: what faster and slower compare, a typical
    # sample rather than the luckiest one.
    median_runtime_s: float | None = None


@dataclass(frozen=True)
class Difference:
    """A model against the baseline on the tasks every compared model attempted: the mean
    per-task Beyond difference with its interval, and task counts: faster or slower beyond
    the noise (both pass), within the noise, and passes the other side fails."""

    submission: Submission
    mean: float
    ci: tuple[float, float]
    faster: int
    slower: int
    same: int
    gained: int
    lost: int


@dataclass(frozen=True)
class Comparison:
    """Compared submissions (the baseline first) and their per-task outcomes."""

    submissions: list[Submission]
    common: list[dict[str, Any]]  # tasks every compared model attempted
    only_some: int  # tasks some attempted and others did not
    differences: list[Difference]
    verdicts: dict[int, dict[str, dict[str, int]]]

    @property
    def baseline(self) -> Submission | None:
        return self.submissions[0] if self.submissions else None


def compare_submissions(*, submission_ids: list[int], baseline_id: int | None = None) -> Comparison:
    """Compare public finished submissions against the chosen baseline (default: the first
    given; 2 queries).

    On the tasks that every compared model attempted, each task's Beyond is the one scoring
    rule's (mean over judged samples, a failure scoring 0); the difference to the baseline is
    averaged over those tasks with a 95% paired bootstrap interval (resampling tasks).
    """
    wanted = list(dict.fromkeys(submission_ids))[:MAX_COMPARED]
    found = Submission.objects.filter(
        pk__in=wanted, status=SubmissionStatus.DONE, moderation=Moderation.APPROVED
    ).in_bulk()
    submissions = [found[pk] for pk in wanted if pk in found]
    if baseline_id in found and baseline_id in wanted:
        submissions.sort(key=lambda submission: submission.pk != baseline_id)
    ids = [submission.pk for submission in submissions]
    per: dict[tuple[int, int], list[SampleOutcome]] = {}
    tasks: dict[int, dict[str, Any]] = {}
    verdicts: dict[int, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
    rows = (
        Result.objects.filter(submission_id__in=ids)
        .order_by("task__lc_id", "task__slug", "sample")
        .values_list(
            "submission_id",
            "task_id",
            "task__slug",
            "task__title",
            "task__difficulty",
            "verdict",
            "beyond",
            "percentile",
            "runtime_s",
        )
    )
    for submission_id, task_id, slug, title, level, verdict, beyond, percentile, runtime in rows:
        tasks.setdefault(task_id, {"slug": slug, "title": title, "difficulty": level})
        per.setdefault((submission_id, task_id), []).append(
            SampleOutcome(slug, Verdict.coerce(verdict), beyond, percentile, runtime)
        )
        counts = verdicts[submission_id].setdefault(level, {})
        counts[verdict] = counts.get(verdict, 0) + 1
    common = []
    only_some = 0
    for task_id, info in tasks.items():
        scored = [
            score_task(info["slug"], info["difficulty"], per.get((pk, task_id), [])) for pk in ids
        ]
        if all(task.samples for task in scored):
            outcomes = [
                TaskOutcome(
                    t.samples,
                    t.passed,
                    t.beyond_at_1,
                    t.best_runtime_s,
                    _median(
                        [
                            s.runtime_s
                            for s in per.get((pk, task_id), [])
                            if s.verdict.passed and s.runtime_s is not None
                        ]
                    ),
                )
                for pk, t in zip(ids, scored, strict=True)
            ]
            common.append({**info, "outcomes": outcomes})
        else:
            only_some += 1
    differences = [
        _difference(
            submission,
            [row["outcomes"][0] for row in common],
            [row["outcomes"][index] for row in common],
        )
        for index, submission in enumerate(submissions[1:], start=1)
    ]
    for row in common:
        base = row["outcomes"][0]
        row["deltas"] = [
            {"beyond": outcome.beyond - base.beyond, "speed": _speed(base, outcome)}
            for outcome in row["outcomes"][1:]
        ]
    return Comparison(
        submissions=submissions,
        common=common,
        only_some=only_some,
        differences=differences,
        verdicts=verdicts,
    )


def _speed(base: TaskOutcome, other: TaskOutcome) -> str:
    """How `other` fares against `base` on one task: faster, slower, same (within the noise),
    gained (only it passes), lost (only the baseline passes) or none (neither passes)."""
    if base.passed and other.passed:
        if base.median_runtime_s and other.median_runtime_s:
            ratio = other.median_runtime_s / base.median_runtime_s
            if ratio < 1 - NOISE_RATIO:
                return "faster"
            if ratio > 1 + NOISE_RATIO:
                return "slower"
        return "same"
    if other.passed:
        return "gained"
    return "lost" if base.passed else "none"


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _difference(
    submission: Submission, base: list[TaskOutcome], other: list[TaskOutcome]
) -> Difference:
    diffs = [o.beyond - b.beyond for b, o in zip(base, other, strict=True)]
    speeds = [_speed(b, o) for b, o in zip(base, other, strict=True)]
    return Difference(
        submission=submission,
        mean=sum(diffs) / len(diffs) if diffs else 0.0,
        ci=bootstrap_interval(diffs) if diffs else (0.0, 0.0),
        faster=speeds.count("faster"),
        slower=speeds.count("slower"),
        same=speeds.count("same"),
        gained=speeds.count("gained"),
        lost=speeds.count("lost"),
    )


def compare_candidates(*, limit: int = 200) -> list[Submission]:
    """Public finished submissions to pick from, best Beyond@1 first."""
    return list(
        Submission.objects.filter(status=SubmissionStatus.DONE, moderation=Moderation.APPROVED)
        .order_by("-beyond_at_1", "pk")
        .only("pk", "model_name", "model_version", "beyond_at_1")[:limit]
    )
