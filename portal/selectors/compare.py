"""Comparison of two or more public submissions on the tasks every one of them passes."""

from dataclasses import dataclass
from typing import Any

from evaluator.metrics import SampleOutcome, bootstrap_interval, score_task
from portal.models import Moderation, Result, Submission, SubmissionStatus, Verdict

MAX_COMPARED = 6


@dataclass(frozen=True)
class TaskOutcome:
    """One model on one task: samples, passes, mean Beyond of passing samples, best runtime."""

    samples: int
    passed: int
    beyond: float | None
    best_runtime_s: float | None


@dataclass(frozen=True)
class Difference:
    """Mean per-task Beyond difference of a model against the baseline, with its interval."""

    submission: Submission
    mean: float
    ci: tuple[float, float]
    wins: int
    losses: int


@dataclass(frozen=True)
class Comparison:
    """Compared submissions (the first is the baseline) and per-task outcomes."""

    submissions: list[Submission]
    common: list[dict[str, Any]]
    only_some: int
    differences: list[Difference]
    verdicts: dict[int, dict[str, dict[str, int]]]


def compare_submissions(*, submission_ids: list[int]) -> Comparison:
    """Compare public finished submissions (in the given order; 2 queries).

    On the tasks that every model passes at least once, each task's Beyond is the mean over
    its passing samples; the difference to the baseline is averaged over those tasks, with a
    95% paired bootstrap interval (resampling tasks).
    """
    wanted = list(dict.fromkeys(submission_ids))[:MAX_COMPARED]
    found = Submission.objects.filter(
        pk__in=wanted, status=SubmissionStatus.DONE, moderation=Moderation.APPROVED
    ).in_bulk()
    submissions = [found[pk] for pk in wanted if pk in found]
    ids = [submission.pk for submission in submissions]
    per: dict[tuple[int, int], list[tuple[str, float | None, float | None]]] = {}
    tasks: dict[int, dict[str, Any]] = {}
    verdicts: dict[int, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
    rows = (
        Result.objects.filter(submission_id__in=ids)
        .order_by("task__lc_id", "task__slug")
        .values_list(
            "submission_id",
            "task_id",
            "task__slug",
            "task__title",
            "task__difficulty",
            "verdict",
            "beyond",
            "runtime_s",
        )
    )
    for submission_id, task_id, slug, title, level, verdict, beyond, runtime in rows:
        tasks.setdefault(task_id, {"slug": slug, "title": title, "difficulty": level})
        per.setdefault((submission_id, task_id), []).append((verdict, beyond, runtime))
        counts = verdicts[submission_id].setdefault(level, {})
        counts[verdict] = counts.get(verdict, 0) + 1
    common = []
    only_some = 0
    for task_id, info in tasks.items():
        outcomes = [_outcome(per.get((pk, task_id), [])) for pk in ids]
        if all(outcome.passed for outcome in outcomes):
            common.append({**info, "outcomes": outcomes})
        else:
            only_some += 1
    differences = []
    for index, submission in enumerate(submissions[1:], start=1):
        diffs = [
            (row["outcomes"][index].beyond or 0.0) - (row["outcomes"][0].beyond or 0.0)
            for row in common
        ]
        mean = sum(diffs) / len(diffs) if diffs else 0.0
        differences.append(
            Difference(
                submission=submission,
                mean=mean,
                ci=bootstrap_interval(diffs) if diffs else (0.0, 0.0),
                wins=sum(1 for d in diffs if d > 0),
                losses=sum(1 for d in diffs if d < 0),
            )
        )
    for row in common:
        base = row["outcomes"][0].beyond or 0.0
        row["deltas"] = [(outcome.beyond or 0.0) - base for outcome in row["outcomes"][1:]]
    return Comparison(
        submissions=submissions,
        common=common,
        only_some=only_some,
        differences=differences,
        verdicts=verdicts,
    )


def _outcome(samples: list[tuple[str, float | None, float | None]]) -> TaskOutcome:
    scored = score_task(
        "", "", [SampleOutcome("", Verdict.coerce(v), b, None, r) for v, b, r in samples]
    )
    return TaskOutcome(
        samples=scored.samples,
        passed=scored.passed,
        beyond=scored.beyond_if_passed,
        best_runtime_s=scored.best_runtime_s,
    )


def compare_candidates(*, limit: int = 200) -> list[Submission]:
    """Public finished submissions to pick from, best Beyond@1 first."""
    return list(
        Submission.objects.filter(status=SubmissionStatus.DONE, moderation=Moderation.APPROVED)
        .order_by("-beyond_at_1", "pk")
        .only("pk", "model_name", "model_version", "beyond_at_1")[:limit]
    )
