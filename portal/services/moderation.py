"""Moderation: approving, hiding and rejecting submissions, flags, trust, rejudges, the audit log.

Every submission is evaluated; only approved ones are public. Each state change is a
compare-and-swap on the submission's moderation state, recorded in the audit log in the same
transaction, so two moderators acting at once cannot both move an entry or lose a record.
"""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from portal import caching, queue
from portal.models import (
    AuditLog,
    BatchStatus,
    Flag,
    Moderation,
    ModerationAction,
    RejudgeBatch,
    Submission,
)
from portal.services.accounts import profile_of
from portal.services.evaluation import submission_rejudge

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 2000

# action -> (states it may start from, state it leads to, whether a reason is required)
TRANSITIONS: dict[str, tuple[frozenset[str], str, bool]] = {
    ModerationAction.APPROVE: (
        frozenset({Moderation.PENDING, Moderation.HIDDEN, Moderation.REJECTED}),
        Moderation.APPROVED,
        False,
    ),
    ModerationAction.HIDE: (
        frozenset({Moderation.PENDING, Moderation.APPROVED}),
        Moderation.HIDDEN,
        True,
    ),
    ModerationAction.REJECT: (
        frozenset({Moderation.PENDING, Moderation.APPROVED, Moderation.HIDDEN}),
        Moderation.REJECTED,
        True,
    ),
    ModerationAction.REOPEN: (
        frozenset({Moderation.HIDDEN, Moderation.REJECTED}),
        Moderation.PENDING,
        False,
    ),
}


class ModerationError(Exception):
    """A moderation request that cannot be carried out; the message says why."""


class FlagInvalid(Exception):
    """A flag that cannot be raised (no reason, already flagged by this user, not public)."""


def _clean_reason(reason: str) -> str:
    return reason.strip()[:MAX_REASON_CHARS]


def _record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    submission: Submission | None = None,
    target_user: AbstractBaseUser | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
) -> AuditLog:
    subject = str(submission) if submission is not None else f"user {target_user}"
    if target_user is None and submission is not None:
        target_user_id = submission.user_id
    else:
        target_user_id = target_user.pk if target_user is not None else None
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        submission=submission,
        target_user_id=target_user_id,
        subject=subject[:250],
        from_state=from_state,
        to_state=to_state,
        reason=_clean_reason(reason),
    )


def submission_moderate(
    *, submission_id: int, actor: AbstractBaseUser, action: str, reason: str = ""
) -> Submission:
    """Approve, hide, reject or reopen a submission, recorded with who, when and why.

    Raises `ModerationError` when the action does not apply to the entry's current state or a
    hide or reject comes without a reason.
    """
    if action not in TRANSITIONS:
        raise ModerationError(f"unknown moderation action {action!r}")
    sources, target, needs_reason = TRANSITIONS[action]
    reason = _clean_reason(reason)
    if needs_reason and not reason:
        raise ModerationError(f"say why: {ModerationAction(action).label} needs a reason.")
    with transaction.atomic():
        submission = Submission.objects.filter(pk=submission_id).first()
        if submission is None:
            raise ModerationError(f"no submission #{submission_id}")
        before = submission.moderation
        if before not in sources:
            raise ModerationError(
                f"#{submission_id} is {before}: it cannot be {ModerationAction(action).label}d."
            )
        # Compare-and-swap: of two moderators acting at once, only one moves the entry.
        changes = {
            "moderation": target,
            "moderation_reason": reason,
            "moderated_at": timezone.now(),
            "moderated_by": actor,
        }
        if Submission.objects.filter(pk=submission_id, moderation=before).update(**changes) != 1:
            raise ModerationError(f"#{submission_id} changed meanwhile; try again.")
        for name, value in changes.items():
            setattr(submission, name, value)
        _record(
            actor=actor,
            action=action,
            submission=submission,
            from_state=before,
            to_state=target,
            reason=reason,
        )
        if Moderation.APPROVED in (before, target):
            caching.public_data_changed()
    return submission


def submission_auto_approve(*, submission: Submission) -> bool:
    """Approve a new submission at once when its owner is staff or trusted (recorded)."""
    user = submission.user
    if user is None or not user.is_active:
        return False
    if not (user.is_staff or profile_of(user=user).trusted):
        return False
    moved = Submission.objects.filter(pk=submission.pk, moderation=Moderation.PENDING).update(
        moderation=Moderation.APPROVED, moderated_at=timezone.now()
    )
    if moved:
        submission.moderation = Moderation.APPROVED
        _record(
            actor=None,
            action=ModerationAction.AUTO_APPROVE,
            submission=submission,
            from_state=Moderation.PENDING,
            to_state=Moderation.APPROVED,
            reason="staff" if user.is_staff else "trusted user",
        )
    return bool(moved)


