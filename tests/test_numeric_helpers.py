"""The piecewise family's dtype rules: when a kernel may run natively in float16/32
(its parameters exactly representable there, or close enough to change no result).
The constants' generator is tested in test_kernel_constants.py."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest

import actref
from actref import contract, oracle
from actref.kernels import piecewise

F16, F32 = np.dtype(np.float16), np.dtype(np.float32)


@pytest.mark.parametrize(
    ("dt", "values", "exact"),
    [
        (F32, (0.5,), True),
        (F32, (0.5, 0.25, 6.0), True),
        (F32, (0.1,), False),
        (F32, (0.5, 0.1), False),  # every one must be exact
        (F16, (1e-8,), False),
        (F16, (2048.0,), True),
    ],
)
def test_exact_in_tells_representable_values(
    dt: np.dtype[Any], values: tuple[float, ...], exact: bool
) -> None:
    assert piecewise.representable(dt, *values) is exact


@pytest.mark.parametrize("name", ["softshrink", "hardshrink"])
def test_shrinks_run_natively_only_for_a_representable_lambda(name: str) -> None:
    for part in (name, name + "_grad"):
        native = getattr(piecewise, part).exact_in
        assert native(F32, 0.5)  # the default
        assert native(F32, 0.25)
        assert not native(F32, 0.3)


@pytest.mark.parametrize(
    ("dt", "a", "native"),
    [
        (F32, 0.01, True),  # 0.37 ULP from rounding the slope (the docstring's figure)
        (F16, 0.01, True),  # 0.44 ULP
        (F32, 0.0, True),
        (F32, 1.0, True),
        (F32, 0.5 + 2.0**-25, False),  # rounding the slope costs 1/2 ULP: 1 in all
        (F32, 1.5, False),  # a > 1 could overflow
        (F32, -0.01, False),
    ],
)
def test_slope_native_only_within_one_ulp(dt: np.dtype[Any], a: float, native: bool) -> None:
    assert piecewise.slope_native(dt, a) is native


def test_pytorchs_default_slope_runs_natively() -> None:
    default = actref.get("leaky_relu").params["negative_slope"]
    assert default == 0.01
    assert piecewise.leaky_relu.exact_in is piecewise.slope_native
    assert piecewise.slope_native(F32, default) is True


@pytest.mark.parametrize("a", [0.01, 0.1, 0.2, 1 / 3, 0.7, 1.0])
def test_a_native_slope_is_within_one_ulp(a: float) -> None:
    # the promise behind the flag: fl(fl(a) x) within 1 ULP of the exact a x
    if not piecewise.slope_native(F32, a):
        pytest.skip("not native in float32")
    xs = np.geomspace(1e-30, 1e30, 2001).astype(np.float32)
    got = (np.float32(a) * xs).astype(np.float64)
    exact = [mpmath.mpf(a) * mpmath.mpf(float(v)) for v in xs]
    truth = np.array([oracle.round_to(e, np.float32) for e in exact])
    assert contract.ulp_error(got.astype(np.float32), truth, np.float32).max() <= 1
