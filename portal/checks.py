"""System checks validating the portal's configuration."""

import re
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def check_secret_key(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Warn when the public development secret key is used with DEBUG off."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Warning(
                "DJANGO_SECRET_KEY is not set: the public development key is in use.",
                hint="Set DJANGO_SECRET_KEY to a long random value (see .env.example).",
                id="portal.W001",
            )
        ]
    return []


@register()
def check_tasks_dir(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Warn when MERCURY_TASKS_DIR does not exist (load_tasks would find nothing)."""
    if not settings.MERCURY_TASKS_DIR.is_dir():
        return [
            Warning(
                f"MERCURY_TASKS_DIR {settings.MERCURY_TASKS_DIR} is not a directory.",
                hint="Set MERCURY_TASKS_DIR or create fixtures/tasks/.",
                id="portal.W002",
            )
        ]
    return []


@register()
def check_accounts(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Quotas are 0 (off) or positive; MERCURY_BASE_URL is an absolute http(s) address."""
    messages: list[CheckMessage] = [
        Error(f"{name} is negative.", hint="Use 0 for no limit.", id="portal.E010")
        for name in (
            "MERCURY_SUBMISSIONS_PER_DAY",
            "MERCURY_MAX_QUEUED_PER_USER",
            "MERCURY_MAX_ACTIVE_SUBMISSIONS",
        )
        if getattr(settings, name) < 0
    ]
    if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", settings.MERCURY_BASE_URL):
        messages.append(
            Error(
                f"MERCURY_BASE_URL {settings.MERCURY_BASE_URL!r} is not an http(s) address.",
                hint="e.g. https://mercury.example.org (the links in notification e-mails).",
                id="portal.E011",
            )
        )
    return messages


@register(Tags.mail, deploy=True)
def check_mail_backend(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Warn (check --deploy) when mail is only printed on the console."""
    backend = settings.MAILERS.get("default", {}).get("BACKEND", "")
    if backend.endswith("console.EmailBackend"):
        return [
            Warning(
                "E-mail is printed on the console: password resets and notifications never "
                "reach anyone.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and "
                "EMAIL_HOST (see .env.example).",
                id="portal.W010",
            )
        ]
    return []
