# Kind 7, costing the harness what no run is charged for: the check run's result frame, written by hand on the result pipe (fd 3), holds an integer of 900,000 digits (red team round 5: five million; under the 1 MiB result cap of round 6b); reading one of three million took the harness's whole CPU limit and ended as "memory".
import os


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        body = b'{"status": "ok", "outputs": [[' + b"7" * 900_000 + b"]]}"
        os.write(3, len(body).to_bytes(4, "big") + body)
        os._exit(0)
