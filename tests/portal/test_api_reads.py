"""JSON API reads and errors: own submissions, results, one task; 401, 404 and 405 as JSON."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.models import Calibration
from portal.services.accounts import api_token_create, api_token_revoke
from portal.services.calibration import calibration_ensure

User = get_user_model()
ROWS = [
    {"task_id": "alpha", "completion": "FAST"},
    {"task_id": "alpha", "completion": "WRONG"},
]


@pytest.fixture
def owner(db):
    user = User.objects.create_user("owner", password="x-long-password")
    return user, api_token_create(user=user).key


def _auth(key):
    return {"Authorization": f"Token {key}"}


def _judged(create_submission, evaluate, user=None, moderation="approved", name="m"):
    submission = create_submission(ROWS, model_name=name, user=user, moderation=moderation)
    evaluate(submission.pk)
    return submission


def test_list_own_submissions_needs_a_token(client, db):
    response = client.get(reverse("portal:api_submissions"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "Authorization: Token" in response.json()["detail"]


def test_list_own_submissions_in_every_state_and_no_one_elses(
    client, owner, make_task, create_submission
):
    user, key = owner
    make_task(slug="alpha")
    hidden = create_submission(ROWS, model_name="mine-hidden", user=user, moderation="hidden")
    queued = create_submission(ROWS, model_name="mine-queued", user=user, moderation="pending")
    create_submission(ROWS, model_name="theirs")

    data = client.get(reverse("portal:api_submissions"), headers=_auth(key)).json()

    assert [row["id"] for row in data["results"]] == [queued.pk, hidden.pk]
    assert data["results"][1]["moderation"] == "hidden"
    assert data["results"][0]["status"] == "queued"
    assert data["results"][0]["progress"] == {"done": 0, "total": 2}


def test_a_revoked_token_gets_401(client, owner):
    user, key = owner
    api_token_revoke(user=user, token_id=user.api_tokens.get().pk)

    response = client.get(reverse("portal:api_submissions"), headers=_auth(key))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_on_a_public_read_gets_401_not_anonymous(client, make_task, create_submission):
    make_task(slug="alpha")
    submission = create_submission(ROWS)

    response = client.get(
        reverse("portal:api_submission", args=[submission.pk]), headers=_auth("mk_nope")
    )

    assert response.status_code == 401


def test_results_of_a_judged_submission(client, make_task, create_submission, fake_judge, evaluate):
    make_task(slug="alpha")
    submission = _judged(create_submission, evaluate)

    response = client.get(reverse("portal:api_submission_results", args=[submission.pk]))

    data = response.json()
    assert response.status_code == 200
    assert data["status"] == "done" and data["finished"] is True
    assert data["pass@1"] == pytest.approx(0.5)
    assert data["results"] == [
        {
            "task_id": "alpha",
            "sample": 0,
            "verdict": "passed",
            "runtime_s": 0.005,
            "beyond": 1.0,
            "percentile": 100.0,
        },
        {
            "task_id": "alpha",
            "sample": 1,
            "verdict": "wrong_answer",
            "runtime_s": None,
            "beyond": 0.0,
            "percentile": None,
        },
    ]


def test_private_results_only_for_owner_and_staff(
    client, owner, admin_user, make_task, create_submission, fake_judge, evaluate
):
    user, key = owner
    make_task(slug="alpha")
    private = _judged(create_submission, evaluate, user=user, moderation="pending")
    stranger_key = api_token_create(
        user=User.objects.create_user("stranger", password="x-long-password")
    ).key
    url = reverse("portal:api_submission_results", args=[private.pk])

    anonymous = client.get(url)
    stranger = client.get(url, headers=_auth(stranger_key))
    mine = client.get(url, headers=_auth(key))
    client.force_login(admin_user)
    staff = client.get(url)

    assert anonymous.status_code == 404 and anonymous.json() == {"detail": "No such submission."}
    assert stranger.status_code == 404
    assert mine.status_code == 200 and len(mine.json()["results"]) == 2
    assert staff.status_code == 200


def test_unknown_submission_is_json_404(client, db):
    for name in ("portal:api_submission", "portal:api_submission_results"):
        response = client.get(reverse(name, args=[999]))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "No such submission."}


def test_task_detail_with_reference_runtimes(client, make_task, fake_judge):
    task = make_task(slug="alpha", difficulty="Medium")
    calibration_ensure(task=task)

    data = client.get(reverse("portal:api_task", args=["alpha"])).json()

    assert data["task_id"] == "alpha" and data["difficulty"] == "Medium"
    assert data["starter_code"].startswith("class Solution:")
    assert data["description"] == "Return **x**."
    assert "Return **x**." in data["prompt"] and data["prompt"].endswith(data["starter_code"])
    refs = data["references"]
    assert refs["names"] == ["direct", "slow"]
    assert refs["calibrated"] is True and refs["current_host"] is True
    assert refs["runtimes_s"] == {"direct": pytest.approx(0.01), "slow": pytest.approx(0.04)}
    assert (refs["fastest_s"], refs["slowest_s"]) == (pytest.approx(0.01), pytest.approx(0.04))
    assert refs["spread"] == Calibration.objects.get().spread


def test_task_detail_before_calibration_and_unknown_task(client, make_task):
    make_task(slug="alpha")

    data = client.get(reverse("portal:api_task", args=["alpha"])).json()
    missing = client.get(reverse("portal:api_task", args=["nope"]))

    assert data["references"]["calibrated"] is False
    assert data["references"]["runtimes_s"] == {}
    assert missing.status_code == 404 and missing.json() == {"detail": "No such task."}


@pytest.mark.parametrize(
    ("name", "args", "method", "allow"),
    [
        ("portal:api_leaderboard", [], "post", "GET, HEAD"),
        ("portal:api_tasks", [], "delete", "GET, HEAD"),
        ("portal:api_task", ["alpha"], "put", "GET, HEAD"),
        ("portal:api_submission", [1], "post", "GET, HEAD"),
        ("portal:api_submission_results", [1], "patch", "GET, HEAD"),
        ("portal:api_submissions", [], "delete", "GET, HEAD, POST"),
    ],
)
def test_other_methods_are_json_405(client, db, name, args, method, allow):
    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 405
    assert response["Allow"] == allow
    assert "is not allowed here" in response.json()["detail"]
