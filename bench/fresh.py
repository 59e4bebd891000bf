"""A fresh host's first result: from `make run` on a clean clone to a 256-task submission judged.

    .venv/bin/python bench/fresh.py [--tasks 256] [--port 8731] [--reuse-venv]

Clones this repository's HEAD into a temporary folder, starts `make run` there on an empty SQLite
database, an empty Redis database (a numbered database of the local server, flushed first, never
the whole server), an empty sandbox state folder and an empty calibration table, as a new host
would be; then uploads one submission of N tasks (each task's canonical reference solution)
through the JSON API with a staff token and polls it to the end. Prints, from the start of
`make run`: when the portal answered, when the submission was uploaded, how the host's
calibration and the submission progressed, when every task of the host was calibrated and when
the submission was fully judged; the last line is one SUMMARY line. Stops `make run` (SIGTERM to
its process group) and removes the clone at the end. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from load import _references_jsonl, _request, _upload  # noqa: E402 - bench's own helpers

LIMIT_S = 3600


def _redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _wait_http(port: int, started: float, proc: subprocess.Popen[bytes]) -> float:
    while time.monotonic() - started < LIMIT_S:
        if proc.poll() is not None:
            raise SystemExit(f"make run exited with {proc.returncode} before the portal answered")
        try:
            status, _, _ = _request("127.0.0.1", port, "GET", "/api/tasks/")
            if status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the portal never answered")


def _manage(clone: Path, env: dict[str, str], *args: str) -> str:
    out = subprocess.run(  # noqa: S603 - our own manage.py
        [str(clone / ".venv/bin/python"), "manage.py", *args],
        cwd=clone,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return out.stdout.strip()


def _calibrated(clone: Path, env: dict[str, str]) -> tuple[int, int]:
    """(tasks calibrated on this host, tasks) from the portal's own database."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings');"
        "django.setup();"
        "from portal.models import Task, Calibration;"
        "from evaluator.host import host_fingerprint, HARNESS_VERSION;"
        "print(Calibration.objects.filter(host=host_fingerprint(),"
        " harness_version=HARNESS_VERSION).values('task').distinct().count(), Task.objects.count())"
    )
    try:
        out = subprocess.run(  # noqa: S603
            [str(clone / ".venv/bin/python"), "-c", code],
            cwd=clone,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout.split()
        return int(out[0]), int(out[1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return -1, -1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=256)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--redis-db", type=int, default=13, help="flushed; the cache uses db+1")
    parser.add_argument(
        "--reuse-venv",
        action="store_true",
        help="link this checkout's .venv instead of creating one (leaves set-up time out)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mercury-fresh-"))
    work.chmod(0o755)  # the jail's uids must reach the sandbox state below it
    clone = work / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)  # noqa: S603,S607
    if args.reuse_venv:
        os.symlink(REPO / ".venv", clone / ".venv")
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    cache_url = f"redis://127.0.0.1:6379/{args.redis_db + 1}"
    for url in (redis_url, cache_url):
        _redis_flush(url)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "MERCURY_CACHE_URL": cache_url,
        "MERCURY_BIND": f"127.0.0.1:{args.port}",
        "MERCURY_SANDBOX_DIR": str(work / "sandbox-state"),
        "MERCURY_ADMIN_USER": "bench",
        "MERCURY_ADMIN_PASSWORD": uuid.uuid4().hex,
        "MERCURY_CACHE_DIR": str(work / "cli-cache"),
    }
    env.pop("DATABASE_URL", None)
    log = open(work / "make-run.log", "wb")  # noqa: SIM115 - closed in finally
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        up = _wait_http(args.port, started, proc)
        print(f"{up:7.1f} s  the portal answers on 127.0.0.1:{args.port}", flush=True)
        token = _manage(clone, env, "api_token", "bench", "--name", "bench/fresh.py").split()[-1]
        known = {
            row["task_id"]
            for row in json.loads(_request("127.0.0.1", args.port, "GET", "/api/tasks/")[1])[
                "results"
            ]
        }
        data = _references_jsonl(
            args.tasks, clone / "fixtures" / "tasks", known, uuid.uuid4().hex[:8]
        )
        submission = _upload("127.0.0.1", args.port, data, "bench-fresh", "1", token)
        uploaded = time.monotonic() - started
        print(
            f"{uploaded:7.1f} s  uploaded submission {submission} ({args.tasks} tasks)", flush=True
        )
        all_calibrated = done = None
        last = ""
        while time.monotonic() - started < LIMIT_S:
            status, body, _ = _request(
                "127.0.0.1",
                args.port,
                "GET",
                f"/api/submissions/{submission}/",
                headers={"Authorization": f"Token {token}"},
            )
            info = json.loads(body) if status == 200 else {}
            calibrated, total = _calibrated(clone, env)
            now = time.monotonic() - started
            line = f"status {info.get('status')}, progress {info.get('progress')}, host calibrated {calibrated}/{total}"
            if line != last:
                print(f"{now:7.1f} s  {line}", flush=True)
                last = line
            if all_calibrated is None and total > 0 and calibrated >= total:
                all_calibrated = now
            if info.get("status") in ("done", "error"):
                done = now
                break
            time.sleep(5)  # each poll starts a Django process: not too often
        if done is None:
            raise SystemExit("the submission did not finish in time")
        print(
            f"SUMMARY fresh host: portal up {up:.0f} s; {args.tasks}-task submission fully judged "
            f"{done:.0f} s ({done / 60:.1f} min) after `make run` started; every task calibrated "
            f"{'at ' + format(all_calibrated, '.0f') + ' s' if all_calibrated else 'not yet'}; "
            f"status {info.get('status')}, pass@1 {info.get('pass@1')}",
            flush=True,
        )
    except SystemExit:
        log.flush()
        tail = (work / "make-run.log").read_text(errors="replace").splitlines()[-20:]
        print("the end of `make run`'s output:", *tail, sep="\n", file=sys.stderr)
        raise
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # `make run` has ended (and stopped what it started)
        log.close()
        if not args.keep:
            subprocess.run(["rm", "-rf", str(work)], check=False)  # noqa: S603,S607
        else:
            print(f"kept {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
