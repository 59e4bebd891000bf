"""Authorization matrix: anonymous, owner, another user and staff × every page and endpoint.

A private entry (pending review) must not exist for anyone but its owner and staff: not on its
own pages, and not through lists, charts, exports or the API.
"""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, reverse

from portal.models import Moderation, Result, Submission
from portal.services.accounts import api_token_create, moderators_group_ensure
from portal.urls import portal_patterns

User = get_user_model()


def _moderator():
    """A staff member of the Moderators group (created by migration 0004)."""
    user = User.objects.create_user("mod", password="mod-password-1", is_staff=True)
    user.groups.add(moderators_group_ensure())
    return user


SECRET = "SECRET-PRIVATE-MODEL"
ROLES = ("anonymous", "owner", "other", "staff")
# Status for (anonymous, owner, other, staff).
ALL_OK = (200, 200, 200, 200)
PRIVATE = (404, 200, 404, 200)
SIGN_IN = (302, 200, 200, 200)
STAFF_ONLY = (302, 302, 302, 200)
SIGNED_OUT_ONLY = (200, 302, 302, 302)  # sign-up: a signed-in user goes to the profile
TOKEN_ONLY = (401, 401, 401, 401)  # the API's own list: a token, never the session


@pytest.fixture
def world(db, make_task, create_submission, fake_judge, evaluate):
    """Task alpha; a public and a private (pending) entry of `owner`, both judged."""
    make_task(slug="alpha")
    people = {
        "owner": User.objects.create_user("owner", password="owner-password-1"),
        "other": User.objects.create_user("other", password="other-password-1"),
        "staff": _moderator(),
    }
    public = create_submission(
        [{"task_id": "alpha", "completion": "FAST"}],
        model_name="public-model",
        user=people["owner"],
    )
    private = create_submission(
        [{"task_id": "alpha", "completion": "slow"}],
        model_name=SECRET,
        user=people["owner"],
        moderation=Moderation.PENDING,
    )
    for submission in (public, private):
        evaluate(submission.pk)
    return {"people": people, "public": public, "private": private}


def _client(client: Any, world: dict[str, Any], role: str) -> Any:
    if role != "anonymous":
        client.force_login(world["people"][role])
    return client


def _entry_urls(submission: Submission) -> dict[str, str]:
    pk = submission.pk
    result = Result.objects.filter(submission=submission).first()
    return {
        "submission_detail": reverse("portal:submission_detail", args=[pk]),
        "submission_status": reverse("portal:submission_status", args=[pk]),
        "submission_results_csv": reverse("portal:submission_results_csv", args=[pk]),
        "submission_results_json": reverse("portal:submission_results_json", args=[pk]),
        "submission_chart": reverse("portal:submission_chart", args=[pk, "beyond"]),
        "submission_bundle": reverse("portal:submission_bundle", args=[pk]),
        "result_code": reverse("portal:result_code", args=[pk, result.pk]),
        "api_submission": reverse("portal:api_submission", args=[pk]),
        "api_submission_results": reverse("portal:api_submission_results", args=[pk]),
    }


# Pages and endpoints that do not name an entry: (name, args, expected per role).
GENERAL = [
    ("leaderboard", [], ALL_OK),
    ("leaderboard_csv", [], ALL_OK),
    ("leaderboard_json", [], ALL_OK),
    ("leaderboard_chart", [], ALL_OK),
    ("leaderboard_percentiles", [], ALL_OK),
    ("prompts_jsonl", [], ALL_OK),
    ("example_completions", [], ALL_OK),
    ("about", [], ALL_OK),
    ("docs_api", [], ALL_OK),
    ("openapi_yaml", [], ALL_OK),
    ("compare", [], ALL_OK),
    ("upload", [], SIGN_IN),
    ("task_list", [], ALL_OK),
    ("task_detail", ["alpha"], ALL_OK),
    ("task_chart", ["alpha"], ALL_OK),
    ("moderation_log", [], ALL_OK),
    ("api_leaderboard", [], ALL_OK),
    ("api_tasks", [], ALL_OK),
    ("api_task", ["alpha"], ALL_OK),
    ("api_submissions", [], TOKEN_ONLY),
    ("signup", [], SIGNED_OUT_ONLY),
    ("profile", [], SIGN_IN),
]
# Endpoints that only take POST (checked apart below).
POST_ONLY = {
    "api_submissions",
    "api_submissions_validate",
    "submission_flag",
    "token_create",
    "token_revoke",
    "notifications",
}
ENTRY = {
    "submission_detail",
    "submission_status",
    "submission_results_csv",
    "submission_results_json",
    "submission_chart",
    "submission_bundle",
    "result_code",
    "api_submission",
    "api_submission_results",
}


