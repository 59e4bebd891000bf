# Small public tests use values below 10**5; the hidden large case uses six-digit values only, so
# a diagnostic that echoes the hidden input is easy to spot. Every answer stays below 2**53.
LARGE_N = 1800


def _case(rng, n, low, high):
    return [[rng.randint(low, high) for _ in range(n)]]


def generate(rng):
    small = [[[1, 2, 3]], [[4]], [[]], [[2, 2]]] + [_case(rng, k, 1000, 99999) for k in (5, 9)]
    large = [_case(rng, LARGE_N, 100000, 999999)]
    return small, large
