"""Reads about moderation: the public moderation log and one entry's history and flags."""

from dataclasses import dataclass

from django.db.models import QuerySet

from portal.models import AuditLog, Flag, Moderation, Submission
from portal.selectors.access import Viewer, is_moderator
from portal.selectors.common import PageInfo, page_info

LOG_PAGE_SIZE = 50


@dataclass(frozen=True)
class ModerationLogPage:
    """One page of the public moderation log, newest first."""

    entries: list[AuditLog]
    page: PageInfo


def moderation_log_public(*, page: int = 1, size: int = LOG_PAGE_SIZE) -> ModerationLogPage:
    """Actions on entries that are public now; nothing about hidden, rejected or pending ones.

    An entry that was public and is hidden later drops out of the log with it, so the log never
    names an entry that visitors cannot open.
    """
    entries = AuditLog.objects.filter(submission__moderation=Moderation.APPROVED).select_related(
        "actor", "submission"
    )
    info = page_info(total=entries.count(), number=page, size=size)
    return ModerationLogPage(entries=list(entries[info.start : info.end]), page=info)


def submission_moderation_history(*, submission: Submission) -> QuerySet[AuditLog]:
    """Every recorded action on one entry, newest first (the caller has checked access)."""
    return AuditLog.objects.filter(submission=submission).select_related("actor")


def submission_flags(*, submission: Submission, user: Viewer) -> list[Flag]:
    """The flags this viewer may see on an entry: all for staff, their own for a user."""
    if is_moderator(user):
        return list(Flag.objects.filter(submission=submission).select_related("user"))
    if user is not None and user.is_authenticated:
        return list(Flag.objects.filter(submission=submission, user=user))
    return []
