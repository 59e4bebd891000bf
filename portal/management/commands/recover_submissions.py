"""`manage.py recover_submissions`: re-enqueue evaluations lost to a Redis outage or a dead worker."""

from typing import Any

from django.core.management.base import BaseCommand

from portal.services import submission_recover_stalled


class Command(BaseCommand):
    help = (
        "Enqueue queued submissions that have no job, and resume running submissions whose job "
        "is gone (judged samples are kept). Safe to run at any time, e.g. at start-up."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        recovered = submission_recover_stalled()
        self.stdout.write(
            self.style.SUCCESS(
                f"enqueued {len(recovered['enqueued'])} queued and resumed "
                f"{len(recovered['resumed'])} stalled submission(s)"
            )
        )
