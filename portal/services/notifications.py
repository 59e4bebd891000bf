"""E-mail to a submission's owner when its evaluation finishes or fails."""

import functools
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from evaluator.metrics import METRICS
from portal.models import Profile, Submission, SubmissionStatus

log = logging.getLogger(__name__)


def submission_notify_on_commit(*, submission_id: int) -> None:
    """E-mail the owner once the current transaction commits (at once outside of one).

    Callers register this only when their compare-and-swap moved the submission to done or
    error, so each finish sends one mail; a rejudge that finishes again sends another.
    """
    transaction.on_commit(
        functools.partial(submission_notify_owner, submission_id=submission_id), robust=True
    )


def submission_notify_owner(*, submission_id: int) -> bool:
    """Send the outcome to the owner if they have an address and want mail; True if sent.

    A mail failure is logged and swallowed: it must never fail the evaluation job.
    """
    try:
        submission = Submission.objects.select_related("user").filter(pk=submission_id).first()
        if submission is None or not submission.is_finished or submission.user is None:
            return False
        user = submission.user
        if not user.email or not user.is_active:
            return False
        wants = Profile.objects.filter(user=user).values_list("notify_by_email", flat=True).first()
        if wants is False:  # no profile yet: the default, on
            return False
        subject, body = _message(submission)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:
        log.exception("could not e-mail the owner of submission %s", submission_id)
        return False
    return True


def _message(submission: Submission) -> tuple[str, str]:
    link = settings.MERCURY_BASE_URL + submission.get_absolute_url()
    name = f"#{submission.pk} {submission.display_name}"
    if submission.status == SubmissionStatus.DONE:
        subject = f"Mercury Leaderboard: {name} is scored"
        outcome = "".join(
            f"{metric.label}: {metric.scale * (getattr(submission, metric.field) or 0):.1f}%\n"
            for metric in METRICS
        )
        lead = "The evaluation of your submission has finished."
    else:
        subject = f"Mercury Leaderboard: {name} failed"
        outcome = f"Error: {submission.error_message or 'unknown'}\n"
        lead = (
            "The evaluation of your submission stopped with an error. Samples already judged are "
            "kept; the operators can queue it again, or you may upload the file again."
        )
    profile = settings.MERCURY_BASE_URL + reverse("portal:profile")
    body = (
        f"{lead}\n\n{name}\n{outcome}\nDetails: {link}\n\n"
        f"You get this mail because e-mail notifications are on in your profile: {profile}\n"
    )
    return subject, body
