"""Who may see what: approved entries are public; owners and staff also see the others."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.models import Moderation, Submission

Viewer = AbstractBaseUser | AnonymousUser | None


def is_moderator(user: Viewer) -> bool:
    """Staff see and moderate every entry."""
    return bool(user is not None and user.is_active and user.is_staff)


def submissions_visible_to(*, user: Viewer) -> QuerySet[Submission]:
    """The submissions this viewer may open: public ones, their own, or all for staff."""
    if is_moderator(user):
        return Submission.objects.all()
    public = Q(moderation=Moderation.APPROVED)
    if user is not None and user.is_authenticated:
        return Submission.objects.filter(public | Q(user=user))
    return Submission.objects.filter(public)


def submission_can_view(*, submission: Submission, user: Viewer) -> bool:
    """Whether this viewer may open the submission (see `submissions_visible_to`)."""
    if submission.moderation == Moderation.APPROVED or is_moderator(user):
        return True
    return bool(
        user is not None
        and user.is_authenticated
        and submission.user_id is not None
        and submission.user_id == user.pk
    )


def submission_get_visible(*, submission_id: int, user: Viewer) -> Submission:
    """The submission if this viewer may see it; 404 otherwise, so private entries don't exist."""
    submission = Submission.objects.select_related("user").filter(pk=submission_id).first()
    if submission is None or not submission_can_view(submission=submission, user=user):
        raise Http404("No such submission.")
    return submission
