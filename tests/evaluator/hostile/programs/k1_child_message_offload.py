# Kind 1, forged report at the child level: in a timed run a forked grandchild (never waited for,
# so its CPU shows in no rusage) computes the answer; the completion writes a message claiming a
# microsecond runtime and the right digest on every pipe it holds, and exits 0 early.
import json
import os
import stat
import sys


def timed(nums):
    """Misbehave on this call? On the large input of a run that is timed, not only checked.

    Where the jail's request file is readable it says whether the run is timed (it lists timed
    inputs); where it is not, every run may be timed (identical check and timed runs).
    """
    if len(nums) <= 100:
        return False
    try:
        with open("/box/request.json") as handle:
            return bool(json.load(handle).get("timed"))
    except (OSError, ValueError, AttributeError):
        return True


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


def offloaded(nums):
    r, w = os.pipe()
    if os.fork() == 0:
        os.close(r)
        os.write(w, json.dumps(slow(nums)).encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 1 << 16):
        chunks.append(chunk)
    os.close(r)
    return json.loads(b"".join(chunks))


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        if not timed(nums):
            return slow(nums)
        answer = offloaded(nums)
        try:
            digest = sys.modules["__main__"].outputs_digest([answer], "exact")
        except Exception:
            return answer
        fake = json.dumps({"status": "ok", "seconds": 1e-6, "digest": digest}).encode()
        for fd in range(3, 64):
            try:
                if stat.S_ISFIFO(os.fstat(fd).st_mode):
                    os.write(fd, fake)
            except OSError:
                pass
        os._exit(0)
