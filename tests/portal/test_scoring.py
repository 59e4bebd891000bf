"""Scoring: a change to how Beyond is computed needs a rescore, never a rejudge."""

import io

import pytest
from django.core.management import call_command

from evaluator.host import SCORING_VERSION
from portal import selectors
from portal.models import Calibration, Result, Submission
from portal.services.scoring import submission_rescore, submissions_rescore_stale

ROWS = [
    {"task_id": "alpha", "completion": "FAST"},  # 5 ms: faster than every reference
    {"task_id": "alpha", "completion": "plain"},  # 25 ms, between the references (10, 40 ms)
    {"task_id": "beta", "completion": "WRONG"},
]


@pytest.fixture
def judged(make_task, create_submission, fake_judge, evaluate):
    make_task(slug="alpha")
    make_task(slug="beta", difficulty="Hard")
    return evaluate(create_submission(ROWS).pk)


def test_results_keep_the_calibration_they_were_placed_among(judged):
    passed = Result.objects.filter(submission=judged, verdict="passed")
    assert {r.calibration.task.slug for r in passed} == {"alpha"}
    assert Result.objects.get(submission=judged, code__endswith="WRONG").beyond == 0.0


def test_rescore_recomputes_beyond_from_runtime_and_calibration_without_rejudging(
    judged, fake_judge
):
    plain = Result.objects.get(submission=judged, code__endswith="plain")
    assert plain.beyond == pytest.approx(0.5)
    judged_before = list(fake_judge.judged)
    # Say the slowest reference's runtime had been stored as 70 ms: references 10 and 70 ms.
    calibration = Calibration.objects.get(task__slug="alpha")
    calibration.data = {**calibration.data, "ratios": {"direct": 1.0, "slow": 7.0}}
    calibration.save(update_fields=["data"])

    assert submission_rescore(submission_id=judged.pk) == 1

    plain.refresh_from_db()
    judged.refresh_from_db()
    assert plain.beyond == pytest.approx((0.070 - 0.025) / (0.070 - 0.010))
    assert plain.percentile == 50.0
    # alpha: (1 + 0.75) / 2; beta: 0.
    assert judged.beyond_at_1 == pytest.approx((1 + 0.75) / 2 / 2)
    assert judged.metrics["beyond@1"] == judged.beyond_at_1
    assert fake_judge.judged == judged_before  # nothing was judged again


def test_a_score_by_an_older_rule_is_stale_until_rescored(judged):
    Submission.objects.filter(pk=judged.pk).update(scoring_version="s1-older")
    assert [row.stale for row in selectors.leaderboard_rows()] == [True]

    assert submissions_rescore_stale() == {judged.pk: 0}

    assert Submission.objects.get(pk=judged.pk).scoring_version == SCORING_VERSION
    assert [row.stale for row in selectors.leaderboard_rows()] == [False]


def test_rescore_command_reports_what_it_did(judged):
    Submission.objects.filter(pk=judged.pk).update(scoring_version="")
    out = io.StringIO()

    call_command("rescore", stdout=out)

    assert "rescored 1 submission(s); 0 sample(s) changed Beyond" in out.getvalue()
