"""Leaderboard and browsing: coverage-aware scores, metadata, duplicates, filters, ranks, pages."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluator.host import HARNESS_VERSION, SCORING_VERSION
from portal import selectors
from portal.models import Moderation, Result, Submission, SubmissionStatus, Verdict, Weights
from portal.services.accounts import api_token_create
from portal.services.submissions import SubmissionDuplicate, SubmissionMetadata, submission_create


@pytest.fixture
def judged(make_task, create_submission, fake_judge, evaluate):
    """Create tasks alpha (Easy), beta (Hard) and gamma (Medium); judge one submission a call."""
    make_task(slug="alpha", title="Alpha Problem")
    make_task(slug="beta", difficulty="Hard")
    make_task(slug="gamma", difficulty="Medium")

    def judge(rows, model_name="m", **metadata):
        submission = create_submission(rows, model_name=model_name, **metadata)
        evaluate(submission.pk)
        submission.refresh_from_db()
        return submission

    return judge


# --- scores over the whole benchmark ---------------------------------------------------------


def test_missing_tasks_count_as_failed(judged):
    submission = judged([{"task_id": "alpha", "completion": "FAST"}])

    assert submission.status == SubmissionStatus.DONE
    assert submission.pass_at_1 == pytest.approx(1 / 3)
    assert submission.beyond_at_1 == pytest.approx(1 / 3)
    assert submission.metrics["tasks"] == 3
    assert submission.metrics["tasks_missing"] == 2
    assert (submission.n_tasks, submission.tasks_total) == (1, 3)
    assert submission.hard_pass_at_1 == 0.0 and submission.medium_beyond_at_1 == 0.0
    assert submission.easy_beyond_at_1 == pytest.approx(1.0)
    assert submission.beyond_ci_low <= submission.beyond_at_1 <= submission.beyond_ci_high
    assert submission.task_set == selectors.task_set_fingerprint()
    assert submission.harness_version == HARNESS_VERSION


def test_partial_upload_ranks_below_a_complete_one(judged):
    partial = judged([{"task_id": "alpha", "completion": "FAST"}], model_name="partial")
    complete = judged(
        [{"task_id": slug, "completion": "steady"} for slug in ("alpha", "beta", "gamma")],
        model_name="complete",
    )

    rows = selectors.leaderboard_rows()

    assert [row.submission_id for row in rows] == [complete.pk, partial.pk]
    assert partial.beyond_at_1 < complete.beyond_at_1 == pytest.approx(0.5)


def test_verdicts_by_difficulty_are_kept_for_the_failure_chart(judged):
    submission = judged(
        [{"task_id": "alpha", "completion": "FAST"}, {"task_id": "beta", "completion": "WRONG"}]
    )

    assert submission.metrics["verdicts"]["Easy"] == {"passed": 1}
    assert submission.metrics["verdicts"]["Hard"] == {"wrong_answer": 1}


# --- metadata and duplicates -----------------------------------------------------------------


def test_upload_stores_the_model_metadata(uploader_client, make_task, jsonl, upload_file):
    make_task(slug="alpha")

    response = uploader_client.post(
        reverse("portal:upload"),
        {
            "model_name": "coder",
            "model_version": "v2",
            "link": "https://example.org/coder",
            "parameters_b": "7",
            "weights": "open",
            "release_date": "2026-01-31",
            "temperature": "0.2",
            "samples_per_task": "5",
            "notes": "greedy <b>decoding</b>",
            "file": upload_file(jsonl({"task_id": "alpha", "completion": "x"})),
        },
    )

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert (submission.model_name, submission.model_version) == ("coder", "v2")
    assert submission.weights == Weights.OPEN and submission.parameters_b == 7.0
    assert submission.release_date == date(2026, 1, 31)
    assert (submission.temperature, submission.samples_per_task) == (0.2, 5)
    assert len(submission.content_sha256) == 64
    page = uploader_client.get(submission.get_absolute_url()).content.decode()
    assert "greedy &lt;b&gt;decoding&lt;/b&gt;" in page
    assert "open weights" in page and "7B" in page


def test_same_file_twice_is_refused_with_a_link(uploader_client, make_task, jsonl, upload_file):
    make_task(slug="alpha")
    data = jsonl({"task_id": "alpha", "completion": "x"})
    uploader_client.post(reverse("portal:upload"), {"model_name": "a", "file": upload_file(data)})

    response = uploader_client.post(
        reverse("portal:upload"), {"model_name": "b", "file": upload_file(data)}
    )

    first = Submission.objects.get()
    body = response.content.decode()
    assert response.status_code == 409
    assert f"already submitted as #{first.pk}" in body
    assert first.get_absolute_url() in body
    assert Submission.objects.count() == 1


def test_same_model_and_version_is_refused(make_task, jsonl, upload_file):
    make_task(slug="alpha")
    meta = SubmissionMetadata(model_version="2024-08-06")
    submission_create(
        user=None,
        model_name="GPT-X",
        metadata=meta,
        upload=upload_file(jsonl({"task_id": "alpha", "completion": "x"})),
    )

    with pytest.raises(SubmissionDuplicate, match="gpt-x 2024-08-06 was already"):
        submission_create(
            user=None,
            model_name="gpt-x",
            metadata=meta,
            upload=upload_file(jsonl({"task_id": "alpha", "completion": "y"})),
        )
    # Another version of the same model is welcome.
    submission_create(
        user=None,
        model_name="gpt-x",
        metadata=SubmissionMetadata(model_version="2024-11-20"),
        upload=upload_file(jsonl({"task_id": "alpha", "completion": "y"})),
    )
    assert Submission.objects.count() == 2


def test_a_failed_submission_may_be_submitted_again(make_task, jsonl, upload_file):
    make_task(slug="alpha")
    data = jsonl({"task_id": "alpha", "completion": "x"})
    first = submission_create(user=None, model_name="m", upload=upload_file(data))
    Submission.objects.filter(pk=first.pk).update(status=SubmissionStatus.ERROR)

    again = submission_create(user=None, model_name="m", upload=upload_file(data))

    assert again.pk != first.pk and again.content_sha256 == first.content_sha256


def test_api_answers_409_for_a_duplicate(client, make_task, jsonl, upload_file):
    from django.contrib.auth.models import User

    make_task(slug="alpha")
    token = api_token_create(user=User.objects.create_user("bot"))
    data = jsonl({"task_id": "alpha", "completion": "x"})
    headers = {"Authorization": f"Token {token.key}"}
    url = reverse("portal:api_submissions")
    client.post(url, {"model_name": "m", "file": upload_file(data)}, headers=headers)

    response = client.post(url, {"model_name": "n", "file": upload_file(data)}, headers=headers)

    assert response.status_code == 409
    assert response.json()["duplicate_of"] == Submission.objects.get().pk


# --- filters, sorting, ranks, permalinks ------------------------------------------------------


def _row(name, beyond, pass_at_1=0.5, ci=None, **fields):
    ci = ci or (beyond, beyond)
    return Submission.objects.create(
        model_name=name,
        status=SubmissionStatus.DONE,
        pass_at_1=pass_at_1,
        beyond_at_1=beyond,
        beyond_given_correct=beyond,
        beyond_ci_low=ci[0],
        beyond_ci_high=ci[1],
        pass_ci_low=pass_at_1,
        pass_ci_high=pass_at_1,
        n_tasks=2,
        n_samples=4,
        tasks_total=2,
        task_set=fields.pop("task_set", selectors.task_set_fingerprint()),
        harness_version=fields.pop("harness_version", HARNESS_VERSION),
        scoring_version=fields.pop("scoring_version", SCORING_VERSION),
        moderation=fields.pop("moderation", Moderation.APPROVED),
        **fields,
    )


def test_filters_by_name_weights_size_and_date(db):
    _row("Llama-3-8B", 0.3, weights=Weights.OPEN, parameters_b=8)
    _row("Llama-3-70B", 0.4, weights=Weights.OPEN, parameters_b=70)
    _row("closed-one", 0.5, weights=Weights.CLOSED)
    old = _row("old-open", 0.1, weights=Weights.OPEN, parameters_b=400)
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))

    def names(**params):
        query = selectors.LeaderboardQuery.from_params(params)
        return [row.model_name for row in selectors.leaderboard_rows(query=query)]

    assert names(q="llama") == ["Llama-3-70B", "Llama-3-8B"]
    assert names(weights="closed") == ["closed-one"]
    assert names(size="small") == ["Llama-3-8B"]
    assert names(size="medium") == ["Llama-3-70B"]
    assert names(size="large") == ["old-open"]
    assert names(size="unknown") == ["closed-one"]
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert "old-open" not in names(since=since)
    assert names(until=since) == ["old-open"]
    assert names(weights="bogus", size="bogus") == names()  # invalid values are ignored


def test_sort_and_filter_state_round_trips_through_the_url(db):
    query = selectors.LeaderboardQuery.from_params(
        {"q": "llama", "weights": "open", "sort": "-pass", "stale": "0", "page": "2"}
    )

    again = selectors.LeaderboardQuery.from_params(query.params())

    assert again == query
    assert query.sort_link("pass").endswith("sort=pass")  # toggles to ascending
    assert "sort=-easy_beyond" in query.sort_link("easy_beyond")  # metrics start descending
    assert "page" not in query.sort_link("model")


def test_sorting_by_a_column_keeps_rank_ranges(db):
    _row("a", 0.9, pass_at_1=0.2)
    _row("b", 0.5, pass_at_1=0.9)
    _row("c", 0.1, pass_at_1=0.5)

    rows = selectors.leaderboard_rows(query=selectors.LeaderboardQuery(sort="model"))

    assert [(row.model_name, row.rank_label) for row in rows] == [
        ("a", "1"),
        ("b", "2"),
        ("c", "3"),
    ]
    by_pass = selectors.leaderboard_rows(
        query=selectors.LeaderboardQuery.from_params({"sort": "pass"})
    )
    # Sorting by Pass@1 ranks by Pass@1 (ascending was asked for).
    assert [(row.model_name, row.rank) for row in by_pass] == [("a", 3), ("c", 2), ("b", 1)]


def test_rank_ranges_follow_interval_overlaps(db):
    _row("top", 0.80, ci=(0.75, 0.85))
    _row("close", 0.74, ci=(0.70, 0.78))
    _row("middle", 0.60, ci=(0.50, 0.72))
    _row("last", 0.20, ci=(0.10, 0.30))

    rows = selectors.leaderboard_rows()

    assert [row.rank_label for row in rows] == ["1–2", "1–3", "2–3", "4"]


def test_stale_rows_are_marked_and_can_be_hidden(client, db):
    _row("fresh", 0.5)
    _row("old-harness", 0.6, harness_version="h0")
    _row("old-tasks", 0.7, task_set="0" * 64)
    _row("old-rule", 0.8, scoring_version="s0")

    response = client.get(reverse("portal:leaderboard"))
    hidden = client.get(reverse("portal:leaderboard") + "?stale=0")

    rows = {row.model_name: row.stale for row in response.context["rows"]}
    assert rows == {"old-rule": True, "old-tasks": True, "old-harness": True, "fresh": False}
    assert response.content.decode().count('class="is-stale"') == 3
    assert [row.model_name for row in hidden.context["rows"]] == ["fresh"]


def test_leaderboard_paginates_and_links_keep_the_query(client, db, monkeypatch):
    import sys

    monkeypatch.setattr(sys.modules["portal.selectors.leaderboard"], "PAGE_SIZE", 10)
    for index in range(12):
        _row(f"model-{index:02}", index / 20)

    response = client.get(reverse("portal:leaderboard") + "?q=model&page=2")

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["board"].page.pages == 2
    assert [row.model_name for row in response.context["rows"]] == ["model-01", "model-00"]
    assert "?q=model&amp;page=1" in body or "?q=model" in body  # the previous-page link
    assert "?q=model&amp;sort=-beyond" in body  # sort links keep the filters


def test_leaderboard_page_pins_its_queries_whatever_the_row_count(
    client, db, django_assert_num_queries
):
    for index in range(30):
        _row(f"model-{index}", index / 30)

    # task set, the filtered rows' columns, the shown rows' per-difficulty intervals
    with django_assert_num_queries(3):
        response = client.get(reverse("portal:leaderboard") + "?weights=unknown&sort=-pass")
    chart = client.get(reverse("portal:leaderboard_chart") + "?weights=unknown").json()

    assert response.status_code == 200
    assert response.content.decode().count("data-submission=") == 30
    assert 'data-figure-url="/leaderboard/chart/?weights=unknown&amp;sort=-pass"' in (
        response.content.decode()
    )
    assert chart["data"][0]["type"] == "scatter"
    assert len(chart["data"][0]["x"]) == 30


# --- submission page, live progress, downloads -----------------------------------------------


def test_submission_page_pins_its_queries(client, judged, django_assert_num_queries):
    submission = judged(
        [{"task_id": slug, "completion": "FAST"} for slug in ("alpha", "beta", "gamma")] * 3
    )

    # submission (with the access check), light results, the page's results with code,
    # calibrations, the moderation history
    with django_assert_num_queries(5):
        response = client.get(submission.get_absolute_url())

    assert response.status_code == 200
    assert [item.slug for item in response.context["tasks"]] == ["alpha", "beta", "gamma"]
    assert response.context["tasks"][0].reference_range == pytest.approx((0.010, 0.040))
    for name in ("beyond", "percentile", "failures"):
        url = reverse("portal:submission_chart", args=[submission.pk, name])
        assert url in response.content.decode()
        assert client.get(url).json()["data"]
    missing = reverse("portal:submission_chart", args=[submission.pk, "nope"])
    assert client.get(missing).status_code == 404


def test_submission_results_are_paginated_by_task(client, judged):
    submission = judged(
        [{"task_id": slug, "completion": "x"} for slug in ("alpha", "beta", "gamma")]
    )

    from portal.selectors import submissions as submission_selectors

    detail = submission_selectors.submission_detail(submission=submission, page=2, per_page=2)

    assert [item.slug for item in detail.tasks] == ["gamma"]
    assert (detail.page.number, detail.page.pages) == (2, 2)
    assert len(detail.task_summaries) == 3  # the charts cover every task


def test_submission_code_is_escaped_and_highlighted_on_request(
    client, make_task, create_submission
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x = '<script>'"}])
    result = Result.objects.get()

    page = client.get(submission.get_absolute_url()).content.decode()
    fragment = client.get(reverse("portal:result_code", args=[submission.pk, result.pk]))

    assert "<script>'" not in page and "&#x27;&lt;script&gt;&#x27;" in page
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert (
        '<span class="n">x</span>' in text and "&lt;script&gt;" in text and "<script>" not in text
    )
    other = reverse("portal:result_code", args=[submission.pk + 1, result.pk])
    assert client.get(other).status_code == 404


def test_status_reports_eta_and_newly_judged_results(client, make_task, create_submission):
    make_task(slug="alpha")
    submission = create_submission(
        [{"task_id": "alpha", "completion": "a"}, {"task_id": "alpha", "completion": "b"}]
    )
    before = timezone.now()
    started = before - timedelta(seconds=10)
    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.RUNNING, started_at=started, progress_done=1
    )
    first = Result.objects.order_by("sample").first()
    Result.objects.filter(pk=first.pk).update(
        verdict=Verdict.PASSED, runtime_s=0.002, beyond=0.75, percentile=80.0, judged_at=before
    )

    response = client.get(
        reverse("portal:submission_status", args=[submission.pk]), {"since": before.isoformat()}
    )

    data = response.json()
    assert data["progress"] == {"done": 1, "total": 2}
    assert 8 <= data["eta_s"] <= 12 and data["eta"].endswith("s")
    assert data["results"] == [
        {
            "id": first.pk,
            "verdict": "passed",
            "verdict_label": "passed",
            "verdict_class": "verdict verdict-passed tone-ok",
            "runtime": "2.00 ms",
            "beyond": "75.0",
            "percentile": "80.0%",
            "diagnostic": "",
        }
    ]
    assert (
        "results"
        not in client.get(reverse("portal:submission_status", args=[submission.pk])).json()
    )


def test_submission_downloads(client, judged):
    submission = judged(
        [{"task_id": "alpha", "completion": "FAST"}, {"task_id": "beta", "completion": "WRONG"}],
        model_name="dl",
    )

    csv_lines = (
        client.get(reverse("portal:submission_results_csv", args=[submission.pk]))
        .content.decode()
        .splitlines()
    )
    data = json.loads(
        client.get(reverse("portal:submission_results_json", args=[submission.pk])).content
    )
    bundle = client.get(reverse("portal:submission_bundle", args=[submission.pk]))

    assert csv_lines[0].startswith("task_id,difficulty,sample,verdict,runtime_s,beyond")
    assert csv_lines[1].startswith("alpha,Easy,0,passed,0.005,100.0,100.0")  # 0-100
    assert data["pass@1"] == pytest.approx(1 / 3)
    assert [row["verdict"] for row in data["results"]] == ["passed", "wrong_answer"]
    assert bundle["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(bundle.content))
    assert set(archive.namelist()) == {
        "manifest.json",
        "completions.jsonl",
        "results.json",
        "README.txt",
    }
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["harness_version"] == HARNESS_VERSION
    assert manifest["task_set"] == submission.task_set and manifest["host"] == submission.host
    assert manifest["command"] == (
        "python -m evaluator evaluate completions.jsonl --json results-local.json"
    )
    lines = archive.read("completions.jsonl").decode().splitlines()
    assert [json.loads(line)["task_id"] for line in lines] == ["alpha", "beta"]


def test_leaderboard_json_and_prompts_jsonl(client, judged):
    judged([{"task_id": "alpha", "completion": "FAST"}], model_name="j", weights="open")

    board = json.loads(client.get(reverse("portal:leaderboard_json") + "?weights=open").content)
    closed = json.loads(client.get(reverse("portal:leaderboard_json") + "?weights=closed").content)
    prompts = client.get(reverse("portal:prompts_jsonl"))

    assert board["tasks_total"] == 3 and board["task_set"] == selectors.task_set_fingerprint()
    row = board["results"][0]
    assert (row["model_name"], row["tasks"], row["tasks_total"], row["stale"]) == ("j", 1, 3, False)
    assert row["rank_range"] == [1, 1] and len(row["beyond@1_ci"]) == 2
    assert closed["results"] == []
    lines = [json.loads(line) for line in prompts.content.decode().splitlines()]
    assert [line["task_id"] for line in lines] == ["alpha", "beta", "gamma"]
    assert set(lines[0]) == {
        "task_id",
        "prompt",
        "starter_code",
        "entry_point",
        "difficulty",
        "title",
    }


# --- task page and comparison ----------------------------------------------------------------


def test_task_page_lists_every_public_model_and_pins_queries(
    client, judged, django_assert_num_queries
):
    judged(
        [{"task_id": "alpha", "completion": "FAST"}, {"task_id": "alpha", "completion": "WRONG"}],
        model_name="one",
    )
    judged([{"task_id": "alpha", "completion": "steady"}], model_name="two")

    # task, calibration, per-model aggregates, reference names (the chart loads apart)
    with django_assert_num_queries(4):
        response = client.get(reverse("portal:task_detail", args=["alpha"]))

    models = response.context["models"]
    assert [(m["model_name"], m["passed"], m["samples"]) for m in models] == [
        ("two", 1, 1),
        ("one", 1, 2),
    ]
    assert models[1]["beyond"] == pytest.approx(0.5)  # FAST scores 1, the failed sample 0
    assert "Every public model on this task" in response.content.decode()


def test_compare_shows_the_beyond_difference_on_tasks_all_attempted(client, judged):
    fast = judged(
        [{"task_id": "alpha", "completion": "FAST"}, {"task_id": "beta", "completion": "FAST"}],
        model_name="fast",
    )
    steady = judged(
        [{"task_id": "alpha", "completion": "steady"}, {"task_id": "beta", "completion": "WRONG"}],
        model_name="steady",
    )
    partial = judged([{"task_id": "alpha", "completion": "steady"}], model_name="partial")

    response = client.get(reverse("portal:compare"), {"ids": f"{steady.pk},{fast.pk}"})

    comparison = response.context["comparison"]
    assert response.status_code == 200
    assert [s.model_name for s in comparison.submissions] == ["steady", "fast"]
    # Both attempted both tasks: beta counts, the baseline's failure scoring 0.
    assert [row["slug"] for row in comparison.common] == ["alpha", "beta"]
    assert comparison.only_some == 0
    difference = comparison.differences[0]
    assert difference.mean == pytest.approx((0.5 + 1.0) / 2)
    assert (difference.faster, difference.gained) == (1, 1)
    assert response.context["figure"] is not None and response.context["failure_figure"] is not None
    three = client.get(
        reverse("portal:compare"), {"ids": f"{steady.pk},{fast.pk},{partial.pk}"}
    ).context["comparison"]
    assert [row["slug"] for row in three.common] == ["alpha"] and three.only_some == 1


def test_compare_ignores_hidden_or_unfinished_submissions(client, judged, create_submission):
    shown = judged([{"task_id": "alpha", "completion": "FAST"}], model_name="shown")
    hidden = judged([{"task_id": "alpha", "completion": "FAST"}], model_name="hidden")
    Submission.objects.filter(pk=hidden.pk).update(moderation=Moderation.HIDDEN)
    queued = create_submission([{"task_id": "alpha", "completion": "x"}], model_name="queued")

    response = client.get(reverse("portal:compare"), {"ids": [shown.pk, hidden.pk, queued.pk]})

    assert [s.pk for s in response.context["submissions"]] == [shown.pk]
    assert response.context["enough"] is False
    assert "hidden" not in [c.model_name for c in response.context["candidates"]]


def test_task_chart_marks_every_public_sample_with_what_it_beats(client, judged):
    judged([{"task_id": "alpha", "completion": "FAST"}] * 2, model_name="<i>m</i>")

    figure = client.get(reverse("portal:task_chart", args=["alpha"])).json()

    samples = figure["data"][1]
    assert samples["name"] == "submissions" and len(samples["x"]) == 2
    assert samples["text"][0].startswith("&lt;i&gt;m&lt;/i&gt;")
    # What each sample beats, and (last) its submission's row of this task, for a click.
    (pk,) = {row[1].split("/")[2] for row in samples["customdata"]}
    assert samples["customdata"][0] == [100.0, f"/submissions/{pk}/?task=alpha#task-alpha"]
    assert "beats %{customdata[0]:.0f}% of references" in samples["hovertemplate"]


def test_scatter_and_failure_charts_escape_model_names(db):
    from portal import charts

    _row("<b>x</b>", 0.5, pass_at_1=0.8, ci=(0.4, 0.6))
    rows = selectors.leaderboard_rows()

    scatter = charts.leaderboard_scatter_figure(rows=rows)
    failures = charts.failure_figure(
        verdicts={"<b>x</b>": {"Easy": {"passed": 2, "timeout": 1}}},
        difficulties=selectors.DIFFICULTIES,
    )

    assert scatter["data"][0]["text"] == ["&lt;b&gt;x&lt;/b&gt;"]
    assert scatter["data"][0]["error_y"]["array"] == pytest.approx([10.0])
    assert [trace["name"] for trace in failures["data"]] == ["passed", "time limit"]
    assert failures["data"][0]["x"][0][0] == "&lt;b&gt;x&lt;/b&gt;"
    assert failures["layout"]["barmode"] == "stack"
