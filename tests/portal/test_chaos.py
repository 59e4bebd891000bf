"""Crash-only `make run`: the real script, real Redis, workers judging in real jails, killed.

- The chaos run of bench/chaos.py in a short form (a few cycles; CHAOS_CYCLES, CHAOS_SEED).
- The restart that stopped `make run` from starting (issue 15): RQ workers killed while they
  calibrate, `make run` stopped, then started again inside RQ's TTL window (a job's execution
  record gone, its execution registry still listing it); and `make run` stopped at many
  moments of its start-up, started again each time.

Each test runs on a Redis of its own and a database of its own (SQLite, or a fresh PostgreSQL
database when DATABASE_URL points at PostgreSQL), in a temporary folder: nothing shared is
touched. Needs root (the sandbox) and redis-server.
"""

import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.chaos import Chaos

pytestmark = [
    pytest.mark.slow,
    pytest.mark.sandbox,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="redis-server is not installed"
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
]


def _database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


@pytest.fixture
def chaos(request: pytest.FixtureRequest) -> Iterator[Chaos]:
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(10**9))
    print(f"chaos seed {seed} (replay: CHAOS_SEED={seed})")
    run = Chaos(
        seed=seed,
        cycles=int(os.environ.get("CHAOS_CYCLES", "3")),
        database=_database(),
        kill_window_s=8.0,
        tasks=1,  # real judging takes seconds a sample: CI's form stays short
    )
    if not run.database:
        run.database = f"sqlite:///{run.directory / 'db.sqlite3'}"
    run.setup()
    yield run
    run.teardown()
    shutil.rmtree(run.directory, ignore_errors=True)


def test_chaos_short(chaos: Chaos) -> None:
    chaos.note(f"seed {chaos.seed}: {chaos.cycles} cycle(s), database {chaos.database}")
    for index in range(1, chaos.cycles + 1):
        chaos.cycle(index)
    chaos.finish(timeout=150)
    assert not chaos.problems()


# ---------------------------------------------------------------------------------------------
# The restart inside the TTL window, and stops at every moment of start-up.

# Start-up's steps, by the line `make run` logs as it begins each.
STARTUP_MOMENTS = (
    "Redis answers",
    "manage.py load_tasks",
    "recovery: calibrations",
    "starting 2 RQ worker",
    "starting the stale-run detector",
    "starting gunicorn",
)


def _log_size(chaos: Chaos) -> int:
    return (chaos.directory / "run.log").stat().st_size


def _wait_for_line(chaos: Chaos, run: subprocess.Popen[bytes], text: str, offset: int) -> None:
    deadline = time.monotonic() + 120
    while text not in (chaos.directory / "run.log").read_text(errors="replace")[offset:]:
        if run.poll() is not None:
            raise chaos.fail(f"make run exited before {text!r}")
        if time.monotonic() > deadline:
            raise chaos.fail(f"make run never logged {text!r}")
        time.sleep(0.02)


def _age_past_the_heartbeat_ttl(chaos: Chaos) -> int:
    """What 95-140 s of waiting does to a killed worker's job: its execution records expire
    (heartbeat TTL) while its execution registry, 60 s longer, still lists them."""
    client = chaos.redis.client()
    keys = list(client.scan_iter("rq:execution:*"))
    if keys:
        client.delete(*keys)
    return len(keys)


def _kill_workers_while_they_calibrate(chaos: Chaos) -> int:
    """SIGKILL the RQ worker processes and their work horses once a horse runs a jail."""
    deadline = time.monotonic() + 60
    while True:
        roles = chaos._pids()
        busy = [
            pid
            for pid in roles["horse"]
            if any("nsjail" in _cmdline(child) for child in _children(pid))
        ]
        if busy:
            break
        assert time.monotonic() < deadline, "no worker started calibrating within 60 s"
        time.sleep(0.05)
    for pid in roles["worker"] + roles["horse"]:
        os.kill(pid, signal.SIGKILL)
    return len(roles["worker"] + roles["horse"])


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _stop(chaos: Chaos, run: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as systemd and `kill` send; it must end within seconds, leaving nothing."""
    started = time.monotonic()
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=30)
    chaos.note(f"stopped in {time.monotonic() - started:.1f} s")
    assert chaos.marked() == [], "processes of the portal left running after the stop"
    assert "no process of this run is left" in (chaos.directory / "run.log").read_text()[-3000:]


def test_restart_inside_the_ttl_window_and_stops_at_every_moment_of_start_up(
    chaos: Chaos,
) -> None:
    # The detector's first pass only (at its start): its next would clean up what this test
    # leaves for the restart to find.
    chaos.env["MERCURY_RECOVER_EVERY"] = "3600"
    # A fresh database; the workers start calibrating; they are killed mid-jail; stop.
    run = chaos.start()
    assert chaos.wait_up(run, timeout=120), "the portal did not come up on a fresh database"
    assert _kill_workers_while_they_calibrate(chaos) >= 2
    time.sleep(0.5)
    _stop(chaos, run)

    # Started again inside the TTL window: it comes up, and says what it recovered.
    assert _age_past_the_heartbeat_ttl(chaos) >= 1
    offset = _log_size(chaos)
    run = chaos.start()
    assert chaos.wait_up(run, timeout=120), "the portal did not come up inside the TTL window"
    startup = (chaos.directory / "run.log").read_text()[offset:]
    assert "re-queued 1 calibration" in startup or "re-queued 2 calibrations" in startup, startup
    _stop(chaos, run)

    # Stopped at each moment of start-up (calibrations in flight from the run before, their
    # records aged past the TTL before each start), started again each time.
    for moment in STARTUP_MOMENTS:
        _age_past_the_heartbeat_ttl(chaos)
        offset = _log_size(chaos)
        run = chaos.start()
        _wait_for_line(chaos, run, moment, offset)
        chaos.note(f"stopping at {moment!r}")
        _stop(chaos, run)

    _age_past_the_heartbeat_ttl(chaos)
    run = chaos.start()
    assert chaos.wait_up(run, timeout=120), "the portal did not come up after the stops"
    _stop(chaos, run)
