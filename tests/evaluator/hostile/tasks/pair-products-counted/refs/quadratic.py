class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        n = len(nums)
        out = [0] * n
        for i in range(n):
            a = nums[i]
            t = 0
            for j in range(i + 1, n):
                t += a * nums[j]
            out[i] = t
        return out
