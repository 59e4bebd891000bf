def _case(rng, n):
    nums = rng.sample(range(1, 50 * n), n)
    i, j = n - 2, n - 1
    nums[i], nums[j] = 10**7 + 1, 10**7 + 2  # the only pair reaching the target
    return [nums, 2 * 10**7 + 3]


def generate(rng):
    small = [[[2, 7, 11, 15], 9], [[3, 2, 4], 6], [[3, 3], 6]] + [_case(rng, k) for k in (2, 5, 9)]
    large = [_case(rng, 1500)]
    return small, large
