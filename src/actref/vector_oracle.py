"""The truth for vector functions: one row's value or Jacobian in mpmath.

Each function takes a row of floats, ``derivative`` (the Jacobian, row-major, instead
of the value) and ``dps`` (decimal digits of the working precision) and returns mpmath
numbers, rounded once by the caller (:func:`actref.oracle.round_to`). Differences of
inputs are taken exactly, so nothing cancels; limits at ±inf are written out (mpmath's
``inf * 0`` is nan where the limit is not).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import mpmath

__all__ = [
    "gate_slope",
    "gate_value",
    "gated_row",
    "log_softmax_row",
    "softmax_row",
    "softmin_row",
]

NAN = mpmath.mpf("nan")


def _exact_diff(a: float, b: float) -> Any:
    return mpmath.fsub(mpmath.mpf(a), mpmath.mpf(b), exact=True)


def _softmax_parts(row: list[float]) -> tuple[list[Any], list[Any], list[Any]]:
    """``s``, ``1 - s`` (summed from the others) and ``log s`` of a nan-free row.

    ``s_i = 1 / (1 + sum_{j != i} e^(x_j - x_i))``; +inf entries share the mass.
    """
    n_pos_inf = sum(1 for v in row if v == math.inf)
    s: list[Any] = []
    comp: list[Any] = []
    logs: list[Any] = []
    for i, xi in enumerate(row):
        if n_pos_inf:
            si = mpmath.mpf(1) / n_pos_inf if xi == math.inf else mpmath.mpf(0)
            s.append(si)
            comp.append(1 - si)
            logs.append(mpmath.log(si) if si else mpmath.mpf("-inf"))
        elif xi == -math.inf:
            s.append(mpmath.mpf(0))
            comp.append(mpmath.mpf(1))
            logs.append(mpmath.mpf("-inf"))
        else:
            others = mpmath.fsum(
                mpmath.exp(_exact_diff(xj, xi)) for j, xj in enumerate(row) if j != i
            )
            s.append(1 / (1 + others))
            comp.append(others / (1 + others))
            logs.append(-mpmath.log1p(others))
    return s, comp, logs


def softmax_row(row: list[float], derivative: bool = False, dps: int = 40) -> list[Any]:
    """softmax of one row, or its Jacobian ``s_i (δ_ij - s_j)`` (``1 - s_i`` summed
    from the other entries)."""
    n = len(row)
    if any(math.isnan(v) for v in row):
        return [NAN] * (n * n if derivative else n)
    with mpmath.workdps(dps):
        s, comp, _ = _softmax_parts(row)
        if not derivative:
            return s
        return [s[i] * comp[i] if i == j else -s[i] * s[j] for i in range(n) for j in range(n)]


def log_softmax_row(row: list[float], derivative: bool = False, dps: int = 40) -> list[Any]:
    """log_softmax of one row (``-log1p`` of the others), or its Jacobian ``δ_ij - s_j``."""
    n = len(row)
    if any(math.isnan(v) for v in row):
        return [NAN] * (n * n if derivative else n)
    with mpmath.workdps(dps):
        s, comp, logs = _softmax_parts(row)
        if not derivative:
            return logs
        return [comp[j] if i == j else -s[j] for i in range(n) for j in range(n)]


def softmin_row(row: list[float], derivative: bool = False, dps: int = 40) -> list[Any]:
    """softmin = softmax of the negated row; its Jacobian is minus softmax's there."""
    out = softmax_row([-v for v in row], derivative, dps)
    return [-v for v in out] if derivative else out


# ------------------------------------------------------------------------ gates
def _sigmoid(b: Any) -> Any:
    if b == mpmath.inf:
        return mpmath.mpf(1)
    if b == -mpmath.inf:
        return mpmath.mpf(0)
    return 1 / (1 + mpmath.exp(-b))


# beyond |b| = 1e4, 1 - Phi(|b|) and phi(b) are below 1e-10^7 (mpmath's erfc gives up
# near the largest floats): the gelu gate and its slope are b or 1 (0 on the left) to
# far better than any float times them resolves; TINY keeps the direction of rounding
FAR = 10**4
TINY = mpmath.mpf(10) ** -1000


def _phi(b: Any) -> Any:
    """The standard normal CDF, ``erfc(-b / sqrt 2) / 2``."""
    return mpmath.erfc(-b / mpmath.sqrt(2)) / 2