def test_the_matrix_covers_every_portal_url():
    names = {pattern.name for pattern in portal_patterns if isinstance(pattern, URLPattern)}
    covered = {name for name, _, _ in GENERAL} | POST_ONLY | ENTRY

    assert names == covered


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "args", "expected"), GENERAL, ids=[g[0] for g in GENERAL])
def test_general_pages(client, world, role, name, args, expected):
    response = _client(client, world, role).get(reverse(f"portal:{name}", args=args))

    assert response.status_code == expected[ROLES.index(role)]
    if response.status_code == 200 and not response.streaming:
        body = response.content.decode(errors="replace")
        # The owner's profile lists the owner's own entries, the private one included.
        assert (SECRET in body) == (name == "profile" and role == "owner")


@pytest.mark.parametrize("role", ROLES)
def test_entry_pages_of_a_public_entry_are_open_to_all(client, world, role):
    browser = _client(client, world, role)

    statuses = {
        name: browser.get(url).status_code for name, url in _entry_urls(world["public"]).items()
    }

    assert statuses == dict.fromkeys(statuses, 200)


@pytest.mark.parametrize("role", ROLES)
def test_entry_pages_of_a_private_entry_only_for_owner_and_staff(client, world, role):
    browser = _client(client, world, role)
    expected = PRIVATE[ROLES.index(role)]

    responses = {name: browser.get(url) for name, url in _entry_urls(world["private"]).items()}

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(
        responses, expected
    )
    if expected == 404:
        for response in responses.values():
            assert SECRET not in response.content.decode(errors="replace")


@pytest.mark.parametrize("role", ROLES)
def test_private_entries_leak_through_no_list_chart_export_or_api(client, world, role):
    browser = _client(client, world, role)
    public, private = world["public"], world["private"]
    urls = [
        reverse("portal:leaderboard"),
        reverse("portal:leaderboard_csv"),
        reverse("portal:leaderboard_json"),
        reverse("portal:leaderboard_chart"),
        reverse("portal:api_leaderboard"),
        reverse("portal:task_detail", args=["alpha"]),
        reverse("portal:task_chart", args=["alpha"]),
        reverse("portal:moderation_log"),
        reverse("portal:compare") + f"?ids={public.pk},{private.pk}",
    ]

    for url in urls:
        body = browser.get(url).content.decode(errors="replace")
        assert SECRET not in body, url
        assert f"/submissions/{private.pk}/" not in body, url
    # The task's runtime chart holds the public sample only (the private one ran "slow").
    points = browser.get(reverse("portal:task_chart", args=["alpha"])).json()
    assert f'"submission_id": {private.pk}' not in str(points)


def test_api_reads_of_a_private_entry_need_the_owners_or_staffs_token(client, world):
    people, private = world["people"], world["private"]
    url = reverse("portal:api_submission", args=[private.pk])
    keys = {role: api_token_create(user=people[role]).key for role in people}

    by_token = {
        role: client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code
        for role, key in keys.items()
    }
    bad_token = client.get(url, HTTP_AUTHORIZATION="Token mk_not-a-key").status_code

    assert by_token == {"owner": 200, "other": 404, "staff": 200}
    assert bad_token == 401  # a wrong or revoked token is refused, not taken as anonymous


@pytest.mark.parametrize("role", ROLES)
def test_admin_and_queue_dashboard_are_staff_only(client, world, role):
    browser = _client(client, world, role)
    expected = STAFF_ONLY[ROLES.index(role)]

    for url in (
        reverse("admin:index"),
        reverse("admin:portal_submission_changelist"),
        reverse("admin:portal_auditlog_changelist"),
        reverse("admin:portal_flag_changelist"),
        "/admin/django-rq/",
    ):
        assert browser.get(url).status_code == expected, url


@pytest.mark.parametrize(
    ("role", "entry", "expected"),
    [
        ("anonymous", "public", 302),  # to sign in
        ("owner", "public", 302),  # refused with a message: one's own entry
        ("other", "public", 302),  # flagged
        ("staff", "public", 302),
        ("other", "private", 404),
        ("owner", "private", 302),  # refused: not public
    ],
)
def test_flag_endpoint(client, world, role, entry, expected):
    browser = _client(client, world, role)

    response = browser.post(
        reverse("portal:submission_flag", args=[world[entry].pk]), {"reason": "why"}
    )

    assert response.status_code == expected
    flagged = world[entry].flags.exists()
    assert flagged == (role in ("other", "staff") and entry == "public")


def test_api_upload_needs_a_token(client, world):
    response = client.post(reverse("portal:api_submissions"), {"model_name": "x"})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
