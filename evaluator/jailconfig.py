"""The jail's nsjail configuration: its limits, mounts, namespaces, uid maps and seccomp policy.

evaluator/sandbox.py runs the jail with it (and re-exports what this module defines).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from nsjail.config import Exe, IdMap, MountPt, NsJailConfig

from evaluator.jailfiles import (
    EXTRA_LIB,
    EXTRA_MODULES,
    SYSTEM_TREES,
    compiled_jail,
    compiled_library,
    interpreter_binary,
    interpreter_source,
    interpreter_tree,
)

NOBODY = 65534
# The harness is uid 0 inside the jail, mapped to this host uid: not root, not nobody, owner of
# the request file that runs (uid 65534 inside and out) may not read.
JUDGE_UID = int(os.environ.get("MERCURY_JUDGE_UID", "65533"))

# Everything a contestant never needs and an attacker would love. EPERM, so libraries that probe
# (e.g. socket() at import) degrade instead of crashing; clone3 gets ENOSYS so glibc falls back
# to clone, whose namespace flags are refused. SysV and POSIX IPC objects outlive a process: one
# run could leave answers there for the next; so does the host's page cache, which fadvise,
# readahead and mincore would let a program set and read (forked runs also refuse file opens:
# jail/runfilter.py).
SECCOMP_POLICY = """
POLICY mercury {
  ERRNO(1) {
    ptrace, process_vm_readv, process_vm_writev, perf_event_open, bpf, userfaultfd,
    keyctl, add_key, request_key, io_uring_setup, io_uring_enter, io_uring_register,
    mount, umount, pivot_root, chroot, unshare, setns, init_module, finit_module,
    delete_module, reboot, kexec_load, swapon, swapoff, acct, settimeofday, clock_settime,
    sched_setaffinity, flock, personality, name_to_handle_at, open_by_handle_at,
    pidfd_getfd, kcmp, process_madvise, shmget, shmat, shmdt, shmctl, msgget, msgsnd, msgrcv,
    msgctl, semget, semop, semtimedop, semctl, mq_open, mq_unlink, mq_timedsend,
    mq_timedreceive, mq_notify, mq_getsetattr, fadvise64, readahead, mincore,
    socket(domain, type, protocol) { domain != 1 },
    clone(flags, stack, ptid, ctid, tls) { (flags & 0x7e020000) != 0 }
  },
  ERRNO(38) { clone3 }
}
USE mercury DEFAULT ALLOW
"""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one jail run."""

    wall_s: int = 60
    cpu_s: int = 60
    memory_bytes: int = 768 * 2**20
    address_space_bytes: int = 2048 * 2**20
    pids: int = 32
    tmpfs_bytes: int = 16 * 2**20
    open_files: int = 64
    file_size_mb: int = 16


def _extra_library_mounts() -> list[MountPt]:
    """Read-only mounts of the pure-Python modules LeetCode offers, when they are installed."""
    mounts = []
    for name in EXTRA_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        source = compiled_library(Path(next(iter(spec.submodule_search_locations))))
        mounts.append(
            MountPt(src=str(source), dst=f"{EXTRA_LIB}/{name}", is_bind=True, rw=False, nosuid=True)
        )
    return mounts


def build_config(
    box: Path,
    limits: Limits,
    log_path: Path,
    result_fd: int,
    control_fd: int,
    *,
    mount_proc: bool = False,
) -> NsJailConfig:
    """The nsjail configuration of one run."""
    interpreter = interpreter_tree()
    system = any(interpreter == p or p in interpreter.parents for p in SYSTEM_TREES)
    mounts = [
        MountPt(src="/usr", dst="/usr", is_bind=True, rw=False, nosuid=True, nodev=True),
        MountPt(src="/lib", dst="/lib", is_bind=True, rw=False, nosuid=True, nodev=True),
        MountPt(src="/lib64", dst="/lib64", is_bind=True, rw=False, mandatory=False),
        *(
            []
            if system  # e.g. /usr/bin/python3.11: already inside the /usr mount
            else [
                MountPt(
                    src=str(interpreter_source()),
                    dst=str(interpreter),
                    is_bind=True,
                    rw=False,
                    nosuid=True,
                    nodev=True,
                )
            ]
        ),
        MountPt(src=str(box), dst="/box", is_bind=True, rw=False, nosuid=True, nodev=True),
        MountPt(
            src=str(compiled_jail()),
            dst="/opt/mercury-judge/jail",
            is_bind=True,
            rw=False,
            nosuid=True,
            nodev=True,
        ),
        *_extra_library_mounts(),
        MountPt(src="/dev/null", dst="/dev/null", is_bind=True, rw=True),
        MountPt(src="/dev/urandom", dst="/dev/urandom", is_bind=True, rw=False),
        MountPt(
            dst="/tmp",
            fstype="tmpfs",
            # The harness's (uid 0) and not writable by runs: a file is a way to carry answers
            # from one run to the next.
            options=f"size={limits.tmpfs_bytes},mode=0755",
            rw=True,
            is_dir=True,
            nosuid=True,
            nodev=True,
            noexec=True,
        ),
    ]
    return NsJailConfig(
        name="mercury",
        hostname="sandbox",
        cwd="/tmp",
        time_limit=limits.wall_s,
        log_file=str(log_path),
        envar=["PYTHONHASHSEED=0", "LANG=C.UTF-8"],
        pass_fd=[result_fd, control_fd],
        rlimit_as=limits.address_space_bytes // 2**20,
        rlimit_cpu=limits.cpu_s,
        rlimit_fsize=limits.file_size_mb,
        rlimit_nofile=limits.open_files,
        rlimit_stack=64,
        rlimit_core=0,
        persona_addr_no_randomize=True,
        clone_newnet=True,
        clone_newuser=True,
        clone_newns=True,
        clone_newpid=True,
        clone_newipc=True,
        clone_newuts=True,
        clone_newcgroup=True,
        # The harness runs as uid 0 of the jail (host JUDGE_UID) with just the capabilities to
        # start runs as 65534 and kill what they leave; runs lose every capability on setuid.
        uidmap=[
            IdMap(inside_id="0", outside_id=str(JUDGE_UID)),
            IdMap(inside_id=str(NOBODY), outside_id=str(NOBODY)),
        ],
        gidmap=[
            IdMap(inside_id="0", outside_id=str(JUDGE_UID)),
            IdMap(inside_id=str(NOBODY), outside_id=str(NOBODY)),
        ],
        cap=["CAP_SETUID", "CAP_SETGID", "CAP_KILL"],
        # valgrind (instruction counting) needs the jail's own /proc; runs cannot open the
        # harness's entries there (another uid).
        mount_proc=mount_proc,
        mount=mounts,
        seccomp_string=[SECCOMP_POLICY],
        cgroup_mem_max=limits.memory_bytes,
        cgroup_mem_swap_max=0,
        cgroup_pids_max=limits.pids,
        exec_bin=Exe(
            path=interpreter_binary(),
            # Fixed-width numbers: the jail's argv (and so its initial stack layout, which
            # shifts every address the harness uses) must not depend on which fds were free.
            arg=[
                "-I",
                "-S",
                "-B",
                "/opt/mercury-judge/jail/harness_entry.pyc",
                f"{result_fd:04d}",
                f"{control_fd:04d}",
            ],
        ),
    )
