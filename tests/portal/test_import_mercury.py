"""`manage.py import_mercury` stores Mercury-schema rows as tasks, idempotently."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portal.models import Task

SAMPLE = Path(__file__).resolve().parents[1] / "evaluator" / "data" / "mercury" / "sample.jsonl"


def _import(*args: str) -> str:
    out = StringIO()
    call_command("import_mercury", "--from", str(SAMPLE), *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_import_mercury_stores_rows_and_reports_none_tests():
    output = _import()
    assert "2 created" in output and "1 skipped" in output
    assert "skipped   broken-row: convert_offline is missing or 'None'" in output
    task = Task.objects.get(slug="reverse-chain")
    assert task.checker == "mercury" and task.origin.startswith("mercury-")
    assert task.references.count() == 2 and len(task.suite.small) == 3


@pytest.mark.django_db
def test_import_mercury_is_idempotent_and_keeps_builtin_tasks(make_task):
    make_task(slug="count-evens")
    _import()
    again = _import()
    assert "0 created, 0 updated, 1 unchanged" in again
    assert Task.objects.get(slug="count-evens").checker != "mercury"
    assert "a built-in task has this slug" in again
    assert "1 updated" in _import("--replace")
    assert Task.objects.get(slug="count-evens").checker == "mercury"


@pytest.mark.django_db
def test_import_mercury_reports_a_missing_file_clearly(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_mercury", "--from", str(tmp_path / "nope.parquet"))
