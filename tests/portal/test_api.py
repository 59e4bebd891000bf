"""JSON API: token-authenticated uploads and the status read."""

import hashlib

from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.models import ApiToken, Submission
from portal.services.accounts import api_token_authenticate, api_token_create, api_token_revoke

User = get_user_model()


def _token(username="alice"):
    user = get_user_model().objects.create_user(username=username, password="x-long-password")
    return user, api_token_create(user=user).key


def test_api_upload_without_token_is_401_and_stores_nothing(client, make_task, jsonl, upload_file):
    make_task(slug="alpha")

    response = client.post(
        reverse("portal:api_submissions"),
        {"model_name": "m", "file": upload_file(jsonl({"task_id": "alpha", "completion": "x"}))},
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert Submission.objects.count() == 0


def test_api_upload_with_token_creates_a_submission(client, make_task, jsonl, upload_file):
    make_task(slug="alpha")
    user, key = _token()

    response = client.post(
        reverse("portal:api_submissions"),
        {
            "model_name": "api-m",
            "file": upload_file(jsonl({"task_id": "alpha", "completion": "x"})),
        },
        headers={"Authorization": f"Token {key}"},
    )

    submission = Submission.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": submission.pk,
        "status": "queued",
        "url": f"http://testserver/submissions/{submission.pk}/",
    }
    assert submission.user == user
    assert submission.model_name == "api-m"


def test_api_upload_reports_line_errors(client, make_task, jsonl, upload_file):
    make_task(slug="alpha")
    _user, key = _token()

    response = client.post(
        reverse("portal:api_submissions"),
        {"model_name": "m", "file": upload_file(jsonl({"task_id": "nope", "completion": "x"}))},
        headers={"Authorization": f"Token {key}"},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == ["line 1: unknown task_id 'nope'"]
    assert Submission.objects.count() == 0


def test_api_token_revoke_stops_only_that_key(db):
    user, old = _token()
    new = api_token_create(user=user, name="second")

    assert api_token_revoke(user=user, token_id=new.token.pk)
    assert api_token_authenticate(header=f"Token {new.key}") is None
    assert api_token_authenticate(header=f"Token {old}") == user
    assert api_token_authenticate(header=f"Bearer {old}") is None


def test_api_token_is_stored_only_as_its_hash(db):
    user = User.objects.create_user("hashed")
    issued = api_token_create(user=user, name="ci")

    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key.startswith(stored.prefix)


def test_api_token_revoke_refuses_another_users_token(db):
    owner, key = _token()
    other = User.objects.create_user("other")
    token = ApiToken.objects.get(user=owner)

    assert not api_token_revoke(user=other, token_id=token.pk)
    assert api_token_authenticate(header=f"Token {key}") == owner


def test_api_submission_status(client, make_task, create_submission):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])

    data = client.get(reverse("portal:api_submission", args=[submission.pk])).json()

    assert data["status"] == "queued"
    assert data["progress"] == {"done": 0, "total": 1}
