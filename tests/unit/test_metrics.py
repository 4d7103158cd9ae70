"""The one percentile: `grok/stats`' and the benchmarks'."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.metrics import percentile

_VALUES = st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1)
_FRACTION = st.floats(min_value=0, max_value=1)


def test_no_values_have_no_percentile() -> None:
    assert math.isnan(percentile([], 0.5))


@given(_VALUES, _FRACTION, _FRACTION)
def test_a_percentile_is_one_of_the_values_and_grows_with_the_fraction(
    values: list[float], low: float, high: float
) -> None:
    low, high = sorted((low, high))
    assert percentile(values, low) in values
    assert percentile(values, low) <= percentile(values, high)
    assert percentile(values, 0) == min(values) and percentile(values, 1) == max(values)


def test_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 11)]
    assert (percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99)) == (
        6.0,
        10.0,
        10.0,
    )
