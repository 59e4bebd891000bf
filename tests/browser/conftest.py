"""Browser-test helpers: sign a Playwright page in as a Django user."""

from typing import Any

from django.conf import settings
from django.test import Client


def sign_in(page: Any, base_url: str, user: Any) -> None:
    """Give the page's browser context a session of `user` (as if it had logged in)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
