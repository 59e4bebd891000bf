"""Thin HTML views: parse input, call one service or selector, render or redirect."""

import csv

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal import charts, selectors, services
from portal.forms import SubmissionUploadForm
from portal.models import SubmissionStatus


@require_GET
def leaderboard(request: HttpRequest) -> HttpResponse:
    """The public leaderboard."""
    return render(
        request,
        "portal/leaderboard.html",
        {
            "rows": selectors.leaderboard_rows(),
            "difficulties": selectors.DIFFICULTIES,
            "task_total": selectors.task_count(),
        },
    )


@require_GET
def leaderboard_csv(request: HttpRequest) -> HttpResponse:
    """The leaderboard as CSV (0-100 scale, one decimal)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mercury-leaderboard.csv"'
    writer = csv.writer(response)
    header = ["rank", "model", "submission", "pass@1", "beyond@1"]
    for difficulty in selectors.DIFFICULTIES:
        header += [f"{difficulty.lower()} pass@1", f"{difficulty.lower()} beyond@1"]
    writer.writerow([*header, "tasks", "samples", "finished_at"])

    def cell(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.1f}"

    for row in selectors.leaderboard_rows():
        cells = [cell(value) for pair in row.cells for value in pair]
        writer.writerow(
            [
                row.rank,
                # A leading =, +, - or @ would be a formula in a spreadsheet.
                "'" + row.model_name if row.model_name[:1] in "=+-@" else row.model_name,
                row.submission_id,
                cell(row.pass_at_1),
                cell(row.beyond_at_1),
                *cells,
                row.n_tasks,
                row.n_samples,
                row.finished_at.isoformat() if row.finished_at else "",
            ]
        )
    return response


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a completions file; on success go to the new submission's page."""
    form = SubmissionUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                submission = services.submission_create(
                    user=request.user,
                    model_name=form.cleaned_data["model_name"],
                    upload=form.cleaned_data["file"],
                )
            except services.SubmissionInvalid as exc:
                errors = exc.errors
            except services.UploadNotAllowed as exc:
                errors, status = [str(exc)], 403
            except services.UploadThrottled as exc:
                errors, status = [str(exc)], 429
            else:
                return redirect(submission)
    return render(
        request,
        "portal/upload.html",
        {
            "form": form,
            "errors": errors,
            "max_upload_bytes": settings.MERCURY_MAX_UPLOAD_BYTES,
            "requires_login": settings.MERCURY_UPLOAD_REQUIRES_LOGIN,
        },
        status=status,
    )


@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A submission: status, live progress, then metrics and per-sample results."""
    detail = selectors.submission_detail(submission_id=pk)
    finished = detail.submission.status == SubmissionStatus.DONE
    figure = charts.submission_beyond_figure(rows=detail.task_beyond) if finished else None
    return render(
        request,
        "portal/submission_detail.html",
        {
            "submission": detail.submission,
            "results": detail.results,
            "verdict_counts": detail.verdict_counts,
            "difficulties": selectors.DIFFICULTIES,
            "figure": figure,
        },
    )


@require_GET
def submission_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Status and progress of a submission, polled by the submission page."""
    response = JsonResponse(selectors.submission_progress(submission_id=pk))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """Every task, with calibration progress on this host."""
    tasks = selectors.task_list()
    calibrated = sum(1 for task in tasks if task.calibrated)  # type: ignore[attr-defined]
    return render(
        request,
        "portal/task_list.html",
        {"tasks": tasks, "calibration": {"calibrated": calibrated, "total": len(tasks)}},
    )


@require_GET
def task_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A task: description, prompt, reference runtimes and the runtime chart."""
    detail = selectors.task_detail(slug=slug)
    figure = charts.task_runtime_figure(runtimes=detail.runtimes, points=detail.points)
    return render(
        request,
        "portal/task_detail.html",
        {
            "task": detail.task,
            "reference_names": detail.reference_names,
            "calibration": detail.calibration,
            "calibration_is_current": detail.calibration_is_current,
            "runtimes": sorted(detail.runtimes.items(), key=lambda item: item[1]),
            "points": detail.points,
            "figure": figure,
        },
    )
