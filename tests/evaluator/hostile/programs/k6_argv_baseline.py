# Kind 6, instruction counting: argv tells the baseline run (no calls) from the counted run, so
# the module burns instructions at import in the baseline only; counted minus baseline drops to
# nothing.
import sys


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


if sys.argv[-1:] == ["0"] or "baseline" in " ".join(sys.argv).lower():
    slow(list(range(100000, 100000 + 400)))  # more than the counted task's own work


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        return slow(nums)
