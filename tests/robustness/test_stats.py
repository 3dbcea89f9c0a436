"""Wilson intervals and exact McNemar p-values against published / independently computed values."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest

from robustness.stats import mcnemar_exact, wilson_interval


@pytest.mark.parametrize("k, n, low, high", [
    (5, 10, 0.2366, 0.7634),     # Newcombe (1998), method 3
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (81, 263, 0.2553, 0.3662),   # Wilson (1927) / Newcombe example 81/263
    (15, 148, 0.0624, 0.1605),   # Newcombe (1998) example 15/148
])
def test_wilson_matches_published_values(k, n, low, high):
    got_low, got_high = wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=1e-4)
    assert got_high == pytest.approx(high, abs=1e-4)


def test_wilson_edges_and_properties():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 50)[0] == 0.0 and wilson_interval(50, 50)[1] == 1.0
    narrow, wide = wilson_interval(900, 1000), wilson_interval(9, 10)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    low99, high99 = wilson_interval(9, 10, confidence=0.99)
    assert low99 < wide[0] and high99 >= wide[1]
    for k in range(0, 31):
        low, high = wilson_interval(k, 30)
        assert 0.0 <= low <= k / 30 <= high <= 1.0


@pytest.mark.parametrize("k, n, confidence", [(-1, 5, 0.95), (6, 5, 0.95), (1, 5, 1.0), (1, 5, 0.0)])
def test_wilson_rejects_nonsense(k, n, confidence):
    with pytest.raises(ValueError):
        wilson_interval(k, n, confidence)


@pytest.mark.parametrize("b, c, expected", [
    (0, 0, 1.0),
    (5, 5, 1.0),
    (0, 6, 2 / 64),
    (1, 9, 2 * (1 + 10) / 1024),
    (9, 1, 2 * (1 + 10) / 1024),
])
def test_mcnemar_exact_known_values(b, c, expected):
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("b, c", [(3, 17), (40, 61), (600, 700), (2000, 2100)])
def test_mcnemar_matches_scipy_binomial_test_even_for_large_counts(b, c):
    expected = binomtest(min(b, c), b + c, 0.5).pvalue
    got = mcnemar_exact(b, c)
    assert math.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_mcnemar_rejects_negative_counts():
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)
