"""Waiting: a queued submission's place in line and an ETA from the measured throughput."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from evaluator.metrics import METRICS
from portal import selectors
from portal.models import Submission, SubmissionStatus
from portal.templatetags.portal_format import ordinal

CODE = "class Solution: ..."


def _done(submission, *, samples, seconds):
    end = timezone.now() - timedelta(hours=1)
    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.DONE,
        progress_total=samples,
        progress_done=samples,
        started_at=end - timedelta(seconds=seconds),
        finished_at=end,
        **{metric.field: 0.0 for metric in METRICS},  # every registered figure of a done entry
    )


def test_a_queued_submission_knows_its_place_and_the_time_until_done(
    client, make_task, create_submission
):
    make_task(slug="alpha")
    rows = [{"task_id": "alpha", "completion": CODE}] * 4
    # Throughput measured on finished evaluations: 100 samples in 50 s is 2 samples a second,
    # however long the site then sat idle.
    _done(create_submission(rows[:1], model_name="old"), samples=100, seconds=50)
    first = create_submission(rows, model_name="first")  # 4 samples, queued
    second = create_submission(rows[:2], model_name="second")
    Submission.objects.filter(pk=first.pk).update(
        status=SubmissionStatus.RUNNING, started_at=timezone.now(), progress_done=0
    )

    estimate = selectors.submission_queue_estimate(submission=Submission.objects.get(pk=second.pk))

    assert (estimate.position, estimate.ahead_samples, estimate.samples_per_s) == (2, 4, 2.0)
    assert estimate.eta_s == (4 + 2) / 2.0
    status = client.get(reverse("portal:submission_status", args=[second.pk])).json()
    assert status["queue_position"] == 2 and status["eta_s"] == 3.0
    page = client.get(second.get_absolute_url()).content.decode()
    assert "2nd in line, about 3 s until done" in page
    assert "2 of 2 waiting" in page and "0/2 passed" not in page


def test_nothing_is_estimated_before_any_evaluation_finished_or_after_this_one(
    make_task, create_submission
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": CODE}])

    estimate = selectors.submission_queue_estimate(submission=submission)

    assert (estimate.position, estimate.eta_s) == (1, None)
    _done(submission, samples=1, seconds=1)
    assert selectors.submission_queue_estimate(submission=Submission.objects.get()) is None


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
        "111th",
    ]
