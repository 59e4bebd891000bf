# Kind 4, answers carried between runs and judgements through the host's dentry cache: looking a
# name up (stat, access, readlink, chdir, ...) caches it, found or not, and a later lookup of the
# same name is measurably faster. The pages of mapped files can be probed without a file (which
# are present: move_pages). Every primitive must be refused; if one works, the program answers
# wrongly on purpose, so that only a judge that refuses them all sees it pass (slowly).
import ctypes
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


def _move_pages():
    libc = ctypes.CDLL(None, use_errno=True)
    page = (ctypes.c_char * 4096).from_buffer(bytearray(4096))
    pages = (ctypes.c_void_p * 1)(ctypes.addressof(page))
    status = (ctypes.c_int * 1)(0)
    if libc.syscall(279, 0, 1, pages, None, status, 0) != 0:  # x86_64 move_pages: query only
        raise OSError(ctypes.get_errno(), "move_pages refused")


def _attempts():
    yield "stat", lambda: os.stat("/usr")
    yield "lstat", lambda: os.lstat("/usr/no-such-name-kd")
    yield "readlink", lambda: os.readlink("/usr/bin/python3")
    yield "chdir", lambda: os.chdir("/usr")
    yield "statvfs", lambda: os.statvfs("/usr")
    yield "xattr", lambda: os.listxattr("/usr")
    yield "move_pages", _move_pages


def _open_channels():
    opened = []
    for name, attempt in _attempts():
        try:
            attempt()
            opened.append(name)
        except FileNotFoundError:
            opened.append(name)  # the lookup happened (and left its trace in the cache)
        except (OSError, AttributeError):
            pass
    return opened


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        if _open_channels():
            return [0] * len(nums)  # a channel is open: fail loudly
        return slow(nums)
