"""Moderation: review states, reasons, the audit log, flags, trust and background rejudges."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal import selectors
from portal.models import (
    AuditLog,
    BatchStatus,
    Flag,
    Moderation,
    ModerationAction,
    Profile,
    RejudgeBatch,
    Submission,
    SubmissionStatus,
    Task,
)
from portal.services.accounts import api_token_create, moderators_group_ensure
from portal.services.moderation import (
    FlagInvalid,
    ModerationError,
    flag_create,
    flag_resolve,
    rejudge_batch_create,
    rejudge_batch_run,
    submission_moderate,
    user_set_trusted,
)
from portal.services.submissions import submission_create

User = get_user_model()


def _moderator():
    """A staff member of the Moderators group (created by migration 0004)."""
    user = User.objects.create_user("mod", password="mod-password-1", is_staff=True)
    user.groups.add(moderators_group_ensure())
    return user


FAST = [{"task_id": "alpha", "completion": "FAST"}]


@pytest.fixture
def people(db):
    """An owner, another user and a staff member."""
    return {
        "owner": User.objects.create_user("owner", password="owner-password-1"),
        "other": User.objects.create_user("other", password="other-password-1"),
        "staff": _moderator(),
    }


@pytest.fixture
def pending(people, make_task, create_submission, fake_judge, evaluate):
    """A finished entry of `owner`, waiting for review."""
    make_task(slug="alpha")
    submission = create_submission(FAST, model_name="awaiting", user=people["owner"])
    Submission.objects.filter(pk=submission.pk).update(moderation=Moderation.PENDING)
    evaluate(submission.pk)
    submission.refresh_from_db()
    return submission


def _upload_as(user, upload_file, name="m"):
    return submission_create(
        user=user, model_name=name, upload=upload_file(b'{"task_id": "alpha", "completion": "x"}')
    )


def test_an_ordinary_users_upload_waits_for_review(people, make_task, upload_file):
    make_task(slug="alpha")

    submission = _upload_as(people["owner"], upload_file)

    assert submission.moderation == Moderation.PENDING
    assert not AuditLog.objects.exists()


def test_a_trusted_users_upload_is_approved_and_recorded(people, make_task, upload_file):
    make_task(slug="alpha")
    Profile.objects.create(user=people["owner"], trusted=True)

    submission = _upload_as(people["owner"], upload_file)

    assert Submission.objects.get(pk=submission.pk).moderation == Moderation.APPROVED
    log = AuditLog.objects.get()
    assert (log.action, log.actor, log.to_state) == (
        ModerationAction.AUTO_APPROVE,
        None,
        "approved",
    )


def test_staff_uploads_are_approved(people, make_task, upload_file):
    make_task(slug="alpha")

    submission = _upload_as(people["staff"], upload_file)

    assert Submission.objects.get(pk=submission.pk).moderation == Moderation.APPROVED


def test_a_pending_entry_is_scored_but_not_public_until_approved(client, pending, people):
    assert pending.status == SubmissionStatus.DONE and pending.pass_at_1 == 1.0
    assert "awaiting" not in client.get(reverse("portal:leaderboard")).content.decode()

    submission_moderate(
        submission_id=pending.pk, actor=people["staff"], action=ModerationAction.APPROVE
    )

    assert "awaiting" in client.get(reverse("portal:leaderboard")).content.decode()
    log = AuditLog.objects.get()
    assert (log.actor, log.action, log.from_state, log.to_state) == (
        people["staff"],
        ModerationAction.APPROVE,
        "pending",
        "approved",
    )


@pytest.mark.parametrize("action", [ModerationAction.HIDE, ModerationAction.REJECT])
def test_hide_and_reject_need_a_reason(pending, people, action):
    with pytest.raises(ModerationError, match="reason"):
        submission_moderate(
            submission_id=pending.pk, actor=people["staff"], action=action, reason="  "
        )

    assert Submission.objects.get(pk=pending.pk).moderation == Moderation.PENDING
    assert not AuditLog.objects.exists()


def test_an_action_that_does_not_apply_is_refused_and_not_recorded(pending, people):
    submission_moderate(
        submission_id=pending.pk,
        actor=people["staff"],
        action=ModerationAction.REJECT,
        reason="spam",
    )

    with pytest.raises(ModerationError, match="rejected"):
        submission_moderate(
            submission_id=pending.pk,
            actor=people["staff"],
            action=ModerationAction.REJECT,
            reason="again",
        )
    assert AuditLog.objects.count() == 1


def test_reject_then_reopen_then_approve_keeps_the_whole_history(pending, people, uploader_client):
    staff = people["staff"]
    for action, reason in (
        (ModerationAction.REJECT, "metadata missing"),
        (ModerationAction.REOPEN, "metadata added"),
        (ModerationAction.APPROVE, ""),
    ):
        submission_moderate(submission_id=pending.pk, actor=staff, action=action, reason=reason)

    history = list(selectors.submission_moderation_history(submission=pending))
    assert [entry.action for entry in history] == ["approve", "reopen", "reject"]
    assert [entry.to_state for entry in history] == ["approved", "pending", "rejected"]
    page = uploader_client.get(pending.get_absolute_url()).content.decode()
    assert "metadata missing" in page and "metadata added" in page


def test_owner_sees_the_state_and_reason_of_a_rejected_entry(client, pending, people):
    submission_moderate(
        submission_id=pending.pk,
        actor=people["staff"],
        action=ModerationAction.REJECT,
        reason="completions copied from the references",
    )
    client.force_login(people["owner"])

    page = client.get(pending.get_absolute_url()).content.decode()

    assert "rejected this entry" in page
    assert "completions copied from the references" in page


def test_the_public_log_lists_actions_on_public_entries_only(client, pending, people, judged):
    staff = people["staff"]
    submission_moderate(submission_id=pending.pk, actor=staff, action=ModerationAction.APPROVE)
    gone = judged([{"task_id": "alpha", "completion": "FAST"}], model_name="later-hidden")
    submission_moderate(
        submission_id=gone.pk, actor=staff, action=ModerationAction.HIDE, reason="secret reason"
    )

    page = client.get(reverse("portal:moderation_log")).content.decode()

    assert "awaiting" in page and "mod" in page
    assert "later-hidden" not in page and "secret reason" not in page


@pytest.fixture
def judged(make_task, create_submission, fake_judge, evaluate):
    """Judge a public entry on task alpha (created once)."""

    def judge(rows, model_name="m", **fields):
        if not Task.objects.filter(slug="alpha").exists():
            make_task(slug="alpha")
        submission = create_submission(rows, model_name=model_name, **fields)
        evaluate(submission.pk)
        submission.refresh_from_db()
        return submission

    return judge


def test_users_flag_a_public_entry_once_and_staff_resolve_it(client, pending, people):
    staff = people["staff"]
    submission_moderate(submission_id=pending.pk, actor=staff, action=ModerationAction.APPROVE)
    client.force_login(people["other"])
    url = reverse("portal:submission_flag", args=[pending.pk])

    first = client.post(url, {"reason": "the version is wrong"}, follow=True)
    second = client.post(url, {"reason": "again"}, follow=True)

    assert "moderators will look" in first.content.decode()
    assert "already flagged" in second.content.decode()
    flag = Flag.objects.get()
    assert (flag.user, flag.reason, flag.is_open) == (people["other"], "the version is wrong", True)

    assert flag_resolve(flag_id=flag.pk, actor=staff, resolution="version fixed")
    assert not flag_resolve(flag_id=flag.pk, actor=staff, resolution="twice")
    flag.refresh_from_db()
    assert not flag.is_open and flag.resolved_by == staff
    assert AuditLog.objects.filter(action=ModerationAction.FLAG_RESOLVE).count() == 1
    # Resolved, the user may flag it again.
    client.post(url, {"reason": "still wrong"})
    assert Flag.objects.filter(resolved_at__isnull=True).count() == 1


def test_flags_need_a_reason_and_a_public_entry_not_ones_own(client, pending, people):
    with pytest.raises(FlagInvalid, match="Only public"):
        flag_create(submission=pending, user=people["other"], reason="x")
    Submission.objects.filter(pk=pending.pk).update(moderation=Moderation.APPROVED)
    pending.refresh_from_db()
    with pytest.raises(FlagInvalid, match="Say what"):
        flag_create(submission=pending, user=people["other"], reason=" ")
    with pytest.raises(FlagInvalid, match="your own"):
        flag_create(submission=pending, user=people["owner"], reason="mine")
    assert not Flag.objects.exists()


def test_flagging_a_private_entry_is_404_and_anonymous_flags_go_to_sign_in(client, pending, people):
    url = reverse("portal:submission_flag", args=[pending.pk])

    anonymous = client.post(url, {"reason": "x"})
    client.force_login(people["other"])
    other = client.post(url, {"reason": "x"})

    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert other.status_code == 404
    assert not Flag.objects.exists()


def test_trust_is_recorded_and_only_changes_once(people):
    staff, owner = people["staff"], people["owner"]

    assert user_set_trusted(user=owner, actor=staff, trusted=True, reason="known lab")
    assert not user_set_trusted(user=owner, actor=staff, trusted=True)

    assert Profile.objects.get(user=owner).trusted
    log = AuditLog.objects.get()
    assert (log.action, log.target_user, log.reason) == ("trust", owner, "known lab")


def test_batch_rejudge_runs_in_the_background_with_progress_and_records_each(
    judged, people, rq_sync, django_capture_on_commit_callbacks, fake_judge
):
    first = judged(FAST, model_name="one")
    second = judged(FAST, model_name="two")
    judged_before = len(fake_judge.judged)

    with django_capture_on_commit_callbacks(execute=True):
        batch = rejudge_batch_create(
            actor=people["staff"],
            submission_ids=[first.pk, second.pk, first.pk],
            description="harness 2 → 3",
            reason="harness change",
        )

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total) == (BatchStatus.DONE, 2, 2)
    assert batch.progress_percent == 100
    for submission in (first, second):
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.DONE  # judged again, inline (RQ sync)
    rejudges = AuditLog.objects.filter(action=ModerationAction.REJUDGE)
    assert rejudges.count() == 2
    assert all("harness change" in entry.reason for entry in rejudges)
    assert len(fake_judge.judged) == judged_before + 2


def test_a_batch_resumes_after_the_submissions_it_already_handled(judged, people, monkeypatch):
    first = judged(FAST, model_name="one")
    second = judged(FAST, model_name="two")
    monkeypatch.setattr("portal.queue.rejudge_batch_enqueue", lambda **kwargs: None)
    batch = rejudge_batch_create(
        actor=people["staff"], submission_ids=[first.pk, second.pk], description="all"
    )
    RejudgeBatch.objects.filter(pk=batch.pk).update(done=1, status=BatchStatus.RUNNING)
    RejudgeBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.QUEUED)

    rejudge_batch_run(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.done) == (BatchStatus.DONE, 2)
    assert Submission.objects.get(pk=first.pk).status == SubmissionStatus.DONE  # untouched
    assert Submission.objects.get(pk=second.pk).status == SubmissionStatus.QUEUED


def test_admin_batch_rejudge_action_creates_a_batch(admin_client, judged, monkeypatch):
    first = judged(FAST, model_name="one")
    monkeypatch.setattr("portal.queue.rejudge_batch_enqueue", lambda **kwargs: None)

    response = admin_client.post(
        reverse("admin:portal_submission_changelist") + "?status__exact=done",
        {"action": "rejudge_in_background", "_selected_action": [first.pk]},
        follow=True,
    )

    batch = RejudgeBatch.objects.get()
    assert batch.submission_ids == [first.pk] and batch.total == 1
    assert "status__exact=done" in batch.description
    assert f">#{batch.pk}</a> queued for 1 submission(s)" in response.content.decode()
    detail = admin_client.get(reverse("admin:portal_rejudgebatch_change", args=[batch.pk]))
    assert detail.status_code == 200 and "0/1" in detail.content.decode()


def test_the_audit_log_cannot_be_edited_in_the_admin(admin_client, pending, people):
    submission_moderate(
        submission_id=pending.pk, actor=people["staff"], action=ModerationAction.APPROVE
    )
    entry = AuditLog.objects.get()

    listing = admin_client.get(reverse("admin:portal_auditlog_changelist"))
    delete = admin_client.post(reverse("admin:portal_auditlog_delete", args=[entry.pk]))

    assert listing.status_code == 200 and "awaiting" in listing.content.decode()
    assert delete.status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_admin_trust_action_records_it(admin_client, people):
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "trust", "_selected_action": [people["owner"].pk]},
    )

    assert response.status_code == 302
    assert Profile.objects.get(user=people["owner"]).trusted
    assert AuditLog.objects.get().action == ModerationAction.TRUST


def test_a_duplicate_of_another_users_private_entry_is_refused_without_naming_it(
    client, pending, people, jsonl, upload_file
):
    client.force_login(people["other"])
    data = jsonl(*FAST)

    page = client.post(reverse("portal:upload"), {"model_name": "x", "file": upload_file(data)})
    api = client.post(
        reverse("portal:api_submissions"),
        {
            "model_name": "awaiting",
            "file": upload_file(jsonl({"task_id": "alpha", "completion": "y"})),
        },
        HTTP_AUTHORIZATION=f"Token {api_token_create(user=people['other']).key}",
    )

    assert page.status_code == 409
    body = page.content.decode()
    assert "already submitted by another account" in body
    assert "awaiting" not in body and f"/submissions/{pending.pk}/" not in body
    assert api.status_code == 409
    assert api.json() == {
        "detail": "awaiting was already submitted by another account; give the new run a "
        "different version (for example the date or the generation settings).",
        "duplicate_of": None,
    }


def test_an_admin_hide_without_a_reason_asks_again_and_changes_nothing(
    admin_client, pending, people
):
    submission_moderate(
        submission_id=pending.pk, actor=people["staff"], action=ModerationAction.APPROVE
    )
    url = reverse("admin:portal_submission_changelist")
    chosen = {"action": "hide", "_selected_action": [pending.pk]}

    blank = admin_client.post(url, {**chosen, "apply": "1", "reason": "   "})

    assert blank.status_code == 200
    assert "Say why: the owner sees the reason" in blank.content.decode()
    assert Submission.objects.get(pk=pending.pk).moderation == "approved"
    done = admin_client.post(url, {**chosen, "apply": "1", "reason": "copied outputs"}, follow=True)
    assert done.status_code == 200
    hidden = Submission.objects.get(pk=pending.pk)
    assert (hidden.moderation, hidden.moderation_reason) == ("hidden", "copied outputs")
