def generate(rng):
    small = [[[1, 2, 3, 4, 5]], [[1, 2]], [[]], [[7]]]
    large = [[[rng.randint(-100, 100) for _ in range(3000)]]]
    return small, large
