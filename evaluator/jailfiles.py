"""What the jail mounts from the host: the interpreter, the judge's own bytecode, extra libraries.

Each is a world-readable copy under the sandbox's state folder, built once per content and
published by an atomic rename, so workers share them and a jail never compiles anything.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

JAIL_PACKAGE = Path(__file__).with_name("jail")
STATE_DIR = Path(os.environ.get("MERCURY_SANDBOX_DIR", "/var/lib/mercury-sandbox"))
SYSTEM_TREES = (Path("/usr"), Path("/lib"), Path("/lib64"))


class SandboxError(RuntimeError):
    """The sandbox could not run (our fault, never the completion's)."""


@dataclass(frozen=True)
class JailPython:
    """The interpreter that runs completions inside the jail."""

    binary: str
    prefix: Path
    version: str  # "3.11.2"

    @property
    def short(self) -> str:
        return ".".join(self.version.split(".")[:2])


def _probe(binary: str) -> JailPython | None:
    try:
        out = subprocess.run(  # noqa: S603 - a fixed probe of a local interpreter
            [binary, "-I", "-S", "-c", "import sys; print(sys.base_prefix); print(sys.version)"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    version = out[1].split()[0]
    if tuple(int(x) for x in version.split(".")[:2]) < (3, 8):
        return None
    return JailPython(str(Path(binary).resolve()), Path(out[0]).resolve(), version)


@functools.cache
def jail_python() -> JailPython:
    """MERCURY_SANDBOX_PYTHON, else a CPython 3.11 (LeetCode's), else this interpreter.

    3.11 is preferred because 3.12 counts recursion through C functions (functools.lru_cache,
    for one) against a fixed limit of about 1,500 frames: memoised recursion that LeetCode and
    Mercury accept would fail there.
    """
    explicit = os.environ.get("MERCURY_SANDBOX_PYTHON")
    if explicit:
        found = _probe(explicit)
        if found is None:
            raise SandboxError(f"MERCURY_SANDBOX_PYTHON={explicit} is not a working Python")
        return found
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = ["/usr/bin/python3.11", "/usr/local/bin/python3.11"]
    candidates += [str(p) for p in sorted(pyenv.glob("3.11.*/bin/python3.11"), reverse=True)]
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and (found := _probe(candidate)) is not None:
            return found
    return JailPython(
        str(Path(sys.executable).resolve()),
        Path(sys.base_prefix).resolve(),
        sys.version.split()[0],
    )


def interpreter_tree() -> Path:
    return jail_python().prefix


def interpreter_binary() -> str:
    python = jail_python()
    candidate = python.prefix / "bin" / f"python{python.short}"
    if candidate.exists():
        return str(candidate)
    return python.binary


def _needs_copy(tree: Path) -> bool:
    """True when nobody cannot traverse to the interpreter (e.g. pyenv under /root, mode 0700)."""
    for parent in [tree, *tree.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            return True
    return False


def interpreter_source() -> Path:
    """A world-readable interpreter tree to mount at the interpreter's own path (RUNPATH is absolute)."""
    tree = interpreter_tree()
    if not _needs_copy(tree):
        return tree
    version = jail_python().short
    binary = Path(interpreter_binary()).stat()
    identity = f"{tree}|{binary.st_size}|{binary.st_mtime_ns}".encode()
    stamp = f"{jail_python().version}-{hashlib.sha256(identity).hexdigest()[:10]}"
    skip = {"test", "tests", "site-packages", "idlelib", "tkinter", "turtledemo", "ensurepip"}

    def fill(work: Path) -> None:
        (work / "bin").mkdir()
        shutil.copy2(interpreter_binary(), work / "bin" / f"python{version}")
        if (tree / "lib").is_dir():
            (work / "lib").mkdir()
            for entry in (tree / "lib").iterdir():
                if entry.name.startswith("libpython") and entry.is_file():
                    shutil.copy2(entry, work / "lib" / entry.name, follow_symlinks=True)
            stdlib = tree / "lib" / f"python{version}"
            shutil.copytree(
                stdlib,
                work / "lib" / f"python{version}",
                ignore=lambda _d, names: [n for n in names if n in skip],
                symlinks=True,
            )

    return _published_copy(STATE_DIR / "python" / stamp, fill)


def _published_copy(target: Path, fill: Callable[[Path], None]) -> Path:
    """target, built once by fill() in a scratch folder, made world-readable, renamed into place.

    Workers race on it harmlessly: the first rename wins, the others discard their copy.
    """
    if (target / ".complete").exists():
        return target
    for folder in (STATE_DIR, target.parent):
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)
    work = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    fill(work)
    for root, _dirs, files in os.walk(work):
        os.chmod(root, 0o755)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755 if os.access(path, os.X_OK) else 0o644)
    (work / ".complete").write_text("ok\n")
    try:
        os.rename(work, target)
    except OSError:  # another worker won the race
        shutil.rmtree(work, ignore_errors=True)
    return target


EXTRA_LIB = "/opt/mercury-lib"  # as in the harness
EXTRA_MODULES = ("sortedcontainers",)


def compiled_library(source: Path) -> Path:
    """A world-readable copy of a pure-Python package with bytecode for the jail's interpreter.

    The worker's own copy has bytecode for the worker's Python at best, and -B keeps the jail
    from writing any: every jail would compile the package again (about 60 ms for
    sortedcontainers, at each start).
    """
    files = sorted(p for p in source.glob("*.py"))
    identity = "|".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    digest = hashlib.sha256(f"{source}|{identity}".encode()).hexdigest()[:10]
    target = STATE_DIR / "lib" / f"{source.name}-{jail_python().version}-{digest}"

    def fill(work: Path) -> None:
        for path in files:
            shutil.copy2(path, work / path.name)
        compile_for_jail(work, f"{EXTRA_LIB}/{source.name}")

    return _published_copy(target, fill)


@functools.cache
def compiled_jail() -> Path:
    """The jail package as bytecode for the jail's interpreter (sourceless: .pyc beside nothing).

    Compiling at every start would cost several ms per jail; the jail imports this folder from
    /opt/mercury-judge/jail. It is world-readable: counted runs start from it under valgrind.
    """
    sources = sorted(JAIL_PACKAGE.glob("*.py"))
    digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in sources))
    target = STATE_DIR / "jail" / f"{jail_python().version}-{digest.hexdigest()[:10]}"

    def fill(work: Path) -> None:
        package = work / "jail"
        package.mkdir()
        for path in sources:
            shutil.copy2(path, package / path.name)
        subprocess.run(  # noqa: S603 - our interpreter compiling our own copy
            [
                jail_python().binary,
                "-I",
                "-m",
                "compileall",
                "-q",
                "-b",
                "-d",
                "/opt/mercury-judge/jail",
                str(package),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        for path in package.glob("*.py"):
            path.unlink()  # with the source beside it, the bytecode would be ignored

    return _published_copy(target, fill) / "jail"


def compile_for_jail(folder: Path, shown_as: str) -> None:
    """Write bytecode for the jail's interpreter next to the sources in folder."""
    subprocess.run(  # noqa: S603 - our interpreter compiling our own copy
        [jail_python().binary, "-I", "-m", "compileall", "-q", "-d", shown_as, str(folder)],
        check=True,
        capture_output=True,
        timeout=120,
    )
