"""The engine's dispatch: narrow regions, total kernels and polynomials give the same
bits whatever the block size, and each formula sees the elements it is promised."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from actref.kernels import engine
from actref.kernels.engine import Region, kernel

COEFS = (1.4348095033989257, 0.21245271259101728, 0.09169645155828038, 3.2e-05, 1.7e-14)


def test_polynomial_is_horner_in_python_and_numpy_alike() -> None:
    d = np.random.default_rng(1).uniform(-1.3, 1.3, 1000)
    together = engine.polynomial(COEFS, d)  # NumPy
    alone = np.concatenate([engine.polynomial(COEFS, d[i : i + 1]) for i in range(d.size)])
    assert d[:1].size <= engine.FEW < d.size
    assert np.array_equal(together, alone)  # the same bits


def _recording(seen: list[tuple[float, float]], value: float) -> Any:
    def formula(x: Any) -> Any:
        seen.append((float(np.min(x)), float(np.max(x))))
        return np.full(x.shape, value)

    return formula


@pytest.mark.parametrize("size", [5, engine.SMALL, engine.SMALL + 1, 3 * engine.BLOCK])
def test_a_narrow_region_sees_only_its_own_elements(size: int) -> None:
    seen: list[tuple[float, float]] = []
    k = kernel(
        "step",
        Region(-1.0, lambda x: np.zeros(x.shape), "", 0.0),
        Region(1.0, _recording(seen, 1.0), "", 0.0, narrow=True),
        Region(math.inf, lambda x: np.full(x.shape, 2.0), "", 0.0),
        total=True,
    )
    x = np.linspace(-3.0, 3.0, size)
    want = np.select([x < -1.0, x < 1.0], [0.0, 1.0], 2.0)
    assert np.array_equal(k(x), want)
    assert all(lo >= -1.0 and hi < 1.0 for lo, hi in seen), seen


def test_a_total_kernel_gathers_large_blocks() -> None:
    seen: list[tuple[float, float]] = []
    k = kernel(
        "sign",
        Region(0.0, _recording(seen, -1.0), "", 0.0),
        Region(math.inf, lambda x: np.ones(x.shape), "", 0.0),
        total=True,
    )
    x = np.linspace(-1.0, 1.0, engine.SMALL + 1)
    assert np.array_equal(k(x), np.where(x < 0.0, -1.0, 1.0))
    assert seen
    assert all(hi < 0.0 for _, hi in seen)
    seen.clear()
    k(x[:8])  # a small block: every formula on the whole block
    assert seen == [(-1.0, float(x[7]))]
