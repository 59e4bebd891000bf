# Kind 7, memory that outlives its run: memfds sent into a Unix socket that holds itself in flight
# stay charged to the jail's memory cgroup after the run is killed, so the next run (the anchor's)
# is the one the OOM killer takes and the sample ends as internal_error on every attempt. Socket
# and memfd creation must be refused in runs; if either works, the program answers wrongly on
# purpose; else honestly (and slowly).
import os


def slow(nums):
    n = len(nums)
    out = [0] * n
    for i in range(n):
        a = nums[i]
        t = 0
        for j in range(i + 1, n):
            t += a * nums[j]
        out[i] = t
    return out


def _can_leak():
    """The two steps of the leak (not the leak itself: 700 MB would shake the test machine)."""
    for attempt in (
        lambda: __import__("socket").socketpair(1, 2),  # AF_UNIX, SOCK_DGRAM
        lambda: os.memfd_create("held"),
    ):
        try:
            attempt()
            return True
        except (OSError, ImportError):  # refused (a module whose file cannot be read included)
            pass
    return False


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        if _can_leak():
            return [0] * len(nums)  # a step is allowed: fail loudly
        return slow(nums)
