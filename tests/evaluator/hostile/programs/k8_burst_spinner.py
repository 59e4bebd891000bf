# Kind 8, one of a burst of check runs: on its first call it spins on the CPU for a third of a
# second, then answers (wrongly) with when it ran and on how many cores it may run.
import os
import time

CALLS = []


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        CALLS.append(len(nums))
        if len(CALLS) > 1:
            return []
        start = time.monotonic_ns()
        end = time.thread_time() + 0.3
        while time.thread_time() < end:
            pass
        return [start, time.monotonic_ns(), len(os.sched_getaffinity(0))]
