"""`manage.py rescore`: score finished submissions again by the current rule, without rejudging."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.services.scoring import submission_rescore, submissions_rescore_stale


class Command(BaseCommand):
    help = (
        "Recompute Beyond and the scores of finished submissions from their stored runtimes "
        "and calibrations (after a change to evaluator/metrics.py or verdicts.py). By default "
        "every submission scored by an older rule; or the ids given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="submission ids (default: stale ones)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ids"]:
            changed = {pk: submission_rescore(submission_id=pk) for pk in options["ids"]}
        else:
            changed = submissions_rescore_stale()
        samples = sum(changed.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"rescored {len(changed)} submission(s); {samples} sample(s) changed Beyond"
            )
        )
