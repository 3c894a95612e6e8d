r"""The Taylor-remainder test: a step-free second opinion on a derivative.

The remainder :math:`|f(x+h) - f(x) - h f'(x)|` shrinks like :math:`h^2` when
:math:`f'` is right and like :math:`h` when it is wrong. Users import
:func:`taylor_test` from :mod:`actref.finite_diff`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from actref.stencils import F64, evaluate, machine_eps, validate

__all__ = ["TaylorTest", "taylor_test"]

# Taylor test: remainders count when above this many roundings of the terms; the
# order is fitted over the last few of them (the asymptotic regime)
_TAYLOR_NOISE = 30
_TAYLOR_FIT = 4


@dataclass(frozen=True)
class TaylorTest:
    """The result of :func:`taylor_test`.

    ``order`` is the observed order of the remainder at each point (about 2 when the
    derivative is right, about 1 when it is wrong; nan where the remainder is at
    rounding level for every step, i.e. ``f`` is linear there, or at a kink).
    ``steps`` and ``remainders`` have one row per point.
    """

    ok: bool
    order: F64
    worst_x: float
    steps: F64
    remainders: F64


def taylor_test(
    f: Callable[..., Any],
    df: Callable[..., Any],
    x: ArrayLike,
    *,
    kinks: Iterable[float | Any] = (),
    n_steps: int = 32,
) -> TaylorTest:
    r"""The Taylor-remainder test: a step-free second opinion on a derivative.

    For steps :math:`h_k = h_0 2^{-k}` the remainder
    :math:`r_k = |f(x + h_k) - f(x) - h_k f'(x)|` is :math:`O(h^2)` when ``df`` is
    right and :math:`\Theta(h)` when it is wrong. The observed order is the slope of
    :math:`\log r` against :math:`\log h` over the smallest steps whose remainder
    stands clear of rounding (100 ε |f|); it passes above 1.5. Where every remainder is
    at rounding level (``f`` linear near ``x``) the order is nan and the point passes:
    a wrong derivative there leaves a remainder :math:`h|f' - df|` far above rounding.
    Points at a kink are skipped (nan); near one, :math:`h_0` stops short of it.
    It is a float64 tool: in float32 the rounding floor hides the asymptotic regime
    near inflection points. It also fails when ``f`` itself is inaccurate (errors of
    many ULPs look like a wrong derivative), which is worth knowing too.
    """
    x64, dtype, _, _ = validate(f, x, "central", None)
    if not isinstance(n_steps, int) or n_steps < 4:
        raise ValueError(f"`n_steps` must be an integer >= 4; got {n_steps!r}.")
    flat = x64.ravel()
    kink_at = np.array(sorted({float(getattr(k, "at", k)) for k in kinks}), dtype=np.float64)
    eps = machine_eps(dtype)
    h0 = 2.0**-4 * np.maximum(1.0, np.abs(flat))
    if kink_at.size:
        # stop short of the nearest kink; at a kink h0 is 0: no remainder stands clear
        # of rounding and the point is skipped like a linear one
        dist = np.min(np.abs(flat[:, None] - kink_at[None, :]), axis=1)
        h0 = np.minimum(h0, dist / 2)
    ks = np.arange(n_steps)
    hs = h0[:, None] * 2.0 ** -ks[None, :]
    xp = (flat[:, None] + hs).astype(dtype).astype(np.float64)
    hs = xp - flat[:, None]
    fx = evaluate(f, flat, dtype)[:, None]
    dfx = np.asarray(df(flat.astype(dtype)), dtype=np.float64).reshape(-1)[:, None]
    fp = evaluate(f, xp, dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        rem = np.abs(fp - fx - hs * dfx)
        noise = _TAYLOR_NOISE * eps * (np.abs(fp) + np.abs(fx) + np.abs(hs * dfx))
    order = np.full(flat.size, np.nan)
    for i in range(flat.size):
        keep = np.flatnonzero(rem[i] > noise[i])
        if keep.size < 3:
            continue
        # the asymptotic regime is at the small steps: fit the last (up to) 5 clear ones
        use = keep[-_TAYLOR_FIT:]
        slope = np.polyfit(np.log(hs[i, use]), np.log(rem[i, use]), 1)[0]
        order[i] = slope
    bad = order < 1.5
    worst = int(np.nanargmin(order)) if np.isfinite(order).any() else 0
    return TaylorTest(
        ok=not bool(bad.any()),
        order=order.reshape(x64.shape),
        worst_x=float(flat[worst]),
        steps=hs,
        remainders=rem,
    )
