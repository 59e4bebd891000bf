"""Host identity: which machine and harness a runtime was measured with."""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from functools import cache
from pathlib import Path

from evaluator.jailfiles import jail_python

_HERE = Path(__file__).resolve().parent
# Bump the prefix when the timing protocol changes in a way the sources below don't show.
_PROTOCOL = "2"


# The code that turns a program into a verdict and a runtime: a change re-measures everything
# (calibrations are keyed by it) and marks every score stale.
MEASURING_FILES = (
    "sandbox.py",
    "jailconfig.py",
    "jailfiles.py",
    "judge.py",
    "calibration.py",
    "checking.py",
    "checkers.py",
    *sorted(f"jail/{p.name}" for p in (_HERE / "jail").glob("*.py")),
)
# The code that turns verdicts and runtimes into scores: a change marks every score stale, and
# `manage.py rescore` recomputes them from the stored runtimes and calibrations, no rejudging.
SCORING_FILES = ("metrics.py", "verdicts.py")


def _version(prefix: str, files: tuple[str, ...]) -> str:
    digest = hashlib.sha256(_PROTOCOL.encode())
    for name in files:
        digest.update(name.encode())
        digest.update((_HERE / name).read_bytes())
    return f"{prefix}{_PROTOCOL}-{digest.hexdigest()[:10]}"


@cache
def harness_version() -> str:
    """A short hash of the code that turns a program into a verdict and a runtime."""
    return _version("h", MEASURING_FILES)


@cache
def scoring_version() -> str:
    """A short hash of the code that turns verdicts and runtimes into scores."""
    return _version("s", SCORING_FILES)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown-cpu"


def _jail_python_version() -> str:
    try:
        return jail_python().version
    except Exception:  # noqa: BLE001 - no sandbox here: fall back to this interpreter
        return sys.version.split()[0]


@cache
def host_fingerprint() -> str:
    """Hardware and interpreter identity; runtimes from different fingerprints never mix.

    MERCURY_HOST_FINGERPRINT overrides it (e.g. to pool identical machines under one name).
    """
    override = os.environ.get("MERCURY_HOST_FINGERPRINT")
    if override:
        return override
    parts = [
        _cpu_model(),
        str(os.cpu_count()),
        platform.machine(),
        f"sandbox-python-{_jail_python_version()}",
        platform.python_implementation(),
    ]
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
    return f"{platform.node() or 'host'}-{digest}"


HARNESS_VERSION = harness_version()
SCORING_VERSION = scoring_version()
