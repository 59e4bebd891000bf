"""Selectors: leaderboard ranking, ties and its pinned query count."""

import pytest

from portal import selectors
from portal.models import Moderation, Submission, SubmissionStatus
from portal.services.calibration import calibration_ensure


def _done(model_name, beyond, pass_at_1, ci=None):
    metrics = {
        "pass@1": pass_at_1,
        "beyond@1": beyond,
        "tasks": 3,
        "by_difficulty": {
            "Easy": {"pass@1": 1.0, "beyond@1": beyond, "tasks": 2},
            "Medium": {"pass@1": 0.0, "beyond@1": 0.0, "tasks": 0},
            "Hard": {"pass@1": 0.0, "beyond@1": 0.0, "tasks": 1},
        },
    }
    if ci:
        metrics["beyond@1_ci"] = list(ci)
    ci = ci or (None, None)
    return Submission.objects.create(
        model_name=model_name,
        beyond_ci_low=ci[0],
        beyond_ci_high=ci[1],
        easy_pass_at_1=1.0,
        easy_beyond_at_1=beyond,
        hard_pass_at_1=0.0,
        hard_beyond_at_1=0.0,
        tasks_total=3,
        status=SubmissionStatus.DONE,
        pass_at_1=pass_at_1,
        beyond_at_1=beyond,
        beyond_given_correct=beyond,
        metrics=metrics,
        n_tasks=3,
        n_samples=3,
        moderation=Moderation.APPROVED,
    )


def test_leaderboard_rows_rank_by_beyond_then_pass(db):
    _done("b", 0.5, 0.9)
    _done("a", 0.7, 0.5)
    _done("c", 0.5, 1.0)

    rows = selectors.leaderboard_rows()

    assert [row.model_name for row in rows] == ["a", "c", "b"]
    # c and b have the same Beyond@1 and no interval: they share ranks 2-3.
    assert [row.rank_label for row in rows] == ["1", "2–3", "2–3"]
    keys = [(column.level, column.metric.key) for column in selectors.METRIC_COLUMNS]
    cells = dict(zip(keys, rows[0].cells, strict=True))
    assert (cells["Easy", "pass@1"].value, cells["Easy", "beyond@1"].value) == (1.0, 0.7)
    # no Medium tasks: shown as "–"
    assert (cells["Medium", "pass@1"].value, cells["Medium", "beyond@1"].value) == (None, None)


def test_leaderboard_rows_share_a_rank_when_intervals_overlap(db):
    _done("a", 0.70, 0.5, ci=(0.60, 0.80))
    _done("b", 0.65, 0.5, ci=(0.55, 0.75))
    _done("c", 0.20, 0.5, ci=(0.10, 0.30))

    rows = selectors.leaderboard_rows()

    assert [(row.model_name, row.rank_label, row.tied) for row in rows] == [
        ("a", "1–2", True),
        ("b", "1–2", True),
        ("c", "3", False),
    ]


def test_leaderboard_query_count_is_constant(db, django_assert_num_queries):
    for index in range(20):
        _done(f"model-{index}", index / 20, 0.5)

    # The task set (size and fingerprint), the rows, the shown rows' per-difficulty figures.
    with django_assert_num_queries(3):
        rows = selectors.leaderboard_rows()

    assert len(rows) == 20


def test_leaderboard_page_query_count_is_constant(client, db, django_assert_num_queries):
    for index in range(20):
        _done(f"model-{index}", index / 20, 0.5)

    # The task set, the rows, the shown rows' breakdown; sessions and auth stay untouched.
    with django_assert_num_queries(3):
        response = client.get("/")

    assert response.status_code == 200
    assert response.content.decode().count("data-submission=") == 20


def test_submission_progress_is_json_ready(make_task, create_submission):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])

    data = selectors.submission_progress(submission=submission)

    assert data["status"] == "queued"
    assert data["progress"] == {"done": 0, "total": 1}
    assert data["url"] == f"/submissions/{submission.pk}/"


def test_calibration_progress_counts_this_hosts_calibrations(make_task, fake_judge):
    task = make_task(slug="alpha")
    make_task(slug="beta")
    calibration_ensure(task=task)

    assert selectors.calibration_progress() == {"calibrated": 1, "total": 2}


def test_task_detail_chart_points_only_from_visible_done_submissions(
    make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    shown = create_submission([{"task_id": "alpha", "completion": "FAST"}], model_name="shown")
    hidden = create_submission([{"task_id": "alpha", "completion": "FAST"}], model_name="hidden")
    for submission in (shown, hidden):
        evaluate(submission.pk)
    Submission.objects.filter(pk=hidden.pk).update(moderation=Moderation.HIDDEN)

    data = selectors.task_chart_data(slug="alpha")

    assert [point["model_name"] for point in data["points"]] == ["shown"]
    assert data["runtimes"] == pytest.approx({"direct": 0.010, "slow": 0.040})
    assert [m["model_name"] for m in selectors.task_detail(slug="alpha").models] == ["shown"]


def test_task_detail_falls_back_to_an_older_harness_calibration(make_task, fake_judge):
    task = make_task(slug="alpha")
    calibration = calibration_ensure(task=task)
    calibration.harness_version = "h0-old"
    calibration.save(update_fields=["harness_version"])

    detail = selectors.task_detail(slug="alpha")

    assert detail.calibration == calibration
    assert detail.calibration_is_current is False
    assert detail.runtimes


def test_task_detail_prefers_the_current_calibration(make_task, fake_judge):
    make_task(slug="alpha")
    task = make_task(slug="alpha-2")
    calibration_ensure(task=task)

    detail = selectors.task_detail(slug="alpha-2")

    assert detail.calibration_is_current is True
