# Kind 2, a fresh interpreter started with subprocess.Popen computes the answer; the completion
# reads its stdout and never waits for it.
import json
import subprocess
import sys

CHILD = """
import json, sys
nums = json.loads(sys.stdin.readline())
n = len(nums)
out = [0] * n
for i in range(n):
    a = nums[i]
    t = 0
    for j in range(i + 1, n):
        t += a * nums[j]
    out[i] = t
sys.stdout.write(json.dumps(out))
"""


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        proc.stdin.write(json.dumps(nums).encode() + b"\n")
        proc.stdin.close()
        return json.loads(proc.stdout.read())
