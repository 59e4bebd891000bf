class Solution:
    def pairSum(self, nums: List[int], target: int) -> List[int]:
        for i, x in enumerate(nums):
            rest = nums[i + 1 :]
            if target - x in rest:
                return [i, i + 1 + rest.index(target - x)]
        return []
