"""One vocabulary: every list of verdicts or metrics follows the enum and the registry.

A new verdict is one line in `evaluator/verdicts.py`, a new metric one entry in
`evaluator.metrics.METRICS` plus its computation; these checks fail when a label, colour,
column, sort, export, API field or the OpenAPI document does not follow.
"""

import csv
import io
import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from evaluator.host import HARNESS_VERSION
from evaluator.metrics import DIFFICULTIES, METRICS
from evaluator.verdicts import Verdict
from portal import charts, exports, selectors
from portal.models import Moderation, Result, Submission, SubmissionStatus
from portal.selectors import leaderboard_page
from portal.templatetags.portal_format import verdict_class, verdict_label

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
SCHEMAS = SPEC["components"]["schemas"]
VALUES = [verdict.value for verdict in Verdict]


def test_the_result_model_stores_exactly_the_enum():
    field = Result._meta.get_field("verdict")
    assert list(field.choices) == [(v.value, v.label) for v in Verdict]
    constraint = next(c for c in Result._meta.constraints if c.name == "result_verdict_valid")
    assert constraint.condition.children == [("verdict__in", VALUES)]


def test_the_migrations_match_the_enum_and_the_registry(db):
    out = StringIO()
    call_command("makemigrations", "portal", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_openapi_verdict_enum_is_the_enum():
    assert SCHEMAS["Verdict"]["enum"] == VALUES


def test_the_openapi_documents_every_metric_where_figures_are_given():
    row = SCHEMAS["LeaderboardRow"]["properties"]
    level = SCHEMAS["DifficultyMetrics"]["additionalProperties"]["properties"]
    for metric in METRICS:
        assert {metric.key, metric.ci_key} <= set(row), metric.key
        assert {metric.key, metric.ci_key} <= set(level), metric.key
        for schema in ("SubmissionStatus", "OwnSubmission"):
            assert metric.key in SCHEMAS[schema]["properties"], (schema, metric.key)


def test_labels_and_classes_come_from_the_enum():
    for verdict in Verdict:
        assert verdict_label(verdict.value) == verdict.label
        assert (
            verdict_class(verdict.value) == f"verdict verdict-{verdict.value} tone-{verdict.tone}"
        )


def test_the_stylesheet_colours_tones_not_verdicts():
    css = (ROOT / "static" / "portal" / "site.css").read_text()
    for tone in {verdict.tone for verdict in Verdict}:
        assert re.search(rf"\.verdict\.tone-{tone}\s*\{{", css), tone
    listed = [v.value for v in Verdict if f".verdict-{v.value}" in css]
    assert listed == []  # a list of verdicts in the CSS would miss the next one


def test_the_failure_chart_names_and_colours_every_verdict_from_the_enum():
    figure = charts.failure_figure(
        verdicts={"m": {"Easy": dict.fromkeys(VALUES, 1)}}, difficulties=["Easy"]
    )
    traces = figure["data"]
    assert [trace["name"] for trace in traces] == [v.label for v in Verdict]
    assert [trace["marker"]["color"] for trace in traces] == [v.color for v in Verdict]


def test_the_submission_model_has_every_metric_column():
    for metric in METRICS:
        for name in metric.columns:
            assert Submission._meta.get_field(name).null, name


def _public_row() -> Submission:
    figures = {name: 0.5 for metric in METRICS for name in metric.columns}
    return Submission.objects.create(
        model_name="m",
        status=SubmissionStatus.DONE,
        moderation=Moderation.APPROVED,
        n_tasks=1,
        n_samples=1,
        tasks_total=1,
        task_set=selectors.task_set_fingerprint(),
        harness_version=HARNESS_VERSION,
        metrics={
            "by_difficulty": {
                level: {"tasks": 1, **{m.key: 0.5 for m in METRICS}} for level in DIFFICULTIES
            }
        },
        **figures,
    )


def test_leaderboard_columns_sorts_exports_and_api_follow_the_registry(client, db):
    _public_row()
    columns = selectors.METRIC_COLUMNS
    assert len(columns) == len(METRICS) * (1 + len(DIFFICULTIES))
    assert {column.sort for column in columns} <= set(selectors.SORTS)

    # The page shows every metric overall and per difficulty those the registry asks for.
    shown = leaderboard_page.PAGE_METRIC_COLUMNS
    assert {c.metric for c in shown if not c.level} == set(METRICS)
    assert [c for c in columns if c.level and c.metric.page_by_difficulty] == [
        c for c in shown if c.level
    ]
    page = client.get(reverse("portal:leaderboard")).content.decode()
    for column in shown:
        assert f"sort={column.sort}" in page or f"sort=-{column.sort}" in page, column.sort
    # Every metric cell the page shows is rendered: 0.5 on the 0-100 scale.
    assert page.count(">50.0<") == len(shown)

    header = next(
        csv.reader(io.StringIO(exports.leaderboard_csv(rows=selectors.leaderboard_rows())))
    )
    for metric in METRICS:
        assert {metric.key, f"{metric.key}_low", f"{metric.key}_high"} <= set(header)
        assert {f"{level.lower()} {metric.key}" for level in DIFFICULTIES} <= set(header)

    api = client.get(reverse("portal:api_leaderboard")).json()
    rows = api["results"] if isinstance(api, dict) else api
    for metric in METRICS:
        assert rows[0][metric.key] == pytest.approx(0.5)
        assert rows[0][metric.ci_key] == pytest.approx([0.5, 0.5])
