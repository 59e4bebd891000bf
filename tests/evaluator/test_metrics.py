"""Metric formulas, checked against hand-computed tables."""

from __future__ import annotations

import math

import pytest

from evaluator.metrics import (
    SampleOutcome,
    beyond_at_k,
    beyond_score,
    bootstrap_interval,
    pass_at_k,
    percentile_beaten,
    summarize,
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


def test_summarize_averages_samples_then_tasks_by_difficulty():
    outcomes = [
        SampleOutcome("a", True, 1.0),
        SampleOutcome("a", False, 0.0),  # task a: pass 0.5, beyond 0.5
        SampleOutcome("b", True, 0.2),  # task b: pass 1, beyond 0.2
        SampleOutcome("c", False, 0.0),  # all failing
    ]
    summary = summarize(outcomes, {"a": "Easy", "b": "Hard", "c": "Hard"})
    assert summary["tasks"] == 3
    assert summary["pass@1"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert summary["beyond@1"] == pytest.approx((0.5 + 0.2 + 0) / 3)
    assert summary["by_difficulty"]["Easy"]["pass@1"] == pytest.approx(0.5)
    assert summary["by_difficulty"]["Hard"]["beyond@1"] == pytest.approx(0.1)
    assert summary["by_difficulty"]["Medium"]["tasks"] == 0
