"""Upload quotas: per user per rolling day, queued at once, staff exempt; pages and API say so."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from evaluator.metrics import METRICS
from portal import selectors
from portal.models import Submission, SubmissionStatus
from portal.services.accounts import api_token_create
from portal.services.submissions import UploadThrottled

ROW = {"task_id": "alpha", "completion": "x"}


@pytest.fixture
def limits(settings, make_task):
    make_task(slug="alpha")
    settings.MERCURY_SUBMISSIONS_PER_DAY = 2
    settings.MERCURY_MAX_QUEUED_PER_USER = 0
    return settings


def _age(submission, *, hours: float, status: str = SubmissionStatus.DONE) -> None:
    """Move a submission back in time and out of the queue (done unless told)."""
    Submission.objects.filter(pk=submission.pk).update(
        created_at=timezone.now() - timedelta(hours=hours),
        status=status,
        **{metric.field: 0.5 for metric in METRICS},  # every registered figure of a done entry
    )


def _upload(create_submission, user, name="m"):
    return create_submission([ROW], model_name=name, user=user)


def test_daily_quota_refuses_with_the_seconds_until_the_oldest_upload_leaves(
    limits, uploader, create_submission
):
    _age(_upload(create_submission, uploader, "old"), hours=23)
    _age(_upload(create_submission, uploader, "new"), hours=1)

    with pytest.raises(UploadThrottled) as refused:
        _upload(create_submission, uploader, "third")

    # 23 h old: it leaves the 24 h window in one hour.
    assert 3590 <= refused.value.retry_after <= 3601
    assert "all 2 uploads of the last 24 hours" in str(refused.value)
    assert Submission.objects.count() == 2


def test_uploads_older_than_a_day_do_not_count(limits, uploader, create_submission):
    _age(_upload(create_submission, uploader, "a"), hours=25)
    _age(_upload(create_submission, uploader, "b"), hours=24.5)

    _upload(create_submission, uploader, "c")

    quota = selectors.quota_for(user=uploader)
    assert (quota.daily_used, quota.daily_remaining) == (1, 1)


def test_failed_submissions_count_toward_the_daily_quota(limits, uploader, create_submission):
    for name in ("a", "b"):
        _age(_upload(create_submission, uploader, name), hours=2, status=SubmissionStatus.ERROR)

    with pytest.raises(UploadThrottled):
        _upload(create_submission, uploader, "c")


def test_queued_at_once_limit(limits, uploader, create_submission):
    limits.MERCURY_SUBMISSIONS_PER_DAY = 0
    limits.MERCURY_MAX_QUEUED_PER_USER = 1
    first = _upload(create_submission, uploader, "a")

    with pytest.raises(UploadThrottled) as refused:
        _upload(create_submission, uploader, "b")
    assert refused.value.retry_after == 60
    assert "at most 1 at once" in str(refused.value)

    _age(first, hours=0)  # finished
    _upload(create_submission, uploader, "b")
    assert Submission.objects.count() == 2


def test_staff_and_the_system_are_exempt(limits, admin_user, create_submission):
    for name in ("a", "b", "c"):
        _upload(create_submission, admin_user, name)
        _upload(create_submission, None, f"system-{name}")

    assert Submission.objects.count() == 6
    assert selectors.quota_for(user=admin_user).exempt


def test_quotas_are_per_user(limits, uploader, create_submission):
    other = get_user_model().objects.create_user("other", password="x-long-password")
    _upload(create_submission, other, "a")
    _upload(create_submission, other, "b")

    _upload(create_submission, uploader, "c")

    assert selectors.quota_for(user=uploader).daily_remaining == 1
    assert selectors.quota_for(user=other).daily_remaining == 0


def test_api_answers_429_with_retry_after(
    limits, client, uploader, create_submission, jsonl, upload_file
):
    _age(_upload(create_submission, uploader, "a"), hours=20)
    _age(_upload(create_submission, uploader, "b"), hours=3)
    key = api_token_create(user=uploader).key

    response = client.post(
        reverse("portal:api_submissions"),
        {"model_name": "c", "file": upload_file(jsonl(ROW))},
        headers={"Authorization": f"Token {key}"},
    )

    assert response.status_code == 429
    assert 4 * 3600 - 10 <= int(response["Retry-After"]) <= 4 * 3600 + 1
    assert "uploads of the last 24 hours" in response.json()["detail"]
    assert Submission.objects.count() == 2


def test_upload_page_answers_429_with_the_message(
    limits, uploader_client, uploader, create_submission, jsonl, upload_file
):
    _age(_upload(create_submission, uploader, "a"), hours=1)
    _age(_upload(create_submission, uploader, "b"), hours=1)

    response = uploader_client.post(
        reverse("portal:upload"), {"model_name": "c", "file": upload_file(jsonl(ROW))}
    )

    body = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 22 * 3600
    assert "You have used all 2 uploads of the last 24 hours" in body
    assert "0 of 2 uploads left today" in body
    assert Submission.objects.count() == 2


def test_upload_and_profile_pages_say_what_is_left(
    settings, make_task, uploader_client, uploader, create_submission
):
    make_task(slug="alpha")
    settings.MERCURY_SUBMISSIONS_PER_DAY = 5
    settings.MERCURY_MAX_QUEUED_PER_USER = 2
    settings.MERCURY_MAX_UPLOAD_BYTES = 50 * 2**20
    _age(_upload(create_submission, uploader, "a"), hours=3)
    _upload(create_submission, uploader, "b")  # still queued

    for url in (reverse("portal:upload"), reverse("portal:profile")):
        body = " ".join(uploader_client.get(url).content.decode().split())
        assert "3 of 5 uploads left today; 1 of 2 may be queued; files up to 50.0 MB." in body
