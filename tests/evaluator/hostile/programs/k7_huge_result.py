# Kind 7, a result far too large to report: a 300 MB string for every test.
class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        return ["z" * (300 * 2**20)]
