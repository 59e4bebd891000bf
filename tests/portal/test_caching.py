"""The public page cache: invalidation by the public-data version, no per-user leakage, keys."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from portal import caching
from portal.models import Submission
from portal.services.calibration import calibration_ensure
from portal.services.evaluation import submission_rejudge
from portal.services.moderation import submission_moderate
from portal.services.tasks import task_load_from_fixtures


@pytest.fixture
def judged(make_task, create_submission, fake_judge, evaluate):
    """Tasks alpha and beta; judge one submission per call through the services."""
    make_task(slug="alpha")
    make_task(slug="beta", difficulty="Hard")

    def judge(model_name, completion="FAST"):
        submission = create_submission(
            [{"task_id": "alpha", "completion": completion}], model_name=model_name
        )
        evaluate(submission.pk)
        return Submission.objects.get(pk=submission.pk)

    return judge


LEADERBOARD_URLS = [
    "portal:leaderboard",
    "portal:leaderboard_csv",
    "portal:leaderboard_json",
    "portal:leaderboard_chart",
    "portal:api_leaderboard",
]


def test_a_repeated_anonymous_request_is_served_from_the_cache(
    client, judged, django_assert_num_queries
):
    judged("cached-model")
    first = client.get("/")

    with django_assert_num_queries(0):
        second = client.get("/")

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert "cached-model" in second.content.decode()


@pytest.mark.parametrize("name", LEADERBOARD_URLS)
def test_a_finished_submission_shows_at_once_on_every_leaderboard_page(client, judged, name):
    judged("first-model")
    before = client.get(reverse(name)).content.decode()
    assert "first-model" in before and "second-model" not in before

    judged("second-model")

    after = client.get(reverse(name)).content.decode()
    assert "first-model" in after and "second-model" in after


@pytest.mark.parametrize("name", LEADERBOARD_URLS)
def test_hiding_a_submission_removes_it_at_once(client, judged, admin_user, name):
    submission = judged("hide-me")
    assert "hide-me" in client.get(reverse(name)).content.decode()

    submission_moderate(submission_id=submission.pk, actor=admin_user, action="hide", reason="test")
    assert "hide-me" not in client.get(reverse(name)).content.decode()

    submission_moderate(submission_id=submission.pk, actor=admin_user, action="approve")
    assert "hide-me" in client.get(reverse(name)).content.decode()


def test_rejudging_takes_a_submission_off_the_cached_leaderboard(client, judged):
    submission = judged("rejudged")
    assert "rejudged" in client.get("/").content.decode()

    submission_rejudge(submission_id=submission.pk)

    assert "rejudged" not in client.get("/").content.decode()


def test_admin_deletion_and_edits_invalidate(admin_client, client, judged):
    submission = judged("deleted-model")
    assert "deleted-model" in client.get("/").content.decode()

    response = admin_client.post(
        reverse("admin:portal_submission_delete", args=[submission.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Submission.objects.filter(pk=submission.pk).exists()
    assert "deleted-model" not in client.get("/").content.decode()


def test_admin_hide_action_invalidates(admin_client, client, judged):
    submission = judged("moderated")
    assert "moderated" in client.get(reverse("portal:api_leaderboard")).content.decode()

    admin_client.post(
        reverse("admin:portal_submission_changelist"),
        {"action": "hide", "_selected_action": [submission.pk], "apply": "1", "reason": "spam"},
    )

    assert "moderated" not in client.get(reverse("portal:api_leaderboard")).content.decode()


def test_task_pages_follow_new_results_and_calibrations(client, judged, fake_judge):
    judged("on-the-task")
    before = client.get(reverse("portal:task_detail", args=["alpha"])).content.decode()
    assert "on-the-task" in before

    judged("also-on-the-task")
    after = client.get(reverse("portal:task_detail", args=["alpha"])).content.decode()
    chart = client.get(reverse("portal:task_chart", args=["alpha"])).content.decode()

    assert "also-on-the-task" in after and "also-on-the-task" in chart


def test_calibrations_leave_the_leaderboard_cache_alone(judged, make_task):
    judged("steady")
    leaderboard, tasks = (
        caching.public_version(caching.LEADERBOARD),
        caching.public_version(caching.TASKS),
    )

    calibration_ensure(task=make_task(slug="gamma"))

    assert caching.public_version(caching.LEADERBOARD) == leaderboard
    assert caching.public_version(caching.TASKS) != tasks


def test_task_reload_invalidates_both_areas(tiny_task):
    versions = {area: caching.public_version(area) for area in caching.AREAS}
    tiny_task.fingerprint = "old"
    tiny_task.save(update_fields=["fingerprint"])

    task_load_from_fixtures()

    assert all(caching.public_version(area) != versions[area] for area in caching.AREAS)


def test_the_version_is_replaced_again_when_the_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    # A page rebuilt between the change and its commit read the old rows: the second
    # replacement abandons it.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        caching.public_data_changed()
        during = caching.public_version()

    assert len(callbacks) == 1
    assert caching.public_version() != during


# --- per-user content ----------------------------------------------------------------------


def test_a_signed_in_staff_page_is_never_served_to_anonymous_visitors(admin_client, client, db):
    staff = admin_client.get("/").content.decode()
    anonymous = client.get("/").content.decode()

    assert 'href="/admin/"' in staff
    assert 'href="/admin/"' not in anonymous


def test_an_anonymous_cached_page_is_never_served_to_a_signed_in_user(admin_client, client, db):
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"

    staff = admin_client.get("/")

    assert "X-Cache" not in staff  # rendered for this user (from the cached public rows)
    assert 'href="/admin/"' in staff.content.decode()


def test_requests_with_cookies_or_credentials_skip_the_whole_page_cache(client, judged):
    judged("model")
    client.get("/")

    client.cookies["csrftoken"] = "x" * 32
    with_cookie = client.get("/")
    with_token = client.get(reverse("portal:task_list"), HTTP_AUTHORIZATION="Token abc")

    assert "X-Cache" not in with_cookie and "X-Cache" not in with_token
    assert "model" in with_cookie.content.decode()


def test_a_response_that_sets_a_cookie_is_not_stored(db):
    calls = []

    @caching.public_page(caching.LEADERBOARD, lambda request: {})
    def view(request):
        calls.append(1)
        response = HttpResponse(f"private {len(calls)}")
        response.set_cookie("sessionid", "secret")
        return response

    first = view(RequestFactory().get("/x"))
    second = view(RequestFactory().get("/x"))

    assert len(calls) == 2
    assert second.content == b"private 2" and first.cookies["sessionid"].value == "secret"


def test_the_upload_form_and_its_csrf_token_are_not_cached(uploader_client):
    first = uploader_client.get(reverse("portal:upload"))
    second = uploader_client.get(reverse("portal:upload"))

    assert "X-Cache" not in first and "X-Cache" not in second
    assert first.cookies["csrftoken"].value


# --- keys ----------------------------------------------------------------------------------


def test_equivalent_queries_share_one_entry(client, judged, django_assert_num_queries):
    judged("model")
    client.get("/?sort=rank&page=1")

    with django_assert_num_queries(0):
        same = client.get("/?page=1&utm_source=x&weights=nonsense")

    assert same["X-Cache"] == "hit"


def test_different_queries_get_different_entries(client, judged):
    judged("xq-low", completion="WRONG")
    judged("xq-high")

    ascending = client.get("/?sort=pass").content.decode()
    descending = client.get("/?sort=-pass").content.decode()

    assert ascending.index("xq-low") < ascending.index("xq-high")
    assert descending.index("xq-high") < descending.index("xq-low")


def test_cache_key_depends_on_the_normalized_params_and_version():
    key = caching.cache_key("leaderboard", "page", {"b": "2", "a": "1"}, "v1")

    assert key == caching.cache_key("leaderboard", "page", {"a": "1", "b": "2"}, "v1")
    assert key != caching.cache_key("leaderboard", "page", {"a": "1", "b": "2"}, "v2")
    assert key != caching.cache_key("leaderboard", "page", {"a": "1"}, "v1")


def test_page_cache_seconds_zero_turns_it_off(client, judged, settings):
    settings.MERCURY_PAGE_CACHE_SECONDS = 0
    judged("model")
    client.get("/")

    assert "X-Cache" not in client.get("/")


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/leaderboard.csv", "/api/leaderboard/", "/tasks/", "/tasks/alpha/", "/api/tasks/"],
)
def test_a_cache_that_is_down_degrades_to_uncached_pages(client, judged, settings, url):
    judged("still-shown")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }

    first = client.get(url)
    caching.public_data_changed()  # logged, never raised
    second = client.get(url)

    assert first.status_code == second.status_code == 200
    assert "X-Cache" not in second
    if url in ("/", "/leaderboard.csv", "/api/leaderboard/", "/tasks/alpha/"):
        assert "still-shown" in second.content.decode()
