"""Metric formulas, checked against hand-computed tables."""

from __future__ import annotations

import math

import pytest

from evaluator.metrics import (
    METRICS,
    SampleOutcome,
    beyond_at_k,
    beyond_score,
    bootstrap_interval,
    pass_at_k,
    percentile_beaten,
    sample_beyond,
    score_samples,
    score_task,
)
from evaluator.verdicts import Verdict

P, WA, TO, IE, PENDING = (
    Verdict.PASSED,
    Verdict.WRONG_ANSWER,
    Verdict.TIMEOUT,
    Verdict.INTERNAL_ERROR,
    Verdict.PENDING,
)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (1, 1, 1, 1.0),
        (1, 0, 1, 0.0),
        (5, 2, 1, 0.4),
        (10, 3, 2, 1 - math.comb(7, 2) / math.comb(10, 2)),
        (4, 4, 3, 1.0),
        (5, 0, 5, 0.0),
        (5, 1, 5, 1.0),
    ],
)
def test_pass_at_k_matches_the_unbiased_estimator(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_rejects_k_above_n():
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


@pytest.mark.parametrize(
    ("runtime", "refs", "expected"),
    [
        (None, [1.0, 2.0], 0.0),  # failed sample
        (1.0, [1.0, 3.0], 1.0),  # as fast as the fastest
        (0.5, [1.0, 3.0], 1.0),  # faster than every reference: clipped
        (3.0, [1.0, 3.0], 0.0),
        (9.0, [1.0, 3.0], 0.0),  # slower than every reference: clipped
        (2.0, [1.0, 3.0], 0.5),
        (1.5, [1.0, 2.0, 3.0], 0.75),
        (2.0, [2.0], 1.0),  # one reference
        (2.5, [2.0, 2.0], 0.0),  # equal references, slower
        (1.0, [2.0, 2.0], 1.0),  # equal references, faster
        (1.0, [], 0.0),  # no references
    ],
)
def test_beyond_score_table(runtime, refs, expected):
    assert beyond_score(runtime, refs) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("runtime", "refs", "expected"),
    [
        (None, [1.0], None),
        (1.5, [1.0, 2.0, 3.0, 4.0], 75.0),
        (5.0, [1.0, 2.0], 0.0),
        (0.1, [1.0, 2.0], 100.0),
        (2.0, [1.0, 2.0, 3.0], 100 / 3),
    ],
)
def test_percentile_counts_strictly_slower_references(runtime, refs, expected):
    assert percentile_beaten(runtime, refs) == (
        pytest.approx(expected) if expected is not None else None
    )


@pytest.mark.parametrize(
    ("scores", "k", "expected"),
    [
        ([0.2, 0.4, 0.9], 1, 0.5),
        ([0.2, 0.4, 0.9], 3, 0.9),
        ([0.2, 0.4, 0.9], 2, (0.4 + 0.9 + 0.9) / 3),
        ([0.0, 0.0], 2, 0.0),
    ],
)
def test_beyond_at_k_is_the_expected_best_of_k(scores, k, expected):
    assert beyond_at_k(scores, k) == pytest.approx(expected)


def test_bootstrap_interval_brackets_the_mean_and_degenerates():
    values = [0.0, 1.0] * 20
    low, high = bootstrap_interval(values)
    assert low < 0.5 < high
    assert bootstrap_interval([0.3]) == (0.3, 0.3)
    assert bootstrap_interval([]) == (0.0, 0.0)
    assert bootstrap_interval([0.7] * 5) == pytest.approx((0.7, 0.7))


@pytest.mark.parametrize(
    ("verdict", "beyond", "expected"),
    [
        (P, 0.7, 0.7),
        (P, 1.4, 1.0),  # clipped
        (P, None, 0.0),
        (WA, 0.9, 0.0),  # a failure scores 0 whatever was measured
        (TO, None, 0.0),
        (IE, None, 0.0),  # unjudged after retries: failed, not left out
        ("runtime_error", None, 0.0),
        (PENDING, None, None),  # not judged yet: no score
    ],
)
def test_sample_beyond_table(verdict, beyond, expected):
    assert sample_beyond(verdict, beyond) == expected


