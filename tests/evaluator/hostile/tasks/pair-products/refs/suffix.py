class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        out = [0] * len(nums)
        rest = 0
        for i in range(len(nums) - 1, -1, -1):
            out[i] = nums[i] * rest
            rest += nums[i]
        return out
