"""Waiting: a submission's place in line and when it should be done, from measured throughput."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Sum
from django.utils import timezone

from portal.models import Submission, SubmissionStatus

# The throughput is measured on this many of the newest finished evaluations.
THROUGHPUT_SUBMISSIONS = 20
_ACTIVE = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)


@dataclass(frozen=True)
class QueueEstimate:
    """Where an unfinished submission stands: its place among the unfinished ones (1: next or
    being judged), the samples ahead of it, the site's judging rate and the time left."""

    position: int
    ahead_samples: int
    samples_per_s: float | None
    eta_s: float | None


def judging_rate() -> float | None:
    """Samples judged per second, from the newest finished evaluations (None before any).

    Each evaluation's samples over its own running time, so idle hours between uploads do not
    count as slowness.
    """
    recent = list(
        Submission.objects.filter(
            status=SubmissionStatus.DONE, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("-finished_at")
        .values_list("progress_total", "started_at", "finished_at")[:THROUGHPUT_SUBMISSIONS]
    )
    samples = sum(total for total, _, _ in recent)
    seconds = sum((end - start).total_seconds() for _, start, end in recent)
    if not samples or seconds <= 0:
        return None
    return samples / seconds


def submission_queue_estimate(
    *, submission: Submission, now: datetime | None = None
) -> QueueEstimate | None:
    """The estimate for a queued or running submission (None once it has finished; 2 queries).

    Work is taken first come, first served: everything unfinished that was uploaded earlier is
    ahead. A running submission's own pace, once it has one, beats the site's rate.
    """
    if submission.status not in _ACTIVE:
        return None
    earlier = Submission.objects.filter(status__in=_ACTIVE, created_at__lt=submission.created_at)
    ahead = earlier.aggregate(
        count=Count("pk"), samples=Sum(F("progress_total") - F("progress_done"))
    )
    rate = judging_rate()
    own = max(0, submission.progress_total - submission.progress_done)
    eta: float | None = None
    if (
        submission.status == SubmissionStatus.RUNNING
        and submission.started_at
        and (submission.progress_done > 0)
    ):
        elapsed = ((now or timezone.now()) - submission.started_at).total_seconds()
        eta = max(0.0, elapsed / submission.progress_done * own)
    elif rate:
        eta = ((ahead["samples"] or 0) + own) / rate
    return QueueEstimate(
        position=(ahead["count"] or 0) + 1,
        ahead_samples=ahead["samples"] or 0,
        samples_per_s=rate,
        eta_s=eta,
    )
