"""Views: each test checks the response and the database state after it."""

import pytest
from django.urls import reverse

from portal.models import Moderation, Result, Submission, SubmissionStatus
from portal.services.calibration import calibration_ensure


def test_upload_page_renders_the_form(uploader_client, db):
    response = uploader_client.get(reverse("portal:upload"))

    assert response.status_code == 200
    assert b'name="model_name"' in response.content
    assert b'type="file"' in response.content


def test_upload_creates_a_submission_and_redirects(uploader_client, make_task, jsonl, upload_file):
    make_task(slug="alpha")
    data = jsonl(
        {"task_id": "alpha", "completion": "x = 1"}, {"task_id": "alpha", "completion": "y"}
    )

    response = uploader_client.post(
        reverse("portal:upload"),
        {"model_name": "model-a", "file": upload_file(data)},
    )

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:submission_detail", args=[submission.pk])
    assert submission.model_name == "model-a"
    assert submission.status == SubmissionStatus.QUEUED
    assert Result.objects.filter(submission=submission).count() == 2


def test_upload_shows_line_numbered_errors_and_stores_nothing(
    uploader_client, make_task, jsonl, upload_file
):
    make_task(slug="alpha")
    data = jsonl(
        {"task_id": "alpha", "completion": "x = 1"},
        "{broken json",
        {"task_id": "two-sum-typo", "completion": "x"},
    )

    response = uploader_client.post(
        reverse("portal:upload"),
        {"model_name": "model-a", "file": upload_file(data)},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "nothing was stored" in body
    assert "line 2: not valid JSON" in body
    assert "line 3: unknown task_id &#x27;two-sum-typo&#x27;" in body
    assert Submission.objects.count() == 0
    assert Result.objects.count() == 0


def test_upload_requires_a_model_name_and_a_file(uploader_client, db):
    response = uploader_client.post(reverse("portal:upload"), {"model_name": ""})

    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"model_name", "file"}
    assert Submission.objects.count() == 0


def test_upload_rejects_a_file_over_the_cap(
    uploader_client, settings, make_task, jsonl, upload_file
):
    settings.MERCURY_MAX_UPLOAD_BYTES = 10
    make_task(slug="alpha")

    response = uploader_client.post(
        reverse("portal:upload"),
        {"model_name": "m", "file": upload_file(jsonl({"task_id": "alpha", "completion": "x"}))},
    )

    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert Submission.objects.count() == 0


def test_upload_without_login_redirects_to_sign_in_and_stores_nothing(
    client, make_task, jsonl, upload_file
):
    make_task(slug="alpha")

    response = client.post(
        reverse("portal:upload"),
        {"model_name": "m", "file": upload_file(jsonl({"task_id": "alpha", "completion": "x"}))},
    )

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert Submission.objects.count() == 0


def test_upload_throttled_while_the_queue_is_full(
    uploader_client, settings, make_task, create_submission, jsonl, upload_file
):
    settings.MERCURY_MAX_ACTIVE_SUBMISSIONS = 1
    make_task(slug="alpha")
    create_submission([{"task_id": "alpha", "completion": "x"}])

    response = uploader_client.post(
        reverse("portal:upload"),
        {"model_name": "m", "file": upload_file(jsonl({"task_id": "alpha", "completion": "x"}))},
    )

    assert response.status_code == 429
    assert "try again later" in response.content.decode()
    assert Submission.objects.count() == 1


