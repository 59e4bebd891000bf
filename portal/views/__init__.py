"""Thin HTML views and downloads: parse input, call one service or selector, render."""

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from evaluator.metrics import METRICS, sample_beyond
from evaluator.tasks import full_prompt
from evaluator.verdicts import Verdict
from portal import caching, charts, exports, selectors
from portal.models import Submission, SubmissionStatus
from portal.selectors import leaderboard_page
from portal.templatetags.portal_format import duration, ms, pct, percent


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        return 1


def _visible(request: HttpRequest, pk: int) -> Submission:
    """The submission if the viewer may see it, else 404 (private entries do not exist for them)."""
    return selectors.submission_get_visible(submission_id=pk, user=request.user)


def _leaderboard_params(request: HttpRequest) -> dict[str, str]:
    """The leaderboard query as normalized URL parameters (the page cache's key)."""
    return selectors.LeaderboardQuery.from_params(request.GET).params()


def _page_params(request: HttpRequest, **_kwargs: Any) -> dict[str, int]:
    return {"page": _page(request)}


def _no_params(request: HttpRequest, **_kwargs: Any) -> dict[str, str]:
    return {}


def _download(content: str | bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@caching.public_page(caching.LEADERBOARD, _leaderboard_params)
def leaderboard(request: HttpRequest) -> HttpResponse:
    """The public leaderboard: filters, sort and page from the URL (its chart loads apart)."""
    query = selectors.LeaderboardQuery.from_params(request.GET)
    board = caching.memoize(
        caching.LEADERBOARD,
        "leaderboard",
        query.params(),
        lambda: selectors.leaderboard(query=query),
    )
    return render(
        request,
        "portal/leaderboard.html",
        {
            "board": board,
            "rows": board.rows,
            "query": board.query,
            "difficulties": selectors.DIFFICULTIES,
            "metric_columns": leaderboard_page.PAGE_METRIC_COLUMNS,
            "metric_groups": leaderboard_page.PAGE_METRIC_GROUPS,
            "percentile_levels": [leaderboard_page.ALL_LEVELS, *selectors.DIFFICULTIES],
            "sorts": selectors.SORTS,
            "size_buckets": selectors.SIZE_BUCKETS,
            "weights_choices": [("open", "open"), ("closed", "closed"), ("unknown", "not stated")],
        },
    )


@require_GET
def leaderboard_chart(request: HttpRequest) -> JsonResponse:
    """The Pass@1 vs Beyond@1 scatter of the (filtered) leaderboard, loaded by the page."""
    query = selectors.LeaderboardQuery.from_params(request.GET)
    figure = caching.memoize(
        caching.LEADERBOARD,
        "leaderboard-chart",
        query.params(page=1),
        lambda: (
            charts.leaderboard_scatter_figure(rows=selectors.leaderboard(query=query).all_rows)
            or {}
        ),
    )
    return JsonResponse(figure)


@require_GET
def leaderboard_percentiles(request: HttpRequest) -> JsonResponse:
    """Each listed model's passed tasks by runtime percentile band, overall and per difficulty."""
    query = selectors.LeaderboardQuery.from_params(request.GET)
    levels = [leaderboard_page.ALL_LEVELS, *selectors.DIFFICULTIES]
    figure = caching.memoize(
        caching.LEADERBOARD,
        "leaderboard-percentiles",
        query.params(page=1),
        lambda: (
            charts.leaderboard_percentile_figure(
                models=leaderboard_page.leaderboard_percentiles(query=query),
                bands=leaderboard_page.PERCENTILE_BANDS,
                levels=levels,
            )
            or {}
        ),
    )
    return JsonResponse(figure)


@require_GET
def leaderboard_csv(request: HttpRequest) -> HttpResponse:
    """The (filtered) leaderboard as CSV, 0-100 scale with one decimal."""
    query = selectors.LeaderboardQuery.from_params(request.GET)
    content = caching.memoize(
        caching.LEADERBOARD,
        "leaderboard-csv",
        query.params(page=1),
        lambda: exports.leaderboard_csv(rows=selectors.leaderboard_rows(query=query)),
    )
    return _download(
        content,
        content_type="text/csv; charset=utf-8",
        filename="mercury-leaderboard.csv",
    )


@require_GET
def leaderboard_json(request: HttpRequest) -> HttpResponse:
    """The (filtered) leaderboard as a JSON file (fractions 0..1)."""
    query = selectors.LeaderboardQuery.from_params(request.GET)
    content = caching.memoize(
        caching.LEADERBOARD,
        "leaderboard-json",
        query.params(page=1),
        lambda: _leaderboard_json(query),
    )
    return _download(
        content,
        content_type="application/json",
        filename="mercury-leaderboard.json",
    )


def _leaderboard_json(query: selectors.LeaderboardQuery) -> str:
    state = selectors.benchmark_state()
    body = {
        "task_set": state.task_set,
        "harness_version": state.harness_version,
        "tasks_total": state.task_total,
        "results": selectors.leaderboard_api_rows(query=query),
    }
    return json.dumps(body, indent=1)


@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A submission: live progress, then scores, charts and results by task (filtered, sorted
    and paginated from the URL)."""
    filters = selectors.ResultFilter.from_params(request.GET)
    detail = selectors.submission_detail(
        submission=_visible(request, pk), page=_page(request), filters=filters
    )
    submission = detail.submission
    return render(
        request,
        "portal/submission_detail.html",
        {
            "submission": submission,
            "detail": detail,
            "tasks": detail.tasks,
            "page": detail.page,
            "verdict_counts": detail.verdict_counts,
            "filters": filters,
            "difficulties": selectors.DIFFICULTIES,
            "filter_query": urlencode(filters.params()),
            "verdict_choices": [(v.value, v.label) for v in Verdict if v.judged],
            "metrics": METRICS,
            "queue": selectors.submission_queue_estimate(submission=submission),
            "calibration": None
            if submission.is_finished
            else selectors.calibration_waiting(submission_id=submission.pk),
            "charts": SUBMISSION_CHARTS if submission.status == SubmissionStatus.DONE else {},
            "command": exports.evaluate_command(),
            "moderation_history": selectors.submission_moderation_history(submission=submission),
            "flags": selectors.submission_flags(submission=submission, user=request.user),
            "can_flag": submission.is_public
            and request.user.is_authenticated
            and submission.user_id != request.user.pk,
        },
    )


# name -> accessible description; each is drawn from /submissions/<pk>/charts/<name>/.
# name: (title, how to read it)
SUBMISSION_CHARTS = {
    "beyond": (
        "Beyond per task, sorted",
        "Each difficulty's tasks from the best Beyond to the worst; a failed task scores 0. "
        "Hover a point for the task.",
    ),
    "percentile": (
        "Share of references beaten per task",
        "Each task with a passing sample, by difficulty, at the share of reference solutions "
        "its runtime beats; the bar is the median.",
    ),
    "failures": ("Verdicts by difficulty", "Samples by verdict on each difficulty's tasks."),
}


@require_GET
def submission_chart(request: HttpRequest, pk: int, name: str) -> JsonResponse:
    """One chart of a finished submission as Plotly JSON (loaded by the page, not inline)."""
    submission = _visible(request, pk)
    if name not in SUBMISSION_CHARTS:
        raise Http404("No such chart.")
    detail = selectors.submission_detail(submission=submission)
    if name == "beyond":
        figure = charts.submission_beyond_figure(rows=detail.task_summaries)
    elif name == "percentile":
        figure = charts.submission_percentile_figure(rows=detail.task_summaries)
    else:
        figure = charts.failure_figure(
            verdicts={detail.submission.display_name: detail.verdicts_by_difficulty},
            difficulties=selectors.DIFFICULTIES,
        )
    return JsonResponse(figure or {})


def _result_update(row: dict[str, Any]) -> dict[str, Any]:
    verdict = Verdict.coerce(row["verdict"])
    score = sample_beyond(verdict, row["beyond"])
    return {
        "id": row["id"],
        "verdict": verdict.value,
        "verdict_label": verdict.label,
        "verdict_class": verdict.css_class,
        "runtime": ms(row["runtime_s"]),
        "beyond": pct(score) if score is not None else "–",
        "percentile": percent(row["percentile"]),
        "diagnostic": row["diagnostic"][:500],
    }


@require_GET
def submission_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Status, progress, ETA and (with ?since=) newly judged results, polled by the page."""
    submission = _visible(request, pk)
    since_text = request.GET.get("since")
    since: datetime | None = parse_datetime(since_text) if since_text else None
    data = selectors.submission_progress(submission=submission, since=since)
    data["eta"] = duration(data["eta_s"]) if data["eta_s"] is not None else None
    if "results" in data:
        data["results"] = [_result_update(row) for row in data["results"]]
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def submission_results_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """A submission's per-sample results as CSV."""
    rows = selectors.submission_result_rows(submission=_visible(request, pk))
    return _download(
        exports.results_csv(rows=rows),
        content_type="text/csv; charset=utf-8",
        filename=f"mercury-submission-{pk}-results.csv",
    )


@require_GET
def submission_results_json(request: HttpRequest, pk: int) -> HttpResponse:
    """A submission's metrics and per-sample results as JSON (the evaluator's --json shape)."""
    submission = _visible(request, pk)
    rows = selectors.submission_result_rows(submission=submission)
    metrics = submission.metrics or {}
    body = {
        "id": submission.pk,
        "model_name": submission.model_name,
        "model_version": submission.model_version,
        "status": submission.status,
        **selectors.submission_figures(submission),
        "by_difficulty": metrics.get("by_difficulty") or {},
        "task_set": submission.task_set,
        "harness_version": submission.harness_version,
        "host": submission.host,
        "results": exports.result_dicts(rows=rows),
    }
    return _download(
        json.dumps(body, indent=1),
        content_type="application/json",
        filename=f"mercury-submission-{pk}-results.json",
    )


@require_GET
def submission_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    """The reproducibility bundle: versions, host, completions, results and the command."""
    submission = _visible(request, pk)
    state = selectors.benchmark_state()
    manifest = exports.reproducibility_manifest(
        submission=submission,
        task_set=state.task_set,
        harness_version=state.harness_version,
        host=selectors.current_host(),
    )
    bundle = exports.reproducibility_bundle(
        manifest=manifest,
        completions=selectors.submission_completions(submission_id=pk),
        results=exports.result_dicts(rows=selectors.submission_result_rows(submission=submission)),
    )
    return _download(
        bundle, content_type="application/zip", filename=f"mercury-submission-{pk}-bundle.zip"
    )


@require_GET
def prompts_jsonl(request: HttpRequest) -> HttpResponse:
    """Every task's prompt as JSONL, ready for generation."""
    content = caching.memoize(
        caching.TASKS, "prompts", {}, lambda: exports.jsonl(rows=selectors.prompt_rows())
    )
    return _download(
        content,
        content_type="application/jsonl; charset=utf-8",
        filename="mercury-prompts.jsonl",
    )


@require_GET
@caching.public_page(caching.TASKS, _no_params)
def task_list(request: HttpRequest) -> HttpResponse:
    """Every task, with calibration progress on this host."""
    tasks = caching.memoize(caching.TASKS, "task-list", {}, selectors.task_list)
    calibrated = sum(1 for task in tasks if task.calibrated)  # type: ignore[attr-defined]
    return render(
        request,
        "portal/task_list.html",
        {"tasks": tasks, "calibration": {"calibrated": calibrated, "total": len(tasks)}},
    )


@require_GET
@caching.public_page(caching.TASKS, _page_params)
def task_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A task: description, prompt, reference runtimes, the runtime chart, every model's result."""
    page = _page(request)
    detail = caching.memoize(
        caching.TASKS,
        "task-detail",
        {"slug": slug, "page": page},
        lambda: selectors.task_detail(slug=slug, page=page),
    )
    return render(
        request,
        "portal/task_detail.html",
        {
            "task": detail.task,
            "full_prompt": full_prompt(
                title=detail.task.title,
                description=detail.task.description,
                starter=detail.task.prompt,
            ),
            "detail": detail,
            "reference_names": detail.reference_names,
            "calibration": detail.calibration,
            "calibration_is_current": detail.calibration_is_current,
            "runtimes": sorted(detail.runtimes.items(), key=lambda item: item[1]),
            "models": detail.models,
            "models_page": detail.models_page,
        },
    )


@require_GET
def task_chart(request: HttpRequest, slug: str) -> JsonResponse:
    """The task's runtime chart as Plotly JSON: references and every public sample's runtime."""
    figure = caching.memoize(
        caching.TASKS, "task-chart", {"slug": slug}, lambda: _task_figure(slug)
    )
    return JsonResponse(figure)


def _task_figure(slug: str) -> dict[str, Any]:
    data = selectors.task_chart_data(slug=slug)
    return charts.task_runtime_figure(runtimes=data["runtimes"], points=data["points"]) or {}


def _ids(request: HttpRequest) -> list[int]:
    ids = []
    for value in request.GET.getlist("ids"):
        for part in value.split(","):
            if part.strip().isdigit():
                ids.append(int(part))
    return ids


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Compare two or more models against the chosen baseline on the tasks all attempted."""
    baseline = request.GET.get("baseline", "")
    comparison = selectors.compare_submissions(
        submission_ids=_ids(request), baseline_id=int(baseline) if baseline.isdigit() else None
    )
    submissions = comparison.submissions
    enough = len(submissions) >= 2
    return render(
        request,
        "portal/compare.html",
        {
            "comparison": comparison,
            "submissions": submissions,
            "enough": enough,
            "selected": {submission.pk for submission in submissions},
            "candidates": selectors.compare_candidates(),
            "difficulties": selectors.DIFFICULTIES,
            "noise_percent": round(selectors.NOISE_RATIO * 100),
            "figure": charts.compare_difference_figure(differences=comparison.differences)
            if enough
            else None,
            "failure_figure": charts.failure_figure(
                verdicts={
                    f"#{s.pk} {s.display_name}": comparison.verdicts[s.pk] for s in submissions
                },
                difficulties=selectors.DIFFICULTIES,
            )
            if enough
            else None,
        },
    )


@require_GET
def result_code(request: HttpRequest, pk: int, result_pk: int) -> HttpResponse:
    """One sample's code, highlighted (an HTML fragment the page loads when a sample is opened)."""
    _visible(request, pk)
    code = selectors.result_code(submission_id=pk, result_id=result_pk)
    response = render(request, "portal/includes/code.html", {"code": code})
    response["Cache-Control"] = "private, max-age=3600"
    return response
