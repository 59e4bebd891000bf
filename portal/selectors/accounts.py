"""Reads about one user: their upload quota, their API tokens and their own submissions."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from portal.models import ApiToken, Submission, SubmissionStatus

QUOTA_WINDOW = timedelta(hours=24)
# When the queued-at-once limit is reached there is no exact moment to name: a judged
# submission takes from seconds to minutes, so clients are told to come back in a minute.
QUEUED_RETRY_AFTER_S = 60
_ACTIVE = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)


@dataclass(frozen=True)
class Quota:
    """What a user may still upload now; a limit of 0 (or `exempt`, for staff) means none.

    Every upload accepted in the last 24 hours counts toward `daily_limit`, whatever became of
    it: an entry that failed (status error) has used the judge too. Deleting an entry (staff,
    in the admin) gives its place back.
    """

    exempt: bool
    daily_limit: int
    daily_used: int
    resets_at: datetime | None  # when the oldest upload in the window leaves it
    queued_limit: int
    queued: int
    max_upload_bytes: int
    now: datetime

    @property
    def daily_remaining(self) -> int | None:
        if self.exempt or not self.daily_limit:
            return None
        return max(0, self.daily_limit - self.daily_used)

    @property
    def queued_remaining(self) -> int | None:
        if self.exempt or not self.queued_limit:
            return None
        return max(0, self.queued_limit - self.queued)

    @property
    def daily_exhausted(self) -> bool:
        return self.daily_remaining == 0

    @property
    def queued_exhausted(self) -> bool:
        return self.queued_remaining == 0

    @property
    def retry_after_s(self) -> int:
        """Seconds until an upload may be accepted again (0 if it may now)."""
        wait = 0
        if self.daily_exhausted and self.resets_at is not None:
            wait = max(1, math.ceil((self.resets_at - self.now).total_seconds()))
        if self.queued_exhausted:
            wait = max(wait, QUEUED_RETRY_AFTER_S)
        return wait

    @property
    def refusal(self) -> str:
        """Why an upload is refused now, for the page and the API ('' when it is accepted)."""
        if self.daily_exhausted:
            return (
                f"You have used all {self.daily_limit} uploads of the last 24 hours; "
                f"the next one is possible in {_duration(self.retry_after_s)}."
            )
        if self.queued_exhausted:
            return (
                f"{self.queued} of your submissions are waiting or running (at most "
                f"{self.queued_limit} at once); upload again when one has finished."
            )
        return ""


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def quota_for(*, user: AbstractBaseUser | AnonymousUser | None) -> Quota:
    """The user's upload quota now (2 queries; none for staff or the system)."""
    now = timezone.now()
    exempt = user is None or not user.is_authenticated or bool(user.is_staff)
    daily_limit = max(0, settings.MERCURY_SUBMISSIONS_PER_DAY)
    queued_limit = max(0, settings.MERCURY_MAX_QUEUED_PER_USER)
    used, queued, resets_at = 0, 0, None
    if not exempt:
        mine = Submission.objects.filter(user=user).order_by()
        if daily_limit:
            window = list(
                mine.filter(created_at__gt=now - QUOTA_WINDOW)
                .order_by("-created_at")
                .values_list("created_at", flat=True)[:daily_limit]
            )
            used = len(window)
            # The upload that must leave the window for one more to fit: the limit-th newest.
            if used >= daily_limit:
                resets_at = window[-1] + QUOTA_WINDOW
        if queued_limit:
            queued = mine.filter(status__in=_ACTIVE).count()
    return Quota(
        exempt=exempt,
        daily_limit=daily_limit,
        daily_used=used,
        resets_at=resets_at,
        queued_limit=queued_limit,
        queued=queued,
        max_upload_bytes=settings.MERCURY_MAX_UPLOAD_BYTES,
        now=now,
    )


def api_tokens_of(*, user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first, revoked ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def submissions_of(*, user: AbstractBaseUser) -> QuerySet[Submission]:
    """The user's own submissions in every status and moderation state, newest first."""
    return (
        Submission.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .only(
            "pk",
            "model_name",
            "model_version",
            "status",
            "moderation",
            "moderation_reason",
            "created_at",
            "finished_at",
            "progress_done",
            "progress_total",
            "pass_at_1",
            "beyond_at_1",
            "error_message",
        )
    )
