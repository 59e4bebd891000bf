"""Template context shared by every page: whether visitors may sign up."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def accounts(request: HttpRequest) -> dict[str, Any]:
    """`signup_open` for the header's "Sign up" link."""
    return {"signup_open": settings.MERCURY_SIGNUP_OPEN}
