"""E-mail to the owner when an evaluation finishes or fails: once, after commit, if wanted."""

import logging

import pytest
from django.contrib.auth import get_user_model

from portal.models import Profile, Submission
from portal.services.accounts import profile_set_notify
from portal.services.evaluation import submission_fail, submission_finish, submission_rejudge

ROWS = [{"task_id": "alpha", "completion": "FAST"}, {"task_id": "alpha", "completion": "WRONG"}]


@pytest.fixture
def owner(db, make_task):
    make_task(slug="alpha")
    user = get_user_model().objects.create_user(
        "owner", email="owner@example.org", password="x-long-password"
    )
    Profile.objects.create(user=user)
    return user


def test_finish_mails_the_owner_once_with_the_scores_and_a_link(
    owner,
    create_submission,
    fake_judge,
    mailoutbox,
    settings,
    django_capture_on_commit_callbacks,
    evaluate,
):
    settings.MERCURY_BASE_URL = "https://mercury.example.org"
    submission = create_submission(ROWS, user=owner, model_name="mailed")

    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate(submission.pk)
        # A second finisher (another chunk) loses the compare-and-swap: no second mail.
        assert not submission_finish(submission_id=submission.pk)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["owner@example.org"]
    assert mail.subject == f"Mercury Leaderboard: #{submission.pk} mailed is scored"
    assert "Pass@1: 50.0%" in mail.body
    assert "Beyond@1: 50.0%" in mail.body
    assert f"https://mercury.example.org/submissions/{submission.pk}/" in mail.body


def test_mail_waits_for_the_commit(owner, create_submission, fake_judge, mailoutbox, evaluate):
    submission = create_submission(ROWS, user=owner)

    evaluate(submission.pk)  # the test's transaction is open

    assert mailoutbox == []


def test_failure_mails_the_error_once(
    owner, create_submission, mailoutbox, django_capture_on_commit_callbacks
):
    submission = create_submission(ROWS, user=owner, model_name="broken")

    with django_capture_on_commit_callbacks(execute=True):
        assert submission_fail(submission_id=submission.pk, message="RuntimeError: boom")
        assert not submission_fail(submission_id=submission.pk, message="again")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == f"Mercury Leaderboard: #{submission.pk} broken failed"
    assert "Error: RuntimeError: boom" in mailoutbox[0].body


def test_no_mail_when_opted_out_or_without_an_address(
    owner, create_submission, fake_judge, mailoutbox, django_capture_on_commit_callbacks, evaluate
):
    profile_set_notify(user=owner, notify_by_email=False)
    no_address = get_user_model().objects.create_user("quiet", password="x-long-password")
    first = create_submission(ROWS, user=owner, model_name="a")
    second = create_submission(ROWS, user=no_address, model_name="b")
    system = create_submission(ROWS, model_name="c")

    with django_capture_on_commit_callbacks(execute=True):
        for submission in (first, second, system):
            evaluate(submission.pk)

    assert Submission.objects.filter(status="done").count() == 3
    assert mailoutbox == []


def test_a_mail_failure_is_logged_and_never_fails_the_job(
    owner,
    create_submission,
    fake_judge,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
    evaluate,
):
    from portal.services import notifications

    def broken_send(*args, **kwargs):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr(notifications, "send_mail", broken_send)
    submission = create_submission(ROWS, user=owner)

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        assert evaluate(submission.pk)

    assert Submission.objects.get(pk=submission.pk).status == "done"
    assert f"could not e-mail the owner of submission {submission.pk}" in caplog.text


def test_a_rejudge_that_finishes_again_mails_again(
    owner, create_submission, fake_judge, mailoutbox, django_capture_on_commit_callbacks, evaluate
):
    submission = create_submission(ROWS, user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(submission.pk)
    # Outside the capture: its enqueue waits for a commit that never comes; judged inline here.
    submission_rejudge(submission_id=submission.pk)
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(submission.pk)

    assert len(mailoutbox) == 2
