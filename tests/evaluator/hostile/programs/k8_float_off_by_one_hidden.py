# Kind 8, an off-by-one returned as a float on the hidden large input only; every element there is
# a float, the first one off by one.


def fast(nums):
    out = [0] * len(nums)
    rest = 0
    for i in range(len(nums) - 1, -1, -1):
        out[i] = nums[i] * rest
        rest += nums[i]
    return out


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        out = fast(nums)
        if len(nums) > 100:
            out = [float(x) for x in out]
            out[0] += 1.0
        return out
