"""`manage.py recover_submissions`: the stale-run detector, once or every N seconds."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from redis.exceptions import RedisError

from portal.services.recovery import recovery_run


class Command(BaseCommand):
    help = (
        "The stale-run detector: queue again the unfinished work (calibrations of this host, "
        "submissions, rejudge batches) whose job Redis lost, whose worker died or that a kill "
        "failed, cleaning up the job records left behind (judged samples are kept). Safe to "
        "run at any time; with --every it keeps checking; --startup also retries calibrations "
        "that failed by raising (what `make run` does when it starts)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="check again every SECONDS until stopped; Redis being down is then only logged",
        )
        parser.add_argument(
            "--startup",
            action="store_true",
            help="also queue again calibrations that failed by raising (a restart's retry)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        if every is not None and every <= 0:
            raise CommandError("--every takes a positive number of seconds")
        while True:
            try:
                report = recovery_run(startup=options["startup"])
            except RedisError as exc:
                if every is None:
                    raise CommandError(f"Redis is not reachable: {exc}") from exc
                self.stderr.write(f"Redis is not reachable ({exc}); trying again in {every:g} s")
            else:
                if every is None or report.recovered or report.records_discarded:
                    self.stdout.write(self.style.SUCCESS(report.summary()))
            if every is None:
                return
            close_old_connections()
            time.sleep(every)
