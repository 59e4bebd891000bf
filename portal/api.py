"""JSON API (DESIGN §5, docs/openapi.yaml): token-authenticated uploads and reads.

Every answer is JSON, errors included: `{"detail": ...}` with 401 (and `WWW-Authenticate:
Token`), 403, 404, 405 (and `Allow`), 409 or 429 (and `Retry-After`); `{"errors": [...]}` with
400.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from portal import caching, selectors
from portal.forms import CompletionsCheckForm, SubmissionUploadForm
from portal.services.accounts import api_token_authenticate
from portal.services.completions import completions_check
from portal.services.submissions import (
    SubmissionDuplicate,
    SubmissionInvalid,
    UploadNotAllowed,
    UploadThrottled,
    submission_create,
)

TOKEN_HELP = "Send a valid API token: 'Authorization: Token <key>'."

View = Callable[..., HttpResponse]


class _Unauthorized(Exception):
    """No valid token where one is needed, or a bad or revoked one was sent."""


def _error(detail: str, status: int, **headers: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, headers=headers)


def api_view(*methods: str) -> Callable[[View], View]:
    """Allow only `methods` (GET implies HEAD) and answer 401, 404 and 405 as JSON."""
    allowed = {*methods, *(["HEAD"] if "GET" in methods else [])}

    def decorate(view: View) -> View:
        @csrf_exempt  # token-authenticated: a write never relies on the session cookie
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                return _error(
                    f"{request.method} is not allowed here; use {' or '.join(methods)}.",
                    405,
                    Allow=", ".join(sorted(allowed)),
                )
            try:
                return view(request, *args, **kwargs)
            except _Unauthorized as exc:
                return _error(str(exc), 401, **{"WWW-Authenticate": "Token"})
            except Http404 as exc:
                return _error(str(exc) or "Not found.", 404)

        return wrapper

    return decorate


def _token_user(request: HttpRequest) -> AbstractBaseUser:
    """The user of the request's valid, unrevoked token; 401 otherwise."""
    user = api_token_authenticate(header=request.headers.get("Authorization", ""))
    if user is None:
        raise _Unauthorized(TOKEN_HELP)
    return user


def _viewer(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """The token's user when an Authorization header is sent (401 if it is not valid), else the
    session's user (anonymous for a script without a token)."""
    if request.headers.get("Authorization"):
        return _token_user(request)
    return request.user


@api_view("GET", "POST")
def submissions(request: HttpRequest) -> HttpResponse:
    """GET: the token owner's own submissions. POST (multipart `file`, `model_name`): upload."""
    user = _token_user(request)
    if request.method != "POST":
        return JsonResponse({"results": selectors.submissions_api_rows(user=user)})
    form = SubmissionUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [f"{field}: {error}" for field, items in form.errors.items() for error in items]
        return JsonResponse({"errors": errors}, status=400)
    try:
        submission = submission_create(
            user=user,
            model_name=form.cleaned_data["model_name"],
            upload=form.cleaned_data["file"],
            metadata=form.metadata(),
        )
    except SubmissionInvalid as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    except SubmissionDuplicate as exc:
        duplicate_of = exc.existing.pk if exc.existing is not None else None
        return JsonResponse({"detail": str(exc), "duplicate_of": duplicate_of}, status=409)
    except UploadNotAllowed as exc:
        return _error(str(exc), 403)
    except UploadThrottled as exc:
        return _error(str(exc), 429, **{"Retry-After": str(exc.retry_after)})
    return JsonResponse(
        {
            "id": submission.pk,
            "status": submission.status,
            "url": request.build_absolute_uri(submission.get_absolute_url()),
        },
        status=201,
    )


@api_view("POST")
def submissions_validate(request: HttpRequest) -> HttpResponse:
    """POST /api/submissions/validate/ (multipart `file`): check a file as an upload would,
    storing nothing and using no quota; 200 with `valid` and every error either way."""
    _token_user(request)
    form = CompletionsCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [f"{field}: {error}" for field, items in form.errors.items() for error in items]
        return JsonResponse({"errors": errors}, status=400)
    upload = form.cleaned_data["file"]
    return JsonResponse(completions_check(data=b"".join(upload.chunks())).as_dict())


@api_view("GET")
def leaderboard(request: HttpRequest) -> HttpResponse:
    """GET /api/leaderboard/: the public rows (same filter and sort parameters as the page)."""
    query = selectors.LeaderboardQuery.from_params(request.GET)
    rows = caching.memoize(
        caching.LEADERBOARD,
        "api-leaderboard",
        query.params(page=1),
        lambda: selectors.leaderboard_api_rows(query=query),
    )
    return JsonResponse({"results": rows})


@api_view("GET")
def tasks(request: HttpRequest) -> HttpResponse:
    """GET /api/tasks/: the tasks with their prompts."""
    rows = caching.memoize(caching.TASKS, "api-tasks", {}, selectors.tasks_api_rows)
    return JsonResponse({"results": rows})


@api_view("GET")
def task(request: HttpRequest, slug: str) -> HttpResponse:
    """GET /api/tasks/<slug>/: a task's prompt, description and reference runtimes."""
    return JsonResponse(selectors.task_api_detail(slug=slug))


@api_view("GET")
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /api/submissions/<id>/: status, progress and metrics (private entries: owner, staff)."""
    found = selectors.submission_get_visible(submission_id=pk, user=_viewer(request))
    return JsonResponse(selectors.submission_progress(submission=found))


@api_view("GET")
def submission_results(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /api/submissions/<id>/results/: per-sample verdicts and runtimes (same visibility)."""
    found = selectors.submission_get_visible(submission_id=pk, user=_viewer(request))
    return JsonResponse(selectors.submission_api_results(submission=found))
