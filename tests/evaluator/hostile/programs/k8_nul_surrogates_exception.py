# Kind 8, a diagnostic no database stores: an exception message with NUL characters and lone
# surrogates.
class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        raise ValueError("nul\x00here \ud800 lone \udfff surrogates \x00")