def submission_rejudge_recorded(
    *, submission_id: int, actor: AbstractBaseUser | None, reason: str = ""
) -> bool:
    """Rejudge one finished submission from scratch and record who asked and why.

    `submission_rejudge` itself tells the page caches.
    """
    with transaction.atomic():
        submission = Submission.objects.filter(pk=submission_id).first()
        if submission is None or not submission_rejudge(submission_id=submission_id):
            return False
        _record(
            actor=actor,
            action=ModerationAction.REJUDGE,
            submission=submission,
            from_state=submission.moderation,
            to_state=submission.moderation,
            reason=reason,
        )
    return True


def user_set_trusted(
    *, user: AbstractBaseUser, actor: AbstractBaseUser, trusted: bool, reason: str = ""
) -> bool:
    """Mark a user trusted (their uploads skip review) or not; False if nothing changed."""
    with transaction.atomic():
        profile = profile_of(user=user)
        if profile.trusted == trusted:
            return False
        profile.trusted = trusted
        profile.save(update_fields=["trusted"])
        _record(
            actor=actor,
            action=ModerationAction.TRUST if trusted else ModerationAction.UNTRUST,
            target_user=user,
            reason=reason,
        )
    return True


def flag_create(*, submission: Submission, user: AbstractBaseUser, reason: str) -> Flag:
    """Let a signed-in user report a public entry to staff, once until it is resolved."""
    reason = _clean_reason(reason)
    if not reason:
        raise FlagInvalid("Say what is wrong with this entry.")
    if submission.moderation != Moderation.APPROVED:
        raise FlagInvalid("Only public entries can be flagged.")
    if submission.user_id is not None and submission.user_id == user.pk:
        raise FlagInvalid("This is your own entry; ask staff to hide it instead.")
    try:
        with transaction.atomic():
            return Flag.objects.create(submission=submission, user=user, reason=reason)
    except IntegrityError:
        raise FlagInvalid("You have already flagged this entry; staff will look at it.") from None


def flag_resolve(*, flag_id: int, actor: AbstractBaseUser, resolution: str = "") -> bool:
    """Close an open flag with staff's answer (recorded); False if it was already closed."""
    with transaction.atomic():
        flag = Flag.objects.select_related("submission").filter(pk=flag_id).first()
        if flag is None:
            return False
        closed = Flag.objects.filter(pk=flag_id, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=actor, resolution=_clean_reason(resolution)
        )
        if closed:
            _record(
                actor=actor,
                action=ModerationAction.FLAG_RESOLVE,
                submission=flag.submission,
                from_state=flag.submission.moderation,
                to_state=flag.submission.moderation,
                reason=f"flag by {flag.user}: {flag.reason[:200]} | {resolution}",
            )
    return bool(closed)


def rejudge_batch_create(
    *,
    actor: AbstractBaseUser,
    submission_ids: list[int],
    description: str,
    reason: str = "",
) -> RejudgeBatch:
    """Queue a background rejudge of these submissions; its progress is on the batch."""
    ids = sorted(set(submission_ids))
    with transaction.atomic():
        batch = RejudgeBatch.objects.create(
            created_by=actor,
            description=description[:300],
            reason=_clean_reason(reason),
            submission_ids=ids,
            total=len(ids),
        )
        transaction.on_commit(lambda: queue.rejudge_batch_enqueue(batch_id=batch.pk), robust=True)
    return batch


def rejudge_batch_run(*, batch_id: int) -> RejudgeBatch:
    """The batch job: rejudge each submission in turn, counting progress; resumes after a crash.

    `done` counts the submissions handled, so a retried job starts after the last one; a
    submission still being judged is skipped (it cannot be rejudged until it ends).
    """
    RejudgeBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING
    )
    batch = RejudgeBatch.objects.get(pk=batch_id)
    if batch.status != BatchStatus.RUNNING:
        return batch
    reason = f"batch #{batch.pk} ({batch.description}): {batch.reason}".strip(": ")
    try:
        for submission_id in batch.submission_ids[batch.done :]:
            submission_rejudge_recorded(
                submission_id=submission_id, actor=batch.created_by, reason=reason
            )
            RejudgeBatch.objects.filter(pk=batch_id).update(done=F("done") + 1)
    except Exception as exc:
        RejudgeBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.ERROR, error_message=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    RejudgeBatch.objects.filter(pk=batch_id).update(
        status=BatchStatus.DONE, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return batch
