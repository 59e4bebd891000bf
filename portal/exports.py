"""Downloads: leaderboard and results as CSV, prompts as JSONL, the reproducibility bundle."""

import csv
import io
import json
import shlex
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from evaluator.metrics import METRICS, Metric
from portal.models import Submission
from portal.selectors import METRIC_COLUMNS, LeaderboardRow


def _text(value: Any) -> Any:
    """A cell as a spreadsheet will not run it: a leading =, +, -, @ or tab starts a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _scaled(value: float | None, metric: Metric) -> str:
    """A figure on the metric's scale (0-100 for fractions) with one decimal ("" when missing)."""
    return "" if value is None else f"{value * metric.scale:.1f}"


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(value) for value in row])
    return buffer.getvalue()


def leaderboard_csv(*, rows: list[LeaderboardRow]) -> str:
    """The leaderboard on the 0-100 scale with one decimal, intervals and provenance.

    Every registered metric gives its figure and interval, then a column per difficulty.
    """
    header = ["rank", "rank_low", "rank_high", "model", "version", "submission"]
    for metric in METRICS:
        header += [metric.key, f"{metric.key}_low", f"{metric.key}_high"]
    header += [f"{c.level.lower()} {c.metric.key}" for c in METRIC_COLUMNS if c.level]
    header += [
        "tasks",
        "tasks_total",
        "samples",
        "samples_per_task",
        "weights",
        "parameters_b",
        "release_date",
        "temperature",
        "task_set",
        "harness_version",
        "stale",
        "created_at",
    ]

    def line(row: LeaderboardRow) -> list[Any]:
        overall = []
        for metric in METRICS:
            low, high = row.interval(metric.key)
            overall += [
                _scaled(row.value(metric.key), metric),
                _scaled(low, metric),
                _scaled(high, metric),
            ]
        levels = [
            _scaled(cell.value, column.metric)
            for column, cell in zip(METRIC_COLUMNS, row.cells, strict=True)
            if column.level
        ]
        return [
            row.rank_low,
            row.rank_low,
            row.rank_high,
            row.model_name,
            row.model_version,
            row.submission_id,
            *overall,
            *levels,
            row.n_tasks,
            row.tasks_total,
            row.n_samples,
            f"{row.samples_per_task:.2f}",
            row.weights,
            "" if row.parameters_b is None else f"{row.parameters_b:g}",
            row.released or "",
            "" if row.temperature is None else f"{row.temperature:g}",
            row.task_set,
            row.harness_version,
            "yes" if row.stale else "no",
            row.created_at,
        ]

    return _csv(header, (line(row) for row in rows))


RESULT_FIELDS = [
    ("task_id", "task__slug"),
    ("difficulty", "task__difficulty"),
    ("sample", "sample"),
    ("verdict", "verdict"),
    ("runtime_s", "runtime_s"),
    ("beyond", "beyond"),
    ("percentile", "percentile"),
    ("tests_passed", "tests_passed"),
    ("tests_total", "tests_total"),
    ("diagnostic", "diagnostic"),
]


def result_dicts(*, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Result rows from the selector under the evaluator's own key names."""
    return [{name: row[key] for name, key in RESULT_FIELDS} for row in rows]


def results_csv(*, rows: list[dict[str, Any]]) -> str:
    """A submission's per-sample outcomes as CSV: runtime in seconds, Beyond and percentile on
    the 0-100 scale with one decimal, as on the pages (the JSON keeps the evaluator's 0..1)."""

    def value(row: dict[str, Any], name: str, key: str) -> Any:
        if name == "beyond" and row[key] is not None:
            return f"{row[key] * 100:.1f}"
        if name == "percentile" and row[key] is not None:
            return f"{row[key]:.1f}"
        return row[key]

    return _csv(
        [name for name, _key in RESULT_FIELDS],
        ([value(row, name, key) for name, key in RESULT_FIELDS] for row in rows),
    )


def jsonl(*, rows: Iterable[dict[str, Any]]) -> str:
    """One JSON object a line."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def evaluate_command(*, completions: str = "completions.jsonl") -> str:
    """The command that re-scores a completions file locally exactly as the portal does."""
    return shlex.join(
        ["python", "-m", "evaluator", "evaluate", completions, "--json", "results-local.json"]
    )


def reproducibility_manifest(
    *, submission: Submission, task_set: str, harness_version: str, host: str
) -> dict[str, Any]:
    """What a submission was measured with and how to measure it again."""
    return {
        "submission": submission.pk,
        "model_name": submission.model_name,
        "model_version": submission.model_version,
        "task_set": submission.task_set or task_set,
        "harness_version": submission.harness_version or harness_version,
        "host": submission.host or host,
        "current_task_set": task_set,
        "current_harness_version": harness_version,
        "metrics": submission.metrics,
        "generation": {
            "temperature": submission.temperature,
            "samples_per_task": submission.samples_per_task,
        },
        "command": evaluate_command(),
        "notes": (
            "Run the command from a checkout of the Mercury Leaderboard whose task set and harness "
            "match the versions above (python -m evaluator validate-tasks prints them). Runtimes "
            "are measured against references timed on your machine, so Beyond is comparable, "
            "absolute times are not."
        ),
    }


def reproducibility_bundle(
    *,
    manifest: dict[str, Any],
    completions: list[dict[str, str]],
    results: list[dict[str, Any]],
) -> bytes:
    """A zip: manifest.json, the completions, the portal's results and a README with the command."""
    readme = (
        f"Submission #{manifest['submission']}: {manifest['model_name']} {manifest['model_version']}\n\n"
        f"task set:        {manifest['task_set']}\n"
        f"harness version: {manifest['harness_version']}\n"
        f"host:            {manifest['host']}\n\n"
        "Re-score locally:\n\n"
        f"    {manifest['command']}\n\n"
        "and compare results-local.json with results.json.\n\n"
        f"{manifest['notes']}\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")
        archive.writestr("completions.jsonl", jsonl(rows=completions))
        archive.writestr("results.json", json.dumps(results, indent=1) + "\n")
        archive.writestr("README.txt", readme)
    return buffer.getvalue()
