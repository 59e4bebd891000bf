"""Uploads in the formats researchers have, and checking a file without storing or spending."""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import selectors
from portal.models import Result, Submission
from portal.services.accounts import api_token_create

CLASS = "class Solution:\n    def solve(self, x: int) -> int:\n        return x\n"
STARTER = "class Solution:\n    def solve(self, x: int) -> int:\n        "


@pytest.fixture
def tasks(make_task: Any) -> list[str]:
    for slug in ("alpha", "beta"):
        make_task(slug=slug)
    return ["alpha", "beta"]


def _file(payload: object, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(payload).encode(), content_type="application/json")


MERCURY = {
    "alpha": [{"task_id": "alpha", "completion": CLASS}],
    "beta": [{"completion": "return x"}],
}


def test_a_mercury_samples_file_is_stored_with_bodies_joined(tasks, uploader_client):
    response = uploader_client.post(
        reverse("portal:upload"),
        {"model_name": "m", "file": _file(MERCURY, "gpt_samples.json"), "action": "submit"},
    )

    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()
    codes = dict(Result.objects.values_list("task__slug", "code"))
    assert codes == {"alpha": CLASS, "beta": STARTER + "return x"}
    assert set(Result.objects.values_list("line", flat=True)) == {0}


def test_bigcode_generations_need_the_mercury_order(tasks, uploader_client):
    # Our test tasks are not Mercury's eval split: the first list belongs to spiral-matrix.
    response = uploader_client.post(
        reverse("portal:upload"),
        {"model_name": "m", "file": _file([[CLASS]], "generations.json"), "action": "submit"},
    )

    assert response.status_code == 400
    assert "list 1 (spiral-matrix), sample 1: unknown task_id" in response.content.decode()
    assert not Submission.objects.exists()


def test_checking_a_file_stores_nothing_and_uses_no_quota(tasks, uploader_client, settings):
    settings.MERCURY_SUBMISSIONS_PER_DAY = 1
    body = "\n".join(
        [
            json.dumps({"task_id": "alpha", "solution": CLASS}),
            json.dumps({"task_id": "beta", "solution": "return 1"}),
        ]
    )
    for _ in range(3):  # more checks than the daily quota allows uploads
        response = uploader_client.post(
            reverse("portal:upload"),
            {
                "model_name": "m",
                "action": "check",
                "file": SimpleUploadedFile("c.jsonl", body.encode()),
            },
        )
        assert response.status_code == 200
    page = response.content.decode()
    assert "The file would be refused" in page and "nothing stored, no quota used" in page
    assert "line 2: it has no `class Solution`" in page
    assert 'value="m"' in page  # what was typed stays in the form
    assert not Submission.objects.exists() and not Result.objects.exists()

    good = json.dumps({"task_id": "alpha", "completion": "return x"}).encode()
    response = uploader_client.post(
        reverse("portal:upload"),
        {"model_name": "m", "action": "check", "file": SimpleUploadedFile("c.jsonl", good)},
    )
    page = response.content.decode()
    assert "The file can be submitted" in page
    assert "1 method body continuing the prompt joined" in page
    assert "1 of the 2 tasks have no sample and would count as failed" in page


def test_the_api_checks_a_file_without_storing_or_spending(tasks, uploader, client, settings):
    settings.MERCURY_SUBMISSIONS_PER_DAY = 1
    key = api_token_create(user=uploader).key
    url = reverse("portal:api_submissions_validate")
    for _ in range(2):
        response = client.post(
            url, {"file": _file(MERCURY, "m_samples.json")}, HTTP_AUTHORIZATION=f"Token {key}"
        )
        assert response.status_code == 200
    data = response.json()
    assert data["valid"] is True and data["errors"] == []
    assert (data["samples"], data["tasks"], data["tasks_total"], data["joined"]) == (2, 2, 2, 1)
    assert data["format"].startswith("Mercury's *_samples.json")
    assert not Submission.objects.exists()
    assert selectors.quota_for(user=uploader).daily_remaining == 1

    bad = client.post(
        url,
        {"file": _file({"alpha": [{"solution": "return 1"}]}, "e_eval.json")},
        HTTP_AUTHORIZATION=f"Token {key}",
    ).json()
    assert bad["valid"] is False
    assert bad["errors"][0].startswith("task 'alpha', sample 1: it has no `class Solution`")
    assert client.post(url, {"file": _file(MERCURY, "x.json")}).status_code == 401


def test_a_used_up_quota_disables_the_upload_and_says_why_once(
    tasks, uploader_client, uploader, settings, create_submission
):
    settings.MERCURY_SUBMISSIONS_PER_DAY = 1
    create_submission([{"task_id": "alpha", "completion": CLASS}], user=uploader)

    page = uploader_client.get(reverse("portal:upload")).content.decode()

    assert page.count("You have used all 1 uploads of the last 24 hours") == 1
    assert 'id="submit-button" disabled' in page
    assert "Entries are reviewed before they are public" in page
    assert reverse("portal:example_completions") in page


def test_the_example_file_is_served(client):
    response = client.get(reverse("portal:example_completions"))
    lines = b"".join(response.streaming_content if response.streaming else [response.content])
    assert response.status_code == 200
    assert all(json.loads(line)["task_id"] for line in lines.splitlines())