def test_submission_page_shows_progress_while_queued(client, make_task, create_submission):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])

    response = client.get(submission.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert "0/1" in body
    assert reverse("portal:submission_status", args=[submission.pk]) in body
    assert "progress.js" in body


def test_submission_status_endpoint_reports_progress(client, make_task, create_submission):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.RUNNING)

    response = client.get(reverse("portal:submission_status", args=[submission.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["status"] == "running"
    assert data["progress"] == {"done": 0, "total": 1}
    assert data["finished"] is False


def test_a_waiting_entry_says_how_far_this_host_is_calibrated(client, make_task, create_submission):
    make_task(slug="alpha")
    make_task(slug="beta")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])

    data = client.get(reverse("portal:submission_status", args=[submission.pk])).json()
    page = client.get(submission.get_absolute_url()).content.decode()

    # nothing is calibrated on this fresh host: 0 of 2 tasks, 0 of the entry's 1
    assert data["calibration"] == {
        "calibrated": 0,
        "total": 2,
        "own_calibrated": 0,
        "own_total": 1,
    }
    assert "Calibrating this host: 0 of 2 tasks" in page


def test_submission_page_shows_results_when_done(
    client, make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha", title="Alpha Problem")
    submission = create_submission(
        [{"task_id": "alpha", "completion": "FAST"}, {"task_id": "alpha", "completion": "WRONG"}]
    )
    evaluate(submission.pk)

    response = client.get(submission.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Problem" in body
    assert "wrong answer" in body
    assert "5.00 ms" in body  # the FAST sample's runtime
    assert "100.0%" in body  # beats every reference
    assert "50.0" in body  # Pass@1 of 0.5 on the 0-100 scale
    chart_url = reverse("portal:submission_chart", args=[submission.pk, "beyond"])
    assert chart_url in body
    figure = client.get(chart_url).json()
    assert figure["data"][0]["y"] == [50.0]  # alpha's mean Beyond


def test_submission_page_says_internal_errors_count_as_failed(
    client, make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    submission = create_submission(
        [{"task_id": "alpha", "completion": "FAST"}, {"task_id": "alpha", "completion": "BROKEN"}]
    )
    evaluate(submission.pk)

    body = client.get(submission.get_absolute_url()).content.decode()

    assert "1 sample could not be judged after retries" in body
    assert "counts as failed in Pass@1 and Beyond@1" in body
    assert "internal error" in body  # the sample's verdict, labelled by the enum
    assert '<td class="num">50.0 ' in body  # Pass@1 of 1/2: the unjudged sample scored 0


def test_submission_page_404_for_unknown_id(client, db):
    assert client.get(reverse("portal:submission_detail", args=[999])).status_code == 404
    assert client.get(reverse("portal:submission_status", args=[999])).status_code == 404


def test_leaderboard_lists_done_visible_submissions_in_order(
    client, make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    fast = create_submission([{"task_id": "alpha", "completion": "FAST"}], model_name="fast-m")
    mid = create_submission([{"task_id": "alpha", "completion": "mid"}], model_name="mid-m")
    hidden = create_submission([{"task_id": "alpha", "completion": "FAST"}], model_name="hid-m")
    queued = create_submission([{"task_id": "alpha", "completion": "FAST"}], model_name="q-m")
    for submission in (fast, mid, hidden):
        evaluate(submission.pk)
    Submission.objects.filter(pk=hidden.pk).update(moderation=Moderation.HIDDEN)

    response = client.get(reverse("portal:leaderboard"))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("fast-m") < body.index("mid-m")
    assert "hid-m" not in body and "q-m" not in body
    assert "100.0" in body and "50.0" in body
    assert queued.status == SubmissionStatus.QUEUED


def test_leaderboard_escapes_model_names(
    client, make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    submission = create_submission(
        [{"task_id": "alpha", "completion": "FAST"}], model_name="<script>alert(1)</script>"
    )
    evaluate(submission.pk)

    body = client.get(reverse("portal:leaderboard")).content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_leaderboard_empty_state(client, db):
    response = client.get(reverse("portal:leaderboard"))

    assert response.status_code == 200
    assert "No finished submissions yet" in response.content.decode()


def test_task_list_shows_calibration_progress(client, make_task, fake_judge):
    first = make_task(slug="alpha")
    make_task(slug="beta")
    calibration_ensure(task=first)

    response = client.get(reverse("portal:task_list"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "1/2" in body
    assert "alpha" in body and "beta" in body


def test_task_page_renders_description_safely_and_embeds_the_chart(
    client, tiny_task, fake_judge, create_submission, evaluate
):
    submission = create_submission(
        [{"task_id": "tiny-sum", "completion": "FAST"}], model_name="<b>bold</b> model"
    )
    evaluate(submission.pk)

    response = client.get(reverse("portal:task_detail", args=["tiny-sum"]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>sum</strong>" in body  # Markdown rendered
    assert "<script>alert(" not in body  # raw HTML in the description escaped
    assert "&lt;script&gt;alert(" in body
    assert reverse("portal:task_chart", args=["tiny-sum"]) in body
    assert "vendor/plotly-basic.min.js" in body
    figure = client.get(reverse("portal:task_chart", args=["tiny-sum"])).json()
    names = [trace.get("name") for trace in figure["data"]]
    assert names == ["reference solutions", "submissions"]
    submissions_trace = figure["data"][1]
    assert submissions_trace["text"][0].startswith("&lt;b&gt;bold&lt;/b&gt; model")
    assert "beats" in submissions_trace["hovertemplate"]


def test_task_page_without_calibration_says_so(client, make_task):
    make_task(slug="alpha")

    response = client.get(reverse("portal:task_detail", args=["alpha"]))

    assert response.status_code == 200
    assert client.get(reverse("portal:task_chart", args=["alpha"])).json() == {}
    assert "Not calibrated yet" in response.content.decode()


@pytest.mark.parametrize("name", ["api_leaderboard", "api_tasks"])
def test_api_lists_are_json(client, make_task, name):
    make_task(slug="alpha")

    response = client.get(reverse(f"portal:{name}"))

    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_api_tasks_include_statements_and_full_prompts(client, make_task):
    make_task(slug="alpha", description="Return **x**.\n\n**Constraints**\n\n- `0 <= x`")

    row = client.get(reverse("portal:api_tasks")).json()["results"][0]

    assert row["task_id"] == "alpha"
    assert row["description"].startswith("Return **x**.")
    assert row["starter_code"].startswith("class Solution")
    # The full prompt: the statement with its constraints, then the starter code.
    assert "**Constraints**" in row["prompt"] and row["prompt"].endswith(row["starter_code"])


def test_leaderboard_csv(client, make_task, create_submission, fake_judge, evaluate):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "FAST"}], model_name="=cmd")
    evaluate(submission.pk)

    response = client.get(reverse("portal:leaderboard_csv"))

    lines = response.content.decode().splitlines()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith(
        "rank,rank_low,rank_high,model,version,submission,pass@1,pass@1_low,pass@1_high,"
        "beyond@1,beyond@1_low,beyond@1_high,"
        "beyond_given_correct,beyond_given_correct_low,beyond_given_correct_high,easy pass@1"
    )
    # A leading = is neutralised; one task, so each interval is the point itself. Three
    # metrics overall, then per difficulty (Easy has the task; Medium and Hard are empty).
    assert lines[1].startswith(
        f"1,1,1,'=cmd,,{submission.pk}," + "100.0," * 12 + ",,,,,," + "1,1,1,"
    )
