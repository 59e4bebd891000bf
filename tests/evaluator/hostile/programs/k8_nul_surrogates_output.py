# Kind 8, a diagnostic no database stores: raw NUL bytes and invalid UTF-8 on stdout and stderr,
# then a crash.
import os


class Solution:
    def pairProducts(self, nums: List[int]) -> List[int]:
        for fd in (1, 2):
            os.write(fd, b"bad\x00bytes \xed\xa0\x80 \xff\xfe \x00\n")
        os._exit(1)