def _gelu(b: Any, derivative: bool) -> Any:
    if b > FAR:
        return 1 + TINY if derivative else b * (1 - TINY)  # gelu' overshoots 1 there
    if b < -FAR:
        return -TINY  # gelu and gelu' are negative and vanishing on the left
    return _phi(b) + b * mpmath.npdf(b) if derivative else b * _phi(b)


def gate_value(gate: str, b: Any) -> Any:
    """The gate ``g(b)`` in mpmath (limits at ±inf written out)."""
    if mpmath.isnan(b):
        return NAN
    if gate == "sigmoid":
        return _sigmoid(b)
    if gate == "relu":
        return b if b > 0 else mpmath.mpf(0)
    if b == -mpmath.inf:
        return mpmath.mpf(0)  # silu and gelu tend to 0 from below
    if b == mpmath.inf:
        return b
    if gate == "silu":
        return b * _sigmoid(b)
    if gate == "gelu":
        return _gelu(b, False)
    raise ValueError(f"unknown gate {gate!r}")


def gate_slope(gate: str, b: Any) -> Any:
    """The gate's slope ``g'(b)`` in mpmath (relu'(0) = 0, as PyTorch)."""
    if mpmath.isnan(b):
        return NAN
    if gate == "relu":
        return mpmath.mpf(1) if b > 0 else mpmath.mpf(0)  # relu'(0) = 0, as PyTorch
    if b == -mpmath.inf:
        return mpmath.mpf(0)
    if b == mpmath.inf:
        return mpmath.mpf(0) if gate == "sigmoid" else mpmath.mpf(1)
    if gate == "sigmoid":
        s = _sigmoid(b)
        return s / (1 + mpmath.exp(b))  # s (1 - s) without cancellation
    if gate == "silu":
        s = _sigmoid(b)
        return s * (1 + b / (1 + mpmath.exp(b)))  # s (1 + b (1 - s))
    if gate == "gelu":
        return _gelu(b, True)
    raise ValueError(f"unknown gate {gate!r}")


def gated_row(
    row: list[float], derivative: bool = False, dps: int = 40, *, gate: str = "sigmoid"
) -> list[Any]:
    """``a_i g(b_i)`` for ``row = [a, b]``, or the ``(m, 2m)`` Jacobian, row-major:
    ``g(b_i)`` at ``(i, i)``, ``a_i g'(b_i)`` at ``(i, m + i)``, 0 elsewhere. nan
    propagates entrywise; ``inf * 0`` is nan (IEEE, torch)."""
    m = len(row) // 2
    with mpmath.workdps(dps):
        a = [mpmath.mpf(v) for v in row[:m]]
        b = [mpmath.mpf(v) for v in row[m:]]
        if not derivative:
            return [_times(a[i], gate_value(gate, b[i]), b[i]) for i in range(m)]
        out = [mpmath.mpf(0)] * (m * 2 * m)
        for i in range(m):
            out[i * 2 * m + i] = gate_value(gate, b[i])
            out[i * 2 * m + m + i] = _times(a[i], gate_slope(gate, b[i]), b[i])
        return out


def _times(a: Any, g: Any, b: Any) -> Any:
    if mpmath.isnan(a) or mpmath.isnan(b):
        return NAN
    return a * g  # mpmath: inf * 0 is nan, as IEEE


# ---------------------------------------------------------------------- sparsemax
def sparsemax_exact(row: list[float]) -> tuple[list[Fraction] | None, int]:
    """sparsemax of one row in rationals (Martins & Astudillo's sort-based threshold,
    exactly), and its support size; None for a nan row and for a row of only -inf.
    +inf entries share the mass equally, as in softmax."""
    if any(math.isnan(v) for v in row):
        return None, 0
    n_inf = sum(1 for v in row if v == math.inf)
    if n_inf:
        return [Fraction(1, n_inf) if v == math.inf else Fraction(0) for v in row], n_inf
    if all(v == -math.inf for v in row):
        return None, 0
    xs = [Fraction(v) if v != -math.inf else None for v in row]
    finite = sorted((v for v in xs if v is not None), reverse=True)
    total, k_star, total_star = Fraction(0), 0, Fraction(0)
    for k, v in enumerate(finite, start=1):
        total += v
        if 1 + k * v > total:
            k_star, total_star = k, total
    tau = (total_star - 1) / k_star
    return [max(v - tau, Fraction(0)) if v is not None else Fraction(0) for v in xs], k_star


