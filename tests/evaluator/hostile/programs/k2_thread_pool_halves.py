# Kind 2, work the clock does not see: two pool threads each compute half of the rows; the
# calling thread waits on futures.
from concurrent.futures import ThreadPoolExecutor


def rows(nums, lo, hi):
    n = len(nums)
    out = []
    for i in range(lo, hi):
        a = nums[i]
        t = 0
        for j in range(i + 1, n):
            t += a * nums[j]
        out.append(t)
    return out


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        n = len(nums)
        cut = int(n * 0.3)  # the first rows are the longest
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(rows, nums, 0, cut)
            second = pool.submit(rows, nums, cut, n)
            return first.result() + second.result()
