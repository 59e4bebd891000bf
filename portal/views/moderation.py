"""Moderation pages: the public moderation log and flagging an entry."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal import selectors
from portal.services.moderation import FlagInvalid, flag_create
from portal.views import _page, _visible


@require_GET
def moderation_log(request: HttpRequest) -> HttpResponse:
    """What moderators did to public entries, newest first."""
    log = selectors.moderation_log_public(page=_page(request))
    return render(request, "portal/moderation_log.html", {"log": log, "page": log.page})


@login_required
@require_POST
def submission_flag(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a public entry to the moderators, with the reason."""
    submission = _visible(request, pk)
    try:
        flag_create(submission=submission, user=request.user, reason=request.POST.get("reason", ""))
    except FlagInvalid as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Thank you: the moderators will look at this entry.")
    return redirect(submission)
