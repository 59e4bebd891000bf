"""The upload page: check a completions file, or upload it with the model's metadata."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal import selectors
from portal.forms import CompletionsCheckForm, SubmissionUploadForm
from portal.services.completions import CompletionsCheck, completions_check
from portal.services.submissions import (
    SubmissionDuplicate,
    SubmissionInvalid,
    UploadNotAllowed,
    UploadThrottled,
    submission_create,
)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a completions file with the model's metadata; on success go to its page."""
    checking = request.POST.get("action") == "check"
    form = SubmissionUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    duplicate, already = None, False
    status, retry_after = 200, 0
    check: CompletionsCheck | None = None
    if checking:
        # Only the file is read: nothing is stored and no quota is used.
        check_form = CompletionsCheckForm(request.POST, request.FILES)
        if check_form.is_valid():
            upload = check_form.cleaned_data["file"]
            check = completions_check(data=b"".join(upload.chunks()))
        else:
            errors, status = [str(e) for e in check_form.errors.get("file", [])], 400
        form = SubmissionUploadForm(initial=request.POST.dict())  # keeps what was typed
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                submission = submission_create(
                    user=request.user,
                    model_name=form.cleaned_data["model_name"],
                    upload=form.cleaned_data["file"],
                    metadata=form.metadata(),
                )
            except SubmissionInvalid as exc:
                errors = exc.errors
            except SubmissionDuplicate as exc:
                errors, duplicate, already, status = [str(exc)], exc.existing, True, 409
            except UploadNotAllowed as exc:
                errors, status = [str(exc)], 403
            except UploadThrottled as exc:
                errors, status, retry_after = [str(exc)], 429, exc.retry_after
            else:
                return redirect(submission)
    response = render(
        request,
        "portal/upload.html",
        {
            "form": form,
            "errors": errors,
            "duplicate": duplicate,
            "already": already,
            "quota": selectors.quota_for(user=request.user),
            "throttled": status == 429,
            "check": check,
            "checking": checking,
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
