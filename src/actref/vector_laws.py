"""Laws of vector functions, as data: each a name and a check over sample rows.

A check takes the function (anything called as ``f(rows)`` along the last axis, with
``ulp_budget``) and rows ``(m, n)`` and returns counterexamples, each one sentence in
the shape ``softmax(x=[...]) sums to 1.0000000000000004, expected 1``. Tolerances come
from ``eps`` and the function's budget, never from a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
EPS = float(np.finfo(np.float64).eps)
Check = Callable[[Any, F64], list[str]]

__all__ = [
    "VectorLaw",
    "bounded",
    "exp_sums_to_one",
    "gate_closed",
    "gate_open",
    "linear_in_value",
    "mirror_of",
    "shift_invariant",
    "sums_to_one",
]


@dataclass(frozen=True)
class VectorLaw:
    """One law: its name as ``actref verify`` prints it, and its check."""

    name: str
    check: Check

    def __call__(self, vf: Any, rows: F64) -> list[str]:
        return self.check(vf, rows)


def _row(r: F64) -> str:
    return repr(r.tolist())


def sums_to_one() -> VectorLaw:
    def check(vf: Any, rows: F64) -> list[str]:
        total = vf(rows).sum(axis=-1)
        n = rows.shape[-1]
        return [
            f"{vf.name}(x={_row(r)}) sums to {t!r}, expected 1"
            for r, t in zip(rows, total, strict=True)
            if abs(t - 1.0) > n * EPS
        ]

    return VectorLaw("components sum to 1", check)


def exp_sums_to_one() -> VectorLaw:
    def check(vf: Any, rows: F64) -> list[str]:
        total = np.exp(vf(rows)).sum(axis=-1)
        n = rows.shape[-1]
        return [
            f"exp({vf.name}(x={_row(r)})) sums to {t!r}, expected 1"
            for r, t in zip(rows, total, strict=True)
            if abs(t - 1.0) > 2 * n * EPS
        ]

    return VectorLaw("exp sums to 1", check)


def bounded(low: float, high: float) -> VectorLaw:
    def check(vf: Any, rows: F64) -> list[str]:
        y = vf(rows)
        bad = np.any((y < low) | (y > high), axis=-1)
        return [
            f"{vf.name}(x={_row(r)}) = {_row(yr)}" for r, yr in zip(rows[bad], y[bad], strict=True)
        ]

    what = f"in [{low:g}, {high:g}]" if np.isfinite(low) else f"<= {high:g}"
    return VectorLaw(what, check)


def shift_invariant(shift: float = 64.0) -> VectorLaw:
    """``f(x + c) = f(x)`` within twice the budget (rows are multiples of ``2^-20``
    below ``2^32``, so adding 64 is exact: the same truth, each within its budget)."""

    def check(vf: Any, rows: F64) -> list[str]:
        y = vf(rows)
        shifted = vf(rows + shift)
        scale = np.spacing(np.maximum(np.abs(y), np.finfo(np.float64).tiny))
        off = np.abs(shifted - y) / scale
        bad = np.flatnonzero(off.max(axis=-1) > 2 * vf.ulp_budget[0])
        return [
            f"{vf.name}(x + {shift:g}) differs from {vf.name}(x) by {off[i].max():.3g} ULP "
            f"at x={_row(rows[i])}"
            for i in bad
        ]

    return VectorLaw("shift invariance", check)


def mirror_of(other: Callable[[F64], F64], other_name: str) -> VectorLaw:
    """``f(x) = other(-x)``, bit for bit (softmin is softmax of the negated row)."""

    def check(vf: Any, rows: F64) -> list[str]:
        y, z = vf(rows), other(-rows)
        bad = np.any(y != z, axis=-1)
        return [
            f"{vf.name}(x={_row(r)}) = {_row(a)}, expected {other_name}(-x) = {_row(b)}"
            for r, a, b in zip(rows[bad], y[bad], z[bad], strict=True)
        ]

    return VectorLaw(f"equals {other_name}(-x)", check)


def _halves(rows: F64) -> tuple[F64, F64]:
    m = rows.shape[-1] // 2
    return rows[..., :m], rows[..., m:]


def gate_open(gate_value: float, expected: Callable[[F64, float], F64], what: str) -> VectorLaw:
    """With every gate entry ``b = gate_value`` (large), ``f([a, b])`` is
    ``expected(a, b)`` exactly (glu: ``a``; swiglu, geglu, reglu: ``a b``)."""

    def check(vf: Any, rows: F64) -> list[str]:
        a, _ = _halves(rows)
        x = np.concatenate([a, np.full_like(a, gate_value)], axis=-1)
        y, want = vf(x), expected(a, gate_value)
        bad = np.any(y != want, axis=-1)
        return [
            f"{vf.name}(x={_row(r)}) = {_row(g)}, expected {_row(w)}"
            for r, g, w in zip(x[bad], y[bad], want[bad], strict=True)
        ]

    return VectorLaw(what, check)


def gate_closed() -> VectorLaw:
    """With every gate entry ``b = -inf``, ``f([a, b]) = 0`` for finite ``a``."""

    def check(vf: Any, rows: F64) -> list[str]:
        a, _ = _halves(rows)
        x = np.concatenate([a, np.full_like(a, -np.inf)], axis=-1)
        y = vf(x)
        bad = np.any(y != 0, axis=-1)
        return [
            f"{vf.name}(x={_row(r)}) = {_row(g)}, expected 0"
            for r, g in zip(x[bad], y[bad], strict=True)
        ]

    return VectorLaw("b -> -inf gives 0", check)


def linear_in_value() -> VectorLaw:
    """``f([2a, b]) = 2 f([a, b])`` exactly where the results are normal numbers
    (doubling is exact, so is the rounding of the product; a subnormal is not)."""

    def check(vf: Any, rows: F64) -> list[str]:
        a, b = _halves(rows)
        y2 = vf(np.concatenate([2 * a, b], axis=-1))
        y = 2 * vf(rows)
        normal = np.abs(y) >= 2 * np.finfo(np.float64).smallest_normal
        bad = np.any((y2 != y) & normal, axis=-1)
        return [
            f"{vf.name}(x=[2a, b]) = {_row(g)}, expected 2 {vf.name}(x) = {_row(w)} at x={_row(r)}"
            for r, g, w in zip(rows[bad], y2[bad], y[bad], strict=True)
        ]

    return VectorLaw("linear in a", check)


def support_is_above_threshold() -> VectorLaw:
    """sparsemax's support: ``s_i = x_i - τ`` with one ``τ`` on the support, and every
    entry outside it at most ``τ`` (tolerance: a few ULP of the row's largest entry)."""

    def check(vf: Any, rows: F64) -> list[str]:
        out = []
        s = vf(rows)
        for r, sr in zip(rows, s, strict=True):
            inside = sr > 0
            tau = r[inside] - sr[inside]
            tol = 8 * EPS * max(1.0, float(np.max(np.abs(r))))
            if np.ptp(tau) > tol or np.any(r[~inside] > tau.mean() + tol):
                out.append(f"{vf.name}(x={_row(r)}) = {_row(sr)}: not [x - tau]_+ for one tau")
        return out

    return VectorLaw("support: s = x - tau above one threshold, 0 below", check)


def one_hot_when_dominant(lead_by: float = 1.0) -> VectorLaw:
    """A row whose largest entry leads the next by at least ``lead`` gives exactly
    one-hot (sparsemax: 1; entmax15, a threshold on x/2: 2)."""

    def check(vf: Any, rows: F64) -> list[str]:
        lead = rows.copy()
        top = np.max(rows, axis=1)
        # twice the lead (or 4 ULP of a huge top): still enough after rounding
        lead[:, 0] = top + np.maximum(2.0 * lead_by, 4 * np.spacing(np.abs(top)))
        s = vf(lead)
        want = np.zeros_like(s)
        want[:, 0] = 1.0
        bad = np.any(s != want, axis=-1)
        return [
            f"{vf.name}(x={_row(r)}) = {_row(g)}, expected one-hot"
            for r, g in zip(lead[bad], s[bad], strict=True)
        ]

    return VectorLaw(f"one-hot when the largest leads by {lead_by:g}", check)


def order_preserving() -> VectorLaw:
    """``x_i > x_j`` gives ``s_i >= s_j``."""

    def check(vf: Any, rows: F64) -> list[str]:
        s = vf(rows)
        order = np.argsort(rows, axis=1)
        ss = np.take_along_axis(s, order, axis=1)
        bad = np.any(np.diff(ss, axis=1) < 0, axis=1)
        return [
            f"{vf.name}(x={_row(r)}) = {_row(g)}: the order is not kept"
            for r, g in zip(rows[bad], s[bad], strict=True)
        ]

    return VectorLaw("order preserving", check)


def entmax_threshold() -> VectorLaw:
    """entmax15's support: ``sqrt(p_i) = x_i/2 - tau`` with one ``tau`` on the support,
    and every entry outside it at most ``tau``."""

    def check(vf: Any, rows: F64) -> list[str]:
        out = []
        p = vf(rows)
        for r, pr in zip(rows, p, strict=True):
            inside = pr > 0
            tau = r[inside] / 2 - np.sqrt(pr[inside])
            tol = 8 * EPS * max(1.0, float(np.max(np.abs(r))))
            if np.ptp(tau) > tol or np.any(r[~inside] / 2 > tau.mean() + tol):
                out.append(f"{vf.name}(x={_row(r)}) = {_row(pr)}: not [x/2 - tau]_+^2 for one tau")
        return out

    return VectorLaw("support: sqrt(p) = x/2 - tau above one threshold, 0 below", check)
