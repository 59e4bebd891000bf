"""Scoring writes: aggregate a judged submission by the one rule, rescore without rejudging.

How a submission is scored lives in `evaluator.metrics.score_samples`; this module only feeds
it the stored samples and the benchmark's task list, and stores what it returns.
"""

from django.db import transaction
from django.utils import timezone

from evaluator import metrics as ev_metrics
from evaluator.host import HARNESS_VERSION, host_fingerprint
from portal import caching
from portal.models import Calibration, Result, Submission, SubmissionStatus, Task, Verdict
from portal.selectors import calibration_runtimes, submission_outcomes, task_set_fingerprint


def submission_aggregate(*, submission_id: int) -> Submission:
    """Score a submission by the one rule (`evaluator.metrics.score_samples`), mark it done.

    Every task of the benchmark counts: a task without a sample scores 0, a failed sample 0, an
    internal error left after retries too. The leaderboard's columns are filled here.
    """
    score = ev_metrics.score_samples(
        submission_outcomes(submission_id=submission_id),
        dict(Task.objects.values_list("slug", "difficulty")),
    )
    submission = Submission.objects.get(pk=submission_id)
    for metric in ev_metrics.METRICS:
        setattr(submission, metric.field, score.overall.values[metric.key])
        for name, value in zip(metric.ci_fields, score.overall.intervals[metric.key], strict=True):
            setattr(submission, name, value)
        for level, summary in score.by_difficulty.items():
            value = summary.values[metric.key] if summary.tasks else None
            setattr(submission, metric.level_field(level), value)
    submission.tasks_total = score.tasks_total
    submission.task_set = task_set_fingerprint()
    submission.harness_version = HARNESS_VERSION
    submission.host = host_fingerprint()
    submission.metrics = score.to_dict()
    submission.status = SubmissionStatus.DONE
    submission.finished_at = timezone.now()
    submission.save(update_fields=[*AGGREGATE_FIELDS, "metrics", "status", "finished_at"])
    caching.public_data_changed()
    return submission


AGGREGATE_FIELDS = [
    *(column for metric in ev_metrics.METRICS for column in metric.columns),
    "tasks_total",
    "task_set",
    "harness_version",
    "host",
]


def submission_rescore(*, submission_id: int) -> int:
    """Recompute each passed sample's Beyond and percentile from its stored runtime and the
    calibration it was placed among, then aggregate again if it is done; the samples changed.

    Beyond is a function of the runtime and the reference runtimes only, so a change to how
    it is computed (evaluator.metrics.beyond_score) needs no rejudging.
    """
    changed = 0
    with transaction.atomic():
        rows = list(
            Result.objects.filter(
                submission_id=submission_id,
                verdict=Verdict.PASSED,
                runtime_s__isnull=False,
                calibration__isnull=False,
            ).values_list("pk", "runtime_s", "calibration_id", "beyond", "percentile")
        )
        calibrations = Calibration.objects.in_bulk({row[2] for row in rows})
        for pk, runtime_s, calibration_id, beyond, percentile in rows:
            references = list(calibration_runtimes(calibrations[calibration_id].data).values())
            new_beyond = ev_metrics.sample_beyond(
                Verdict.PASSED, ev_metrics.beyond_score(runtime_s, references)
            )
            new_percentile = ev_metrics.percentile_beaten(runtime_s, references)
            if (new_beyond, new_percentile) != (beyond, percentile):
                Result.objects.filter(pk=pk).update(beyond=new_beyond, percentile=new_percentile)
                changed += 1
        done = Submission.objects.filter(pk=submission_id, status=SubmissionStatus.DONE)
        if done.exists():
            submission_aggregate(submission_id=submission_id)
    return changed
