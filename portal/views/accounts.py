"""Account pages: sign-up and the profile (API tokens, own submissions, notifications, quota).

Log in, log out, password change and reset are Django's own views (django.contrib.auth.urls)
with templates in templates/registration/; the reset request is limited (`PasswordResetView`).
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portal import selectors
from portal.account_forms import (
    ApiTokenForm,
    LimitedPasswordResetForm,
    NotificationForm,
    SignUpForm,
)
from portal.services import accounts

# The profile lists this many of the user's newest submissions (staff may have many more).
PROFILE_SUBMISSIONS = 100


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, sign it in and go to its profile (403 when sign-up is closed)."""
    if not settings.MERCURY_SIGNUP_OPEN:
        return render(request, "registration/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect("portal:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = accounts.user_signup(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}: your account is ready.")
        return redirect("portal:profile")
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


def _profile(request: HttpRequest, *, status: int = 200, **context: Any) -> HttpResponse:
    user = request.user
    profile = accounts.profile_of(user=user)
    response = render(
        request,
        "portal/profile.html",
        {
            "profile": profile,
            "tokens": selectors.api_tokens_of(user=user),
            "submissions": selectors.submissions_of(user=user)[:PROFILE_SUBMISSIONS],
            "submissions_total": selectors.submissions_of(user=user).count(),
            "quota": selectors.quota_for(user=user),
            "token_form": context.pop("token_form", None) or ApiTokenForm(),
            "notify_form": NotificationForm(initial={"notify_by_email": profile.notify_by_email}),
            **context,
        },
        status=status,
    )
    # The page may hold a new key: keep it out of caches and the back-forward history.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's tokens, own submissions in every state, notifications and quota."""
    return _profile(request)


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its key on this response only (it is stored hashed)."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, status=400, token_form=form)
    issued = accounts.api_token_create(user=request.user, name=form.cleaned_data["name"])
    return _profile(request, new_token=issued)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's tokens; scripts using it get 401 from now on."""
    if accounts.api_token_revoke(user=request.user, token_id=pk):
        messages.success(request, "The token is revoked.")
    else:
        messages.error(request, "No such active token.")
    return redirect("portal:profile")


@login_required
@require_POST
def notifications(request: HttpRequest) -> HttpResponse:
    """Turn e-mail on finished or failed evaluations on or off."""
    form = NotificationForm(request.POST)
    form.is_valid()  # a lone optional checkbox is always valid
    notify = bool(form.cleaned_data.get("notify_by_email"))
    accounts.profile_set_notify(user=request.user, notify_by_email=notify)
    messages.success(request, "E-mail notifications are " + ("on." if notify else "off."))
    return redirect("portal:profile")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per client address (429) and, in its form, per e-mail
    address and per account."""

    form_class = LimitedPasswordResetForm

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        client = getattr(self.request, "axes_ip_address", None) or self.request.META.get(
            "REMOTE_ADDR", ""
        )
        limit = settings.MERCURY_PASSWORD_RESET_REQUESTS_PER_HOUR
        if not accounts.password_reset_count(kind="client", value=str(client), limit=limit):
            response = render(
                self.request, "registration/password_reset_throttled.html", status=429
            )
            response["Retry-After"] = "3600"
            return response
        return super().form_valid(form)
