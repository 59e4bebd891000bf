"""`manage.py recover_submissions`: re-enqueue evaluations lost to a Redis outage or a dead worker."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from redis.exceptions import RedisError

from portal.services.evaluation import submission_recover_stalled


class Command(BaseCommand):
    help = (
        "The stale-run detector: enqueue again the chunk jobs of queued and running submissions "
        "that Redis lost or whose worker died (judged samples are kept). Safe to run at any "
        "time, e.g. at start-up; with --every it keeps checking."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="check again every SECONDS until stopped; Redis being down is then only logged",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        if every is not None and every <= 0:
            raise CommandError("--every takes a positive number of seconds")
        while True:
            try:
                recovered = submission_recover_stalled()
            except RedisError as exc:
                if every is None:
                    raise CommandError(f"Redis is not reachable: {exc}") from exc
                self.stderr.write(f"Redis is not reachable ({exc}); trying again in {every:g} s")
            else:
                if every is None or recovered["enqueued"] or recovered["resumed"]:
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"enqueued {len(recovered['enqueued'])} queued and resumed "
                            f"{len(recovered['resumed'])} stalled submission(s)"
                        )
                    )
            if every is None:
                return
            close_old_connections()
            time.sleep(every)
