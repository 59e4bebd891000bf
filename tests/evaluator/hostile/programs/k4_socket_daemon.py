# Kind 4, a surviving daemon serving answers on an abstract unix socket: the first repetition
# computes honestly, then forks a detached daemon that keeps the answer and serves it to later
# repetitions.
import hashlib
import json
import os
import socket


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


def address(nums):
    return "\0hostile-" + hashlib.sha1(json.dumps(nums).encode()).hexdigest()[:16]


def ask(nums):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(2)
            client.connect(address(nums))
            chunks = []
            while chunk := client.recv(1 << 16):
                chunks.append(chunk)
            return json.loads(b"".join(chunks))
    except (OSError, ValueError):
        return None


def serve(nums, answer):
    if os.fork() != 0:
        return
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    os.closerange(3, 4096)  # hold none of the harness's pipes open
    data = json.dumps(answer).encode()
    try:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(address(nums))
        server.listen(8)
        while True:
            conn, _ = server.accept()
            conn.sendall(data)
            conn.close()
    finally:
        os._exit(0)


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        answer = ask(nums)
        if answer is None:
            answer = slow(nums)
            if len(nums) > 100:
                try:
                    serve(nums, answer)
                except OSError:
                    pass
        return answer
