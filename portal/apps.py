"""App configuration of the portal: registers the system checks."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The single app of the project."""

    name = "portal"
    verbose_name = "Mercury Leaderboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers the checks)
