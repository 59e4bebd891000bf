"""The CLI scores a file exactly as the portal does: one rule, the same numbers everywhere.

The same partial file (a pass, a wrong answer, a timeout, an internal error left after
retries, and a task without any sample) goes through `python -m evaluator evaluate` and
through the portal's upload, chunk jobs and aggregation, with the same fake judge; every
figure the CLI prints in --json must be the one the portal stores and shows.
"""

import json
import shutil

import pytest
from django.urls import reverse

from evaluator import cli, judge as ev_judge, sandbox as ev_sandbox
from portal import selectors
from portal.services.tasks import task_load_from_fixtures
from tests.conftest import TEST_TASKS_DIR, FakeJudge

TASKS = {"tiny-a": (90101, "Easy"), "tiny-b": (90102, "Medium"), "tiny-c": (90103, "Hard")}
ROWS = [
    {"task_id": "tiny-a", "completion": "FAST"},
    {"task_id": "tiny-a", "completion": "WRONG"},
    {"task_id": "tiny-b", "completion": "TIMEOUT"},
    {"task_id": "tiny-b", "completion": "BROKEN"},  # internal_error after every retry
    {"task_id": "tiny-b", "completion": "plain"},
    # tiny-c: no sample at all
]
SAMPLE_KEYS = ("task_id", "sample", "verdict", "runtime_s", "beyond", "percentile")


@pytest.fixture
def task_dir(tmp_path):
    """Three copies of the test task under other slugs, ids and difficulties."""
    root = tmp_path / "tasks"
    for slug, (number, difficulty) in TASKS.items():
        shutil.copytree(TEST_TASKS_DIR / "tiny-sum", root / slug)
        spec = json.loads((root / slug / "task.json").read_text())
        spec.update(slug=slug, id=number, difficulty=difficulty)
        (root / slug / "task.json").write_text(json.dumps(spec))
    return root


@pytest.fixture
def cli_result(task_dir, tmp_path, monkeypatch):
    """`python -m evaluator evaluate` on the file, judged by the fake judge (in process)."""
    fake = FakeJudge()
    with monkeypatch.context() as patched:
        patched.setattr(ev_judge, "judge_sample", fake.judge_sample)
        patched.setattr(
            ev_judge,
            "judge_samples",
            lambda samples, **kwargs: [fake.judge_sample(*s, **kwargs) for s in samples],
        )
        patched.setattr(ev_judge, "calibrate_task", fake.calibrate_task)
        patched.setattr(ev_sandbox, "prepare_host", lambda: None)
        patched.setattr(cli, "CACHE_DIR", tmp_path / "cache")
        completions = tmp_path / "completions.jsonl"
        completions.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
        out = tmp_path / "out.json"
        code = cli.main(
            ["evaluate", str(completions), "--tasks", str(task_dir), "--json", str(out)]
        )
    assert code == 0
    return json.loads(out.read_text())


@pytest.fixture
def portal_submission(task_dir, settings, create_submission, fake_judge, evaluate):
    """The same file uploaded to the portal and judged by its chunk jobs."""
    settings.MERCURY_TASKS_DIR = task_dir
    settings.MERCURY_EVALUATE_CHUNK_TASKS = 1  # one job per task, the last one aggregates
    task_load_from_fixtures(path=task_dir)
    submission = create_submission(ROWS, model_name="parity")
    return evaluate(submission.pk)


def test_the_cli_and_the_portal_give_every_number_alike(cli_result, portal_submission, client):
    submission = portal_submission
    summary = {key: value for key, value in cli_result.items() if key != "results"}

    # The stored score (which the submission page, the API and the leaderboard read).
    assert submission.metrics == summary
    assert summary["tasks_missing"] == 1 and summary["internal_errors"] == 1
    assert summary["pass@1"] == pytest.approx((1 / 2 + 1 / 3 + 0) / 3)
    assert summary["beyond@1"] == pytest.approx((1 / 2 + 0.5 / 3 + 0) / 3)
    for figure, value in selectors.submission_figures(submission).items():
        assert value == summary[figure]

    # Every sample, as the results download gives it.
    download = client.get(reverse("portal:submission_results_json", args=[submission.pk])).json()
    portal_rows = [{key: row[key] for key in SAMPLE_KEYS} for row in download["results"]]
    cli_rows = [{key: row[key] for key in SAMPLE_KEYS} for row in cli_result["results"]]
    assert sorted(portal_rows, key=_order) == sorted(cli_rows, key=_order)

    # The leaderboard row and the per-difficulty cells.
    row = client.get(reverse("portal:api_leaderboard")).json()
    row = (row["results"] if isinstance(row, dict) else row)[0]
    for key in ("pass@1", "pass@1_ci", "beyond@1", "beyond@1_ci", "by_difficulty"):
        assert row[key] == summary[key]

    # Each task's page: the model's pass rate and Beyond on that task from the same samples.
    for slug in TASKS:
        samples = [r for r in cli_result["results"] if r["task_id"] == slug]
        models = selectors.task_detail(slug=slug).models
        if not samples:
            assert models == []
            continue
        (model,) = models
        passed = sum(1 for r in samples if r["verdict"] == "passed")
        assert model["pass_rate"] == pytest.approx(passed / len(samples))
        assert model["beyond"] == pytest.approx(sum(r["beyond"] for r in samples) / len(samples))


def _order(row):
    return (row["task_id"], row["sample"])
