"""Reading results: per-task filters, the percentile bands, Beyond given correct, compare's
baseline and noise threshold."""

import pytest
from django.urls import reverse

from evaluator.metrics import METRICS_BY_KEY
from portal import selectors
from portal.selectors.leaderboard_page import (
    PAGE_METRIC_COLUMNS,
    PERCENTILE_BANDS,
    band_of,
    leaderboard_percentiles,
)

TASKS = [("alpha", "Easy"), ("beta", "Hard"), ("gamma", "Medium")]


@pytest.fixture
def models(make_task, create_submission, fake_judge, evaluate):
    for slug, level in TASKS:
        make_task(slug=slug, difficulty=level)
    ids = {}
    for name, codes in {
        "swift": ["FAST", "FAST", "steady"],
        "steady": ["steady", "WRONG", "steady"],
    }.items():
        submission = create_submission(
            [{"task_id": s, "completion": c} for (s, _), c in zip(TASKS, codes, strict=True)],
            model_name=name,
        )
        evaluate(submission.pk)
        ids[name] = submission.pk
    return ids


@pytest.mark.parametrize(
    ("percentile", "band"),
    [(0.0, 0), (0.5, 0), (20.0, 1), (40.0, 1), (50.0, 2), (80.0, 2), (100.0, 3)],
)
def test_percentile_bands(percentile, band):
    assert band_of(percentile) == band
    assert len(PERCENTILE_BANDS) == 4


def test_percentiles_count_each_models_passed_tasks_by_band(models):
    found = {m.name: m for m in leaderboard_percentiles(query=selectors.LeaderboardQuery())}

    # FAST beats every reference (band 3), steady half of them (band 2), WRONG has no runtime.
    assert found["swift"].bands["All"] == [0, 0, 1, 2]
    assert found["swift"].bands["Hard"] == [0, 0, 0, 1]
    assert found["steady"].bands["All"] == [0, 0, 2, 0]
    assert found["steady"].passed("Hard") == 0


def test_beyond_given_correct_is_a_registered_metric_shown_overall_only(models):
    metric = METRICS_BY_KEY["beyond_given_correct"]
    board = {
        row.model_name: row
        for row in selectors.leaderboard_rows(query=selectors.LeaderboardQuery())
    }

    # steady passes two tasks at Beyond 0.5 and fails one: Beyond@1 averages the failure in,
    # Beyond | correct does not.
    assert board["steady"].value("beyond@1") == pytest.approx(1 / 3)
    assert board["steady"].value("beyond_given_correct") == pytest.approx(0.5)
    shown = [(c.metric.key, c.level) for c in PAGE_METRIC_COLUMNS if c.metric is metric]
    assert shown == [("beyond_given_correct", "")]


def test_submission_results_filter_and_sort(client, models):
    url = reverse("portal:submission_detail", args=[models["steady"]])

    failed = client.get(url, {"verdict": "failed"}).context["tasks"]
    assert [item.slug for item in failed] == ["beta"]
    found = client.get(url, {"q": "GAM"}).context["tasks"]
    assert [item.slug for item in found] == ["gamma"]
    ordered = client.get(url, {"sort": "-beyond"}).context["tasks"]
    assert [item.slug for item in ordered][-1] == "beta"
    one = client.get(url, {"task": "alpha"})
    assert [item.slug for item in one.context["tasks"]] == ["alpha"]
    assert 'id="task-alpha"' in one.content.decode()
    # Unknown values fall back to the defaults.
    assert client.get(url, {"verdict": "nope", "sort": "x"}).context["filters"].active is False


def test_compare_uses_the_chosen_baseline_and_the_noise_threshold(client, models):
    ids = f"{models['swift']},{models['steady']}"

    default = client.get(reverse("portal:compare"), {"ids": ids}).context["comparison"]
    chosen = client.get(
        reverse("portal:compare"), {"ids": ids, "baseline": models["steady"]}
    ).context["comparison"]

    assert default.baseline.pk == models["swift"]
    assert chosen.baseline.pk == models["steady"]
    (difference,) = chosen.differences
    # alpha: FAST (5 ms) against steady (25 ms): faster. gamma: both steady: alike. beta: only
    # swift passes. All three tasks were attempted by both.
    assert len(chosen.common) == 3
    assert (difference.faster, difference.slower, difference.same, difference.gained) == (
        1,
        0,
        1,
        1,
    )


def test_compare_counts_a_small_runtime_difference_as_alike():
    from portal.selectors.compare import NOISE_RATIO, TaskOutcome, _speed

    def outcome(median: float | None, passed: int = 1) -> TaskOutcome:
        # The best runtime is deliberately off: only the median decides.
        return TaskOutcome(2, passed, 0.5, 0.001 if median else None, median)

    base = outcome(0.100)
    assert _speed(base, outcome(0.100 * (1 - NOISE_RATIO / 2))) == "same"
    assert _speed(base, outcome(0.100 * (1 - 2 * NOISE_RATIO))) == "faster"
    assert _speed(base, outcome(0.100 * (1 + 2 * NOISE_RATIO))) == "slower"
    assert _speed(base, outcome(None, passed=0)) == "lost"


def test_the_scatter_labels_every_model_leaning_inwards_at_the_edges(models):
    from portal import charts

    rows = selectors.leaderboard_rows(query=selectors.LeaderboardQuery())
    figure = charts.leaderboard_scatter_figure(rows=rows)

    labels = {
        text: position
        for trace in figure["data"]
        for text, position in zip(trace["text"], trace["textposition"], strict=True)
    }
    # swift passes every task (Pass@1 100): its label sits left of the point, inside the plot.
    assert labels == {"swift": "top left", "steady": "top center"}
    assert {trace["name"] for trace in figure["data"]} == {"weights not stated"}
