# Kind 8, a diagnostic no database stores: a wrong output made of NULs and lone surrogates.
class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        return ["\x00\ud800\udfff"] * len(nums)
