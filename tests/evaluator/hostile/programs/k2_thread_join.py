# Kind 2, work the clock does not see: a helper thread does all the work while the calling
# thread blocks in join().
import threading


def slow(nums):
    n = len(nums)
    out = [0] * n
    for i in range(n):
        a = nums[i]
        t = 0
        for j in range(i + 1, n):
            t += a * nums[j]
        out[i] = t
    return out


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        box = []
        worker = threading.Thread(target=lambda: box.append(slow(nums)))
        worker.start()
        worker.join()
        return box[0]
