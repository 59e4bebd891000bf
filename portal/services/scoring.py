"""Scoring writes: aggregate a judged submission by the one rule, rescore without rejudging.

How a submission is scored lives in `evaluator.metrics.score_samples`; this module only feeds
it the stored samples and the benchmark's task list, and stores what it returns.
"""

from django.db import transaction
from django.utils import timezone

from evaluator import metrics as ev_metrics
from evaluator.host import HARNESS_VERSION, SCORING_VERSION, host_fingerprint
from portal import caching
from portal.models import Calibration, Result, Submission, SubmissionStatus, Task, Verdict
from portal.selectors import calibration_runtimes, submission_outcomes, task_set_fingerprint

METRIC_FIELDS = [column for metric in ev_metrics.METRICS for column in metric.columns]


def submission_aggregate(*, submission_id: int) -> Submission:
    """Score a judged submission by the one rule (`evaluator.metrics.score_samples`), mark it
    done, and record the task set, harness, host and scoring rule it was measured with.

    Every task of the benchmark counts: a task without a sample scores 0, a failed sample 0, an
    internal error left after retries too. The leaderboard's columns are filled here.
    """
    submission = Submission.objects.get(pk=submission_id)
    _store_score(submission)
    submission.task_set = task_set_fingerprint()
    submission.harness_version = HARNESS_VERSION
    submission.host = host_fingerprint()
    submission.status = SubmissionStatus.DONE
    submission.finished_at = timezone.now()
    submission.save(
        update_fields=[
            *METRIC_FIELDS,
            "tasks_total",
            "metrics",
            "scoring_version",
            "task_set",
            "harness_version",
            "host",
            "status",
            "finished_at",
        ]
    )
    caching.public_data_changed()
    return submission


def _store_score(submission: Submission) -> None:
    score = ev_metrics.score_samples(
        submission_outcomes(submission_id=submission.pk),
        dict(Task.objects.values_list("slug", "difficulty")),
    )
    for metric in ev_metrics.METRICS:
        setattr(submission, metric.field, score.overall.values[metric.key])
        for name, value in zip(metric.ci_fields, score.overall.intervals[metric.key], strict=True):
            setattr(submission, name, value)
        for level, summary in score.by_difficulty.items():
            setattr(
                submission,
                metric.level_field(level),
                summary.values[metric.key] if summary.tasks else None,
            )
    submission.tasks_total = score.tasks_total
    submission.metrics = score.to_dict()
    submission.scoring_version = SCORING_VERSION


def submission_rescore(*, submission_id: int) -> int:
    """Score a finished submission again by the current rule, without rejudging; returns how
    many samples' Beyond or percentile changed.

    Each passed sample's Beyond and percentile are recomputed from its stored runtime and the
    calibration it was placed among (`Result.calibration`; for samples judged before that was
    stored, the calibration of the submission's host and harness), then the submission is
    aggregated again. Its harness, host and task set stay those it was measured with.
    """
    changed = 0
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .filter(pk=submission_id, status=SubmissionStatus.DONE)
            .first()
        )
        if submission is None:
            return 0
        rows = list(
            Result.objects.filter(
                submission_id=submission_id, verdict=Verdict.PASSED, runtime_s__isnull=False
            ).values_list("pk", "task_id", "runtime_s", "calibration_id", "beyond", "percentile")
        )
        calibrations = _calibrations_of(submission, rows)
        for pk, task_id, runtime_s, calibration_id, beyond, percentile in rows:
            calibration = calibrations.get(calibration_id) or calibrations.get(("task", task_id))
            if calibration is None:
                continue  # nothing to place it among: its stored figures stand
            references = list(calibration_runtimes(calibration.data).values())
            new_beyond = ev_metrics.sample_beyond(
                Verdict.PASSED, ev_metrics.beyond_score(runtime_s, references)
            )
            new_percentile = ev_metrics.percentile_beaten(runtime_s, references)
            if (new_beyond, new_percentile) != (beyond, percentile):
                Result.objects.filter(pk=pk).update(beyond=new_beyond, percentile=new_percentile)
                changed += 1
        _store_score(submission)
        submission.save(update_fields=[*METRIC_FIELDS, "tasks_total", "metrics", "scoring_version"])
    caching.public_data_changed()
    return changed


def _calibrations_of(
    submission: Submission, rows: list[tuple[int, int, float, int | None, float, float]]
) -> dict[object, Calibration]:
    """The stored calibrations by id, plus ("task", id) -> the submission's host and harness's."""
    found: dict[object, Calibration] = dict(
        Calibration.objects.in_bulk({row[3] for row in rows if row[3] is not None})
    )
    orphans = {row[1] for row in rows if row[3] is None}
    if orphans:
        for calibration in Calibration.objects.filter(
            task_id__in=orphans, host=submission.host, harness_version=submission.harness_version
        ).order_by("created_at"):
            found[("task", calibration.task_id)] = calibration  # the newest wins
    return found


def submissions_rescore_stale() -> dict[int, int]:
    """Rescore every finished submission scored by an older rule; submission -> samples changed."""
    stale = (
        Submission.objects.filter(status=SubmissionStatus.DONE)
        .exclude(scoring_version=SCORING_VERSION)
        .values_list("pk", flat=True)
    )
    return {pk: submission_rescore(submission_id=pk) for pk in list(stale)}
