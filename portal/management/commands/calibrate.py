"""`manage.py calibrate [--sync] [--force] [--task SLUG ...]`: measure reference runtimes."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.models import Calibration, Task
from portal.services.calibration import calibration_enqueue, calibration_run


class Command(BaseCommand):
    help = (
        "Calibrate tasks on this host: enqueue one job per task on the 'calibrate' queue, "
        "or with --sync run them here, one after another, with a progress line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sync", action="store_true", help="run inline (needs root)")
        parser.add_argument(
            "--force", action="store_true", help="re-measure even if calibrated (with --sync)"
        )
        parser.add_argument(
            "--task", dest="slugs", action="append", metavar="SLUG", help="only this task"
        )

    def handle(
        self, *args: Any, sync: bool, force: bool, slugs: list[str] | None, **o: Any
    ) -> None:
        if slugs:
            unknown = sorted(set(slugs) - set(Task.objects.values_list("slug", flat=True)))
            if unknown:
                raise CommandError(f"unknown task(s): {', '.join(unknown)}")
        if not sync:
            enqueued = calibration_enqueue(slugs=slugs)
            self.stdout.write(
                self.style.SUCCESS(
                    f"enqueued {len(enqueued)} calibration job(s) on 'calibrate' "
                    "(tasks already calibrated on this host are skipped)"
                )
            )
            return
        started = time.monotonic()
        tty = self.stdout.isatty() if hasattr(self.stdout, "isatty") else sys.stdout.isatty()

        def progress(
            index: int, total: int, task: Task, found: Calibration | None, exc: Exception | None
        ) -> None:
            width = 30
            filled = int(width * index / total) if total else width
            bar = "#" * filled + "-" * (width - filled)
            note = f"spread {found.spread:.1f}x" if found else f"FAILED: {exc}"
            if found and found.flagged:
                note += " (flagged: references barely differ)"
            line = f"[{bar}] {index}/{total} {task.slug}: {note}"
            self.stdout.write(("\r\x1b[2K" if tty else "") + line, ending="" if tty else "\n")

        done, failed = calibration_run(slugs=slugs, force=force, progress=progress)
        if tty:
            self.stdout.write("")
        elapsed = time.monotonic() - started
        message = f"{done} calibrated, {failed} failed in {elapsed:.0f}s"
        if failed:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))
