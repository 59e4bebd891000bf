# Kind 7, the completion stops itself with SIGSTOP (and tries PID 1 too).
import os
import signal


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        try:
            os.kill(1, signal.SIGSTOP)
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGSTOP)
        return [0] * len(nums)
