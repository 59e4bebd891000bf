"""A run's own seccomp filter, on top of the jail's: no files, no sockets, no page-cache games.

Installed in every forked run after its inputs are ready and before any completion code exists
(runner.run_main). Everything a run needs is open or loaded by then: its pipes, the interpreter,
the prelude and the modules a completion may import (runner.preload). What it refuses, with
EPERM, are the ways one run could leave something for a later one, or for a later judgement,
outside its own memory:
- opening any file (open, openat, openat2, creat) or executing one: reading a file that no
  one has read lately loads it into the host's page cache, and whether a page is cached can be
  timed later; so can the effects of fadvise, readahead, madvise(MADV_PAGEOUT/COLD/REMOVE/
  POPULATE_*), preadv2/pwritev2 flags, mincore and cachestat, all refused too;
- sockets (socket, socketpair) and memfd_create: file descriptors sent into a Unix socket that
  is never closed keep their memory charged to the jail after the run is gone, starving the
  next run (the anchor's) of memory;
- setting file times (utime, utimes, utimensat, futimesat): /dev/null is the host's.
The jail's own policy (sandbox.SECCOMP_POLICY) still applies under it; filters only add up.
"""

import ctypes
import os

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
RET_ALLOW = 0x7FFF0000
RET_ERRNO_EPERM = 0x00050000 | 1
X32_SYSCALL_BIT = 0x40000000

# BPF opcodes
LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
RET_K = 0x06  # BPF_RET | BPF_K

OFFSET_NR, OFFSET_ARCH, OFFSET_ARG2 = 0, 4, 32  # struct seccomp_data (low word of args[2])
MADV_REFUSED = (9, 20, 21, 22, 23)  # REMOVE, COLD, PAGEOUT, POPULATE_READ, POPULATE_WRITE

# (AUDIT_ARCH, refused system calls, madvise's number)
ARCHES = {
    "x86_64": (
        0xC000003E,
        {
            "open": 2,
            "openat": 257,
            "openat2": 437,
            "creat": 85,
            "execve": 59,
            "execveat": 322,
            "socket": 41,
            "socketpair": 53,
            "memfd_create": 319,
            "fadvise64": 221,
            "readahead": 187,
            "mincore": 27,
            "cachestat": 451,
            "preadv2": 327,
            "pwritev2": 328,
            "utime": 132,
            "utimes": 235,
            "utimensat": 280,
            "futimesat": 261,
        },
        28,
    ),
    "aarch64": (
        0xC00000B7,
        {
            "openat": 56,
            "openat2": 437,
            "execve": 221,
            "execveat": 281,
            "socket": 198,
            "socketpair": 199,
            "memfd_create": 279,
            "fadvise64": 223,
            "readahead": 213,
            "mincore": 232,
            "cachestat": 451,
            "preadv2": 286,
            "pwritev2": 287,
            "utimensat": 88,
        },
        233,
    ),
}


class _Filter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def program(machine=None):
    """The filter as (code, jt, jf, k) instructions for this machine."""
    arch, refused, madvise = ARCHES[machine or os.uname().machine]
    numbers = sorted(set(refused.values()))
    body = []
    # Each refused number jumps to the EPERM return at the end; the instructions between are
    # counted from the jump's successor.
    tail = len(numbers) + 2 + len(MADV_REFUSED) + 1  # distance from the first check to the end
    for index, number in enumerate(numbers):
        body.append((JEQ_K, tail - index - 1, 0, number))
    after = len(numbers)
    # madvise: only some advice is refused
    madvise_checks = [(LD_W_ABS, 0, 0, OFFSET_ARG2)] + [
        (JEQ_K, len(MADV_REFUSED) - i, 0, advice) for i, advice in enumerate(MADV_REFUSED)
    ]
    body.append((JEQ_K, 0, len(madvise_checks), madvise))
    body += madvise_checks
    body.append((RET_K, 0, 0, RET_ALLOW))
    body.append((RET_K, 0, 0, RET_ERRNO_EPERM))
    assert len(body) == after + 1 + len(madvise_checks) + 2
    head = [
        (LD_W_ABS, 0, 0, OFFSET_ARCH),
        (JEQ_K, 1, 0, arch),
        (RET_K, 0, 0, RET_ERRNO_EPERM),  # another ABI: nothing is allowed
        (LD_W_ABS, 0, 0, OFFSET_NR),
        (JGE_K, len(body) - 1, 0, X32_SYSCALL_BIT),  # x32 numbers: to the EPERM return
    ]
    return head + body


def install():
    """Install the filter on this process (and whatever it would exec). Irreversible."""
    instructions = program()
    array = (_Filter * len(instructions))(*(_Filter(*i) for i in instructions))
    prog = _Program(len(instructions), array)
    libc = ctypes.CDLL(None, use_errno=True)
    ulong = ctypes.c_ulong
    libc.prctl.argtypes = [ctypes.c_int, ulong, ulong, ulong, ulong]  # all five: unused ones 0
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "the run's seccomp filter was refused")
