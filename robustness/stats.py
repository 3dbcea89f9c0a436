"""The two statistics the suite and the loop rely on, in plain Python so they are easy to check.

A pass rate from 60 cases is not the same claim as one from 6,000: the Wilson interval says how sure we
are, and McNemar's exact test says whether a paired before/after change is more than noise.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0.0, 1.0) when there are no trials.

    Chosen over the normal ("Wald") interval because it stays inside [0, 1] and behaves at rates near 0 or 1,
    which is where robustness pass rates live.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if n == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half_width = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    low, high = max(0.0, centre - half_width), min(1.0, centre + half_width)
    # Exact at the edges: floating point would otherwise leave 0.9999999 for an all-pass run.
    if successes == 0:
        low = 0.0
    if successes == n:
        high = 1.0
    return low, high


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts.

    b: pairs right before and wrong after; c: wrong before and right after. Under "no change" each
    discordant pair is a fair coin, so the p-value is a two-sided binomial(b + c, 0.5) tail, capped at 1.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    # Exact integers, one correctly rounded division: no underflow or overflow for any n.
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, (2 * tail) / 2**n)
