"""`manage.py import_mercury [--split eval|train|all] [--from PATH] [--replace]`: Mercury's rows."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluator.mercury import SPLITS, MercuryError, read_rows, rows_from_hub
from portal.services.tasks import task_import_mercury


def _rows(source: Path | None, split: str) -> Iterator[dict[str, Any]]:
    splits = SPLITS if split == "all" else (split,)
    if source is None:
        for name in splits:
            yield from rows_from_hub(name)
        return
    if source.is_file():
        yield from read_rows(source)
        return
    if not source.is_dir():
        raise MercuryError(f"{source}: no such file or directory")
    for name in splits:
        files = sorted(
            p
            for p in source.rglob("*")
            if p.suffix in (".parquet", ".jsonl", ".json") and p.name.startswith(name)
        )
        if not files:
            raise MercuryError(f"{source}: no {name}*.parquet / .jsonl file")
        for path in files:
            yield from read_rows(path)


class Command(BaseCommand):
    help = "Import Mercury's dataset (local parquet / JSON lines, or the Hub when online)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--split", choices=[*SPLITS, "all"], default="eval")
        parser.add_argument(
            "--from",
            dest="source",
            type=Path,
            default=None,
            help="a parquet / JSON lines file, or a folder with <split>*.parquet files "
            "(default: the Hugging Face Hub, which needs `datasets` and a network)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="let Mercury's rows replace built-in tasks that have the same slug",
        )

    def handle(self, *args: Any, split: str, source: Path | None, replace: bool, **kw: Any) -> None:
        try:
            report = task_import_mercury(rows=_rows(source, split), replace=replace)
        except MercuryError as exc:
            raise CommandError(str(exc)) from exc
        for slug, reason in report.skipped:
            self.stdout.write(f"skipped   {slug}: {reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"dataset {report.version}: {len(report.created)} created, "
                f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
                f"{len(report.skipped)} skipped"
            )
        )
