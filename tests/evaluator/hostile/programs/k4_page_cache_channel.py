# Kind 4, answers (or hidden inputs) carried between runs and between judgements through the host's
# page cache: whether a page of a world-readable file is cached can be set (a read caches it;
# fadvise DONTNEED, madvise PAGEOUT evict it) and read back later (mincore, preadv2 flags, or the
# time a read takes). Every primitive here must be refused; if one works, the program answers
# wrongly on purpose, so that only a judge that refuses them all sees it pass (slowly).
import os


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


def _attempts():
    target = os.path.join(os.path.dirname(os.__file__), "os.py")
    yield "open", lambda: open(target, "rb").read(1)
    yield "os.open", lambda: os.close(os.open(target, os.O_RDONLY))
    yield "fadvise", lambda: os.posix_fadvise(0, 0, 0, os.POSIX_FADV_DONTNEED)
    yield "readahead-like preadv2", lambda: os.preadv(0, [bytearray(1)], 0, os.RWF_NOWAIT)
    yield "madvise pageout", lambda: __import__("mmap").mmap(-1, 4096).madvise(21)
    yield "utime", lambda: os.utime("/dev/null")
    yield "exec", lambda: os.execv("/bin/true", ["true"])


def _open_channels():
    opened = []
    for name, attempt in _attempts():
        try:
            attempt()
            opened.append(name)
        except (OSError, ImportError):  # refused (a module whose file cannot be read included)
            pass
    return opened


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        if _open_channels():
            return [0] * len(nums)  # a channel is open: fail loudly
        return slow(nums)
