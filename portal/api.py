"""JSON API (DESIGN §5): token-authenticated uploads; leaderboard, tasks and status reads."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal import selectors, services
from portal.forms import SubmissionUploadForm


@csrf_exempt  # token-authenticated, no cookies involved
@require_POST
def submissions(request: HttpRequest) -> JsonResponse:
    """POST /api/submissions/ (multipart `file`, `model_name`): 201 {"id", "status", "url"}."""
    user = services.api_token_authenticate(header=request.headers.get("Authorization", ""))
    if user is None:
        response = JsonResponse(
            {"detail": "Send a valid API token: 'Authorization: Token <key>'."}, status=401
        )
        response["WWW-Authenticate"] = "Token"
        return response
    form = SubmissionUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [f"{field}: {error}" for field, items in form.errors.items() for error in items]
        return JsonResponse({"errors": errors}, status=400)
    try:
        submission = services.submission_create(
            user=user,
            model_name=form.cleaned_data["model_name"],
            upload=form.cleaned_data["file"],
            metadata=form.metadata(),
        )
    except services.SubmissionInvalid as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    except services.SubmissionDuplicate as exc:
        return JsonResponse({"detail": str(exc), "duplicate_of": exc.existing.pk}, status=409)
    except services.UploadNotAllowed as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    except services.UploadThrottled as exc:
        return JsonResponse(
            {"detail": str(exc)}, status=429, headers={"Retry-After": str(exc.retry_after)}
        )
    return JsonResponse(
        {
            "id": submission.pk,
            "status": submission.status,
            "url": request.build_absolute_uri(submission.get_absolute_url()),
        },
        status=201,
    )


@require_GET
def leaderboard(request: HttpRequest) -> JsonResponse:
    """GET /api/leaderboard/: the public rows (same filter and sort parameters as the page)."""
    query = selectors.LeaderboardQuery.from_params(request.GET)
    return JsonResponse({"results": selectors.leaderboard_api_rows(query=query)})


@require_GET
def tasks(request: HttpRequest) -> JsonResponse:
    """GET /api/tasks/: the tasks with their prompts."""
    return JsonResponse({"results": selectors.tasks_api_rows()})


@require_GET
def submission(request: HttpRequest, pk: int) -> JsonResponse:
    """GET /api/submissions/<id>/: status, progress and metrics (private entries: owner, staff)."""
    selectors.submission_get_visible(submission_id=pk, user=_api_user(request))
    return JsonResponse(selectors.submission_progress(submission_id=pk))


def _api_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """The token's user when an Authorization header is sent, else the session's user."""
    header = request.headers.get("Authorization", "")
    if header:
        return services.api_token_authenticate(header=header) or AnonymousUser()
    return request.user
