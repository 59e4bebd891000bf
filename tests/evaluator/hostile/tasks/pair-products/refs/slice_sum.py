class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        return [x * sum(nums[i + 1 :]) for i, x in enumerate(nums)]
