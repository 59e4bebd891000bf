"""System checks validating the portal's configuration."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


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
