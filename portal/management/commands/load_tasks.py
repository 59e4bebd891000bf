"""`manage.py load_tasks [--path DIR]`: upsert the task set from fixtures (idempotent)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from portal.services.tasks import task_load_from_fixtures


class Command(BaseCommand):
    help = "Create or update tasks, their tests and references from a tasks directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path",
            type=Path,
            default=None,
            help=f"tasks directory (default MERCURY_TASKS_DIR: {settings.MERCURY_TASKS_DIR})",
        )

    def handle(self, *args: Any, path: Path | None, **options: Any) -> None:
        report = task_load_from_fixtures(path=path)
        for slug in report.created:
            self.stdout.write(f"created   {slug}")
        for slug in report.updated:
            self.stdout.write(f"updated   {slug}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged"
            )
        )
