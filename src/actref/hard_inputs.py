"""The hard input set: where activation implementations go wrong.

One function, :func:`hard_inputs`, builds it for a dtype and a set of kinks: 0 and
subnormals, tiny magnitudes (1e-308 .. 1e-8), the dense ordinary range (1e-8 .. 50),
the overflow and underflow thresholds of ``exp`` in float32 and float64 with their
neighbours, kinks and their neighbours, magnitudes up to the largest float, ±inf and
nan — all of it with both signs. Accuracy tests, ``actref verify`` and the benchmark
all measure on this set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

# exp overflows/underflows here: float32 at 88.72 / -103.28, float64 at 709.78 / -745.13
EXP_THRESHOLDS = (88.72283935546875, 103.27892990343184, 709.782712893384, 745.1332191019412)


def _neighbours(values: Iterable[float], dtype: np.dtype[Any], steps: int) -> list[float]:
    out: list[float] = []
    for v in values:
        cur_up = cur_down = dtype.type(v)
        out.append(float(cur_up))
        for _ in range(steps):
            cur_up = np.nextafter(cur_up, dtype.type(np.inf))
            cur_down = np.nextafter(cur_down, dtype.type(-np.inf))
            out += [float(cur_up), float(cur_down)]
    return out


def hard_inputs(
    dtype: DTypeLike = np.float64,
    kinks: Iterable[float] = (),
    *,
    dense: int = 400,
    include_nonfinite: bool = True,
) -> NDArray[np.floating]:
    """The hard inputs for ``dtype`` (sorted, unique, both signs), as that dtype.

    ``dense`` is the number of log-spaced points in 1e-8 .. 50 per sign; ``kinks`` adds
    each kink with its 3 float neighbours on either side.
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"dtype must be a float dtype, got {dt}")
    fi = np.finfo(dt)
    tiny_sub = float(fi.smallest_subnormal)
    positive: list[float] = [
        tiny_sub,
        2 * tiny_sub,
        float(fi.smallest_normal) / 2,
        float(fi.smallest_normal),
        float(fi.eps),
        1.0,
        0.5,
        2.0,
        float(fi.max),
        float(np.nextafter(fi.max, dt.type(0))),
    ]
    lo_exp = max(-308, int(np.ceil(np.log10(float(fi.smallest_normal)))))
    positive += list(np.logspace(lo_exp, -8, 40))
    positive += list(np.geomspace(1e-8, 50.0, dense))
    positive += list(np.linspace(0.0, 8.0, 65)[1:])  # quarter-integers and eighths: kinks, minima
    positive += [float(v) for v in np.geomspace(50.0, float(fi.max) / 2, 60)]
    positive += _neighbours([t for t in EXP_THRESHOLDS if t < float(fi.max)], dt, 2)
    positive += [37.0, 19.0, 8.4, 20.0, 20.5, 30.0, 40.0]  # where textbook forms break
    # the tails, every 0.2: where an intermediate (sigma(2z), e^(-x^2/2)) is subnormal
    # while the result is still normal (gelu_tanh' was 0 at -21.2, true -2.3e-307)
    positive += list(np.linspace(8.0, 45.0, 186))
    # the far tails, every 5: where a result is still a normal float but e^(-x) or
    # e^(-2x) is not (tanh' beyond |x| = 300, sigmoid' to -745)
    positive += list(np.linspace(50.0, 750.0, 141))
    # issue 14's holes, each window where an independent audit caught one:
    positive += [float.fromhex("0x1.800cad7750830p-3")]  # mish' 7 ULP (one form on x <= 0)
    positive += list(np.linspace(0.15, 0.3, 13))  # mish' 5-7 ULP all along here
    # mish' 5 ULP around its zero with h in plain Horner form
    positive += [1.0062709639784162, 0.5916789933123606, 0.5840225838038292, 0.6345897264843229]
    positive += [4.827624206508013, 10.577172918227614]  # mish' 5 ULP in the left tail
    # gelu' 4-15 ULP: e^{-x^2/2} subnormal while the result is a normal float
    positive += list(np.linspace(37.64, 37.71, 8))
    # softplus with beta = 0.1: e^{beta x} subnormal, e^{beta x}/beta not (455 ULP)
    positive += list(np.linspace(7080.0, 7450.0, 8))
    values: NDArray[np.float64] = np.array(
        [0.0] + positive + [-v for v in positive] + _neighbours(kinks, dt, 3), dtype=np.float64
    )
    finite = np.unique(values[np.abs(values) <= float(fi.max)].astype(dt))
    if include_nonfinite:
        finite = np.concatenate([finite, np.array([-np.inf, np.inf, np.nan], dtype=dt)])
    return finite


def hard_rows(dtype: DTypeLike = np.float64) -> NDArray[np.floating]:
    """The hard rows of the vector functions, shape ``(m, 4)``.

    ``[h, 0, 1, -1]`` and ``[h, h/2, h/4, -h]`` for every finite hard input ``h`` of
    ``dtype`` (for a gated function: ``h`` as a value, and ``h/4``, ``-h`` as gates),
    and rows with +inf, -inf and nan.
    """
    dt = np.dtype(dtype)
    hs = hard_inputs(dt)
    fin = hs[np.isfinite(hs)]
    a = np.stack([fin, np.zeros_like(fin), np.ones_like(fin), -np.ones_like(fin)], axis=1)
    b = np.stack([fin, fin / 2, fin / 4, -fin], axis=1)
    special = np.array(
        [[np.inf, 0, 1, -1], [-np.inf, 0, 1, -1], [np.inf, np.inf, 0, -np.inf], [np.nan, 0, 1, 2]],
        dtype=dt,
    )
    return np.concatenate([a, b, special]).astype(dt)
