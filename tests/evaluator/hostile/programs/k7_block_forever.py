# Kind 7, blocked forever without sleeping: a read on its own empty pipe (it holds the write end).
import os


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        r, w = os.pipe()
        os.read(r, 1)
        return [0] * len(nums)
