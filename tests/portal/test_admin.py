"""Admin: submissions and results are listed and filterable; moderation actions work."""

from django.urls import reverse

from portal.models import AuditLog, Moderation, ModerationAction, Submission, SubmissionStatus


def test_admin_lists_submissions_and_results_with_filters(
    admin_client, make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "FAST"}], model_name="adm")
    evaluate(submission.pk)

    submissions = admin_client.get(reverse("admin:portal_submission_changelist") + "?status=done")
    results = admin_client.get(reverse("admin:portal_result_changelist") + "?verdict=passed")
    change = admin_client.get(reverse("admin:portal_submission_change", args=[submission.pk]))
    tasks = admin_client.get(reverse("admin:portal_task_changelist"))

    assert submissions.status_code == results.status_code == change.status_code == 200
    assert tasks.status_code == 200
    assert "adm" in submissions.content.decode()
    assert "Alpha" in results.content.decode()  # the task, as "<id>. <title>"


def test_admin_hide_action_removes_a_submission_from_the_leaderboard(
    admin_client, make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "FAST"}], model_name="spam")
    evaluate(submission.pk)

    changelist = reverse("admin:portal_submission_changelist")
    ask = admin_client.post(changelist, {"action": "hide", "_selected_action": [submission.pk]})
    refused = admin_client.post(
        changelist, {"action": "hide", "_selected_action": [submission.pk], "apply": "1"}
    )
    untouched = Submission.objects.get(pk=submission.pk).moderation
    response = admin_client.post(
        changelist,
        {
            "action": "hide",
            "_selected_action": [submission.pk],
            "apply": "1",
            "reason": "duplicate of #1",
        },
    )

    assert ask.status_code == 200 and "say why" in ask.content.decode()
    # No reason: the form asks again (200) and nothing changes.
    assert refused.status_code == 200 and untouched == Moderation.APPROVED
    assert "Say why" in refused.content.decode()
    assert response.status_code == 302
    hidden = Submission.objects.get(pk=submission.pk)
    assert hidden.moderation == Moderation.HIDDEN
    assert hidden.moderation_reason == "duplicate of #1"
    log = AuditLog.objects.get(action=ModerationAction.HIDE)
    assert (log.submission, log.reason, log.from_state) == (hidden, "duplicate of #1", "approved")
    assert "spam" not in admin_client.get("/").content.decode()


def test_admin_requeue_action_resumes_an_errored_submission(
    admin_client, make_task, create_submission
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.ERROR)

    admin_client.post(
        reverse("admin:portal_submission_changelist"),
        {"action": "requeue", "_selected_action": [submission.pk]},
    )

    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.QUEUED