def _mpf(q: Fraction) -> Any:
    return mpmath.mpf(q.numerator) / q.denominator


def sparsemax_row(row: list[float], derivative: bool = False, dps: int = 40) -> list[Any]:
    """sparsemax of one row (exact rationals, rounded at ``dps`` digits), or its
    Jacobian ``δ_ij - 1/K`` on the support (``s > 0``), 0 off it."""
    n = len(row)
    s, k = sparsemax_exact(row)
    if s is None:
        return [NAN] * (n * n if derivative else n)
    with mpmath.workdps(dps):
        if not derivative:
            return [_mpf(v) for v in s]
        inside = [v > 0 for v in s]
        return [
            _mpf(
                (Fraction(int(i == j)) - Fraction(1, k))
                if inside[i] and inside[j]
                else Fraction(0)
            )
            for i in range(n)
            for j in range(n)
        ]


# ------------------------------------------------------------------------ entmax15
def entmax15_exact(row: list[float], dps: int = 60) -> tuple[list[Any] | None, list[bool]]:
    """``g = [x/2 - tau]_+`` of one row (entmax15 is ``g**2``) at ``dps`` digits, and its
    support; None for a nan row and for a row of only -inf. +inf entries share the mass.

    Peters, Niculae & Martins (2019), the exact sort-based threshold for alpha = 1.5: with
    ``z = x/2`` sorted decreasingly, ``M_k``, ``V_k`` the mean and variance of the first
    ``k``, ``delta_k = 1/k - V_k`` and ``tau_k = M_k - sqrt(delta_k)``, the support size
    is the number of ``k`` with ``tau_k <= z_(k)``. Means, variances and ``delta`` are
    rationals, the support test is exact (``(M_k - z_(k))^2 <= delta_k``), and below the
    mean ``g_i = (delta - a^2) / (sqrt(delta) - a)`` with ``a = z_i - M``: no cancellation.
    """
    if any(math.isnan(v) for v in row):
        return None, []
    n_inf = sum(1 for v in row if v == math.inf)
    if n_inf:
        with mpmath.workdps(dps):
            g = mpmath.sqrt(mpmath.mpf(1) / n_inf)
            return [g if v == math.inf else mpmath.mpf(0) for v in row], [
                v == math.inf for v in row
            ]
    if all(v == -math.inf for v in row):
        return None, []
    zs = [Fraction(v) / 2 if v != -math.inf else None for v in row]
    srt = sorted((v for v in zs if v is not None), reverse=True)
    total, squares = Fraction(0), Fraction(0)
    mean_star, delta_star = Fraction(0), Fraction(0)
    for k, zk in enumerate(srt, start=1):
        total += zk
        squares += zk * zk
        mean = total / k
        delta = Fraction(1, k) - (squares / k - mean * mean)
        gap = mean - zk
        if delta >= 0 and (gap <= 0 or gap * gap <= delta):
            mean_star, delta_star = mean, delta
    out: list[Any] = []
    inside: list[bool] = []
    with mpmath.workdps(dps):
        root = mpmath.sqrt(_mpf(delta_star))
        for z in zs:
            if z is None:
                out.append(mpmath.mpf(0))
                inside.append(False)
                continue
            a = z - mean_star
            if a >= 0:
                out.append(_mpf(a) + root)
                inside.append(True)
            elif delta_star - a * a > 0:
                out.append(_mpf(delta_star - a * a) / (root - _mpf(a)))
                inside.append(True)
            else:
                out.append(mpmath.mpf(0))
                inside.append(False)
    return out, inside


def entmax15_row(row: list[float], derivative: bool = False, dps: int = 40) -> list[Any]:
    """entmax15 of one row, ``g**2``, or its Jacobian ``diag(g) - g g^T / sum(g)``."""
    n = len(row)
    g, _ = entmax15_exact(row, dps + 20)
    if g is None:
        return [NAN] * (n * n if derivative else n)
    with mpmath.workdps(dps + 20):
        if not derivative:
            return [v * v for v in g]
        total = mpmath.fsum(g)
        return [
            (g[i] * (total - g[i]) if i == j else -g[i] * g[j]) / total
            for i in range(n)
            for j in range(n)
        ]