def test_every_judged_verdict_but_passed_fails():
    assert [v for v in Verdict if v.passed] == [Verdict.PASSED]
    assert [v for v in Verdict if not v.judged] == [Verdict.PENDING]


def test_score_averages_samples_then_tasks_by_difficulty():
    outcomes = [
        SampleOutcome("a", P, 1.0),
        SampleOutcome("a", WA, 0.0),  # task a: pass 0.5, beyond 0.5
        SampleOutcome("b", P, 0.2),  # task b: pass 1, beyond 0.2
        SampleOutcome("c", TO),  # all failing
    ]
    score = score_samples(outcomes, {"a": "Easy", "b": "Hard", "c": "Hard"})
    summary = score.to_dict()
    assert summary["tasks"] == 3
    assert summary["pass@1"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert summary["beyond@1"] == pytest.approx((0.5 + 0.2 + 0) / 3)
    assert summary["by_difficulty"]["Easy"]["pass@1"] == pytest.approx(0.5)
    assert summary["by_difficulty"]["Hard"]["beyond@1"] == pytest.approx(0.1)
    assert summary["by_difficulty"]["Medium"]["tasks"] == 0
    assert summary["verdicts"] == {
        "Easy": {"passed": 1, "wrong_answer": 1},
        "Medium": {},
        "Hard": {"passed": 1, "timeout": 1},
    }


def test_a_task_without_a_sample_scores_zero_and_counts():
    score = score_samples([SampleOutcome("a", P, 0.8)], {"a": "Easy", "b": "Easy", "c": "Hard"})
    assert score.overall.tasks == 3
    assert score.overall.values["pass@1"] == pytest.approx(1 / 3)
    assert score.overall.values["beyond@1"] == pytest.approx(0.8 / 3)
    assert (score.tasks_total, score.tasks_attempted) == (3, 1)
    assert score.to_dict()["tasks_missing"] == 2
    assert score.tasks["c"].pass_at_1 == 0.0 and not score.tasks["c"].attempted


def test_an_internal_error_left_after_retries_counts_as_a_failure():
    # A sample must not be able to leave the denominator by breaking the judge.
    score = score_samples(
        [SampleOutcome("a", P, 1.0), SampleOutcome("a", IE), SampleOutcome("b", IE)],
        {"a": "Easy", "b": "Easy"},
    )
    assert score.overall.values["pass@1"] == pytest.approx(0.25)
    assert score.overall.values["beyond@1"] == pytest.approx(0.25)
    assert score.internal_errors == 2
    assert score.tasks["b"].attempted


def test_pending_samples_are_not_scored_yet():
    task = score_task("a", "Easy", [SampleOutcome("a", P, 0.6), SampleOutcome("a", PENDING)])
    assert (task.samples, task.passed, task.beyond_at_1) == (1, 1, pytest.approx(0.6))


def test_score_task_keeps_runtime_and_percentile_of_passing_samples_only():
    task = score_task(
        "a",
        "Hard",
        [
            SampleOutcome("a", P, 0.5, 40.0, 0.02),
            SampleOutcome("a", P, 1.0, 80.0, 0.01),
            SampleOutcome("a", WA, 0.0, 99.0, 0.001),
        ],
    )
    assert task.pass_at_1 == pytest.approx(2 / 3)
    assert task.beyond_at_1 == pytest.approx(0.5)
    assert task.beyond_if_passed == pytest.approx(0.75)
    assert task.percentile == pytest.approx(60.0)
    assert task.best_runtime_s == pytest.approx(0.01)


def test_intervals_bracket_every_registered_metric():
    # Beyond varies between passing samples, so a figure on passing samples only varies too.
    outcomes = [SampleOutcome(f"t{i}", P if i % 2 else WA, 0.3 + 0.02 * i) for i in range(20)]
    score = score_samples(outcomes, {f"t{i}": "Medium" for i in range(20)})
    data = score.to_dict()
    for metric in METRICS:
        low, high = data[metric.ci_key]
        assert low <= data[metric.key] <= high
        assert low < high
        assert metric.key in data["by_difficulty"]["Medium"]
