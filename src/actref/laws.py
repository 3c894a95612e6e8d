r"""Property laws: what each activation obeys, as data, and how a law is checked.

The catalogue declares per function a tuple of :class:`Law` (identities such as
:math:`\sigma(-x) = 1 - \sigma(x)` or :math:`\tanh' = 1 - \tanh^2`); the generic laws
(range bounds, monotonicity, continuity at kinks) come from the entry's other fields.
The hypothesis suite and ``actref verify`` both evaluate them through :func:`check_law`
and :func:`generic_laws`, so a law is stated once. A law reaches other activations
through the resolver it is given (by default :func:`actref.registry.get`); the ones it
resolves are the ones it uses, and their budgets count in its tolerance.

Tolerances are derived, not tuned. Each function is accurate to its ``ulp_budget``
(float64 ULPs against the oracle), and an ULP of :math:`v` is at most
:math:`\varepsilon |v|`. A law :math:`L(x) = R(x)` whose sides call functions with
budget :math:`u` and do :math:`k` further roundings therefore holds in floating point to

.. math:: |L - R| \le (u + k)\,\varepsilon\, S(x),

where :math:`S(x)` (the law's ``scale``) bounds the sum of the magnitudes of every value
that carries a rounding error — not just of the two sides: in
:math:`1 - \sigma(x)` near :math:`x = 40` the error of :math:`\sigma(x) \approx 1` is
far larger than the result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from actref import contract, registry
from actref.activation import Activation, Law, Resolver, Side
from actref.stencils import one_sided

__all__ = [
    "Law",
    "LawResult",
    "Resolver",
    "Side",
    "all_laws",
    "budget",
    "check_bounds",
    "check_kinks",
    "check_law",
    "check_monotone",
    "generic_laws",
    "uses",
]

F64 = NDArray[np.float64]

_EPS = float(np.finfo(np.float64).eps)
# The contract does not hold subnormal true values to ULPs (actref.contract.not_held),
# so below the smallest normal number every law allows an absolute difference of that size.
_TINY = float(np.finfo(np.float64).smallest_normal)


@dataclass(frozen=True)
class LawResult:
    """The outcome of one law on a set of points."""

    function: str
    law: str
    ok: bool
    n: int
    worst_x: float
    observed: float
    expected: float
    tolerance: float

    def describe(self) -> str:
        """``sigmoid: sigmoid(-x) = 1 - sigmoid(x) fails at x=3.0: 0.1 vs 0.2 (tolerance 1e-16)``."""
        return (
            f"{self.function}: {self.law} fails at x={self.worst_x!r}: "
            f"{self.observed!r} vs {self.expected!r} (tolerance {self.tolerance:.2g})"
        )


def budget(act: Activation, uses: Sequence[Activation | str] = ()) -> float:
    """The largest float64 ULP budget (value or derivative) of ``act`` and ``uses``
    (activations, or names of registered ones)."""
    acts = [act, *(registry.get(a) if isinstance(a, str) else a for a in uses)]
    return max(contract.budget(a, part) for a in acts for part in ("value", "derivative"))


class _Recorder:
    """A resolver that remembers what it resolved: the activations a law uses."""

    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve
        self.used: dict[str, Activation] = {}

    def __call__(self, name: str, **params: Any) -> Activation:
        found = self.resolve(name, **params)
        self.used[str(found)] = found
        return found


def uses(act: Activation, law: Law, other: Resolver | None = None) -> tuple[str, ...]:
    """The other activations ``law`` reaches for ``act`` (``("tanh",)`` for
    sigmoid(x) = (1 + tanh(x/2)) / 2), found by evaluating it once at x = 0.5."""
    other = _Recorder(other or registry.get)
    v = np.array([0.5])
    with np.errstate(all="ignore"):
        for side in (law.lhs, law.rhs, law.scale):
            side(act, v, other)
    return tuple(a.name for a in other.used.values())


def _summarise(
    act: Activation, law: str, xs: F64, observed: F64, expected: F64, excess: F64, tol: F64
) -> LawResult:
    """Pick the worst point (largest excess over the tolerance) and report it."""
    excess = np.where(np.isnan(excess), np.inf, excess)
    i = int(np.argmax(excess)) if xs.size else 0
    return LawResult(
        function=act.name,
        law=law,
        ok=bool(xs.size == 0 or excess[i] <= 0),
        n=int(xs.size),
        worst_x=float(xs[i]) if xs.size else math.nan,
        observed=float(observed[i]) if xs.size else math.nan,
        expected=float(expected[i]) if xs.size else math.nan,
        tolerance=float(tol[i]) if xs.size else 0.0,
    )


def check_law(act: Activation, law: Law, xs: F64, other: Resolver | None = None) -> LawResult:
    """Evaluate ``law`` for ``act`` at the points of ``xs`` inside its domain.

    ``other`` resolves the other activations the law calls (:func:`actref.registry.get`
    unless given); their budgets count in the tolerance with ``act``'s.
    """
    xs = np.asarray(xs, dtype=np.float64).ravel()
    lo, hi = law.where
    xs = xs[(xs >= lo) & (xs <= hi)]
    resolve = _Recorder(other or registry.get)
    with np.errstate(all="ignore"):
        lhs = np.broadcast_to(np.asarray(law.lhs(act, xs, resolve), dtype=np.float64), xs.shape)
        rhs = np.broadcast_to(np.asarray(law.rhs(act, xs, resolve), dtype=np.float64), xs.shape)
        scale = np.abs(np.asarray(law.scale(act, xs, resolve), dtype=np.float64))
        u = budget(act, list(resolve.used.values()))
        # the subnormal floor of a function value is multiplied by x in laws like x·σ(x)
        tol = (u + law.ops) * (_EPS * scale + _TINY * np.maximum(1.0, np.abs(xs)))
        excess = np.abs(lhs - rhs) - tol
    return _summarise(act, law.name, xs, lhs, rhs, excess, tol)


# ------------------------------------------------------------------ generic laws
def check_bounds(act: Activation, xs: F64) -> LawResult:
    """``lo <= f(x) <= hi`` (the registry's ``bounds``) at every ``x``, ±inf included,
    allowing the function's value budget in ULPs of the bound."""
    lo, hi = act.bounds
    u = contract.budget(act, "value")
    xs = np.asarray(xs, dtype=np.float64).ravel()
    xs = xs[~np.isnan(xs)]
    with np.errstate(all="ignore"):
        fx = np.asarray(act(xs), dtype=np.float64)
        tol_lo = u * (_EPS * abs(lo) + _TINY) if math.isfinite(lo) else 0.0
        tol_hi = u * (_EPS * abs(hi) + _TINY) if math.isfinite(hi) else 0.0
        # compared, not subtracted: inf - inf is nan
        bad = ~((fx >= lo - tol_lo) & (fx <= hi + tol_hi))
        miss = np.maximum(lo - fx, fx - hi)
        excess = np.where(bad, np.where(np.isfinite(miss), miss, np.inf), -1.0)
    bound = np.where(fx < lo, lo, hi)
    return _summarise(
        act,
        f"{lo:.17g} <= {act.name}(x) <= {hi:.17g}",
        xs,
        fx,
        bound,
        excess,
        np.full_like(xs, max(tol_lo, tol_hi)),
    )


def check_monotone(act: Activation, xs: F64) -> LawResult:
    """Non-decreasing: ``f(a) <= f(b)`` for neighbours ``a < b`` of the sorted ``xs``,
    and ``f'(x) >= 0``; ties within two value budgets (rounding can reorder)."""
    xs = np.unique(np.asarray(xs, dtype=np.float64).ravel())
    xs = xs[~np.isnan(xs)]
    u = contract.budget(act, "value")
    with np.errstate(all="ignore"):
        fx = np.asarray(act(xs), dtype=np.float64)
        gx = np.asarray(act.grad(xs), dtype=np.float64)
        tol = u * _EPS * (np.abs(fx[:-1]) + np.abs(fx[1:])) + 2 * u * _TINY
        tol = np.where(np.isfinite(tol), tol, 0.0)
        # compared, not subtracted: inf - inf is nan
        bad = ~(fx[:-1] <= fx[1:] + tol)
        drop = np.where(bad, np.abs(fx[:-1] - fx[1:]), -1.0)
        excess = np.concatenate([np.where(np.isnan(drop), np.inf, drop), [-1.0]])
        excess = np.where(~(gx >= 0), np.where(np.isnan(gx), np.inf, -gx), excess)
    nxt = np.concatenate([fx[1:], fx[-1:]])
    return _summarise(
        act,
        f"{act.name} is non-decreasing (f(x) <= f(next x), f' >= 0)",
        xs,
        fx,
        nxt,
        excess,
        np.concatenate([tol, [0.0]]),
    )


def check_kinks(act: Activation) -> LawResult:
    """Continuity at each kink declared continuous, a jump at each declared
    discontinuous, and the declared one-sided derivatives.

    With :math:`\\delta` from 1e-4 down to 1e-12 (times max(1, |k|)): continuous means
    :math:`|f(k \\pm \\delta) - f(k)|` stays within the one-sided slope times
    :math:`\\delta` (plus the value budget); a jump means
    :math:`|f(k + \\delta) - f(k - \\delta)|` does not shrink with :math:`\\delta`.
    """
    rows: list[tuple[float, float, float, float]] = []  # x, observed, expected, excess
    u = contract.budget(act, "value")
    for kink in act.kinks:
        k = kink.at
        deltas = np.array([1e-4, 1e-6, 1e-8, 1e-10, 1e-12]) * max(1.0, abs(k))
        with np.errstate(all="ignore"):
            fk = float(act(k))
            fp = np.asarray(act(k + deltas), dtype=np.float64)
            fm = np.asarray(act(k - deltas), dtype=np.float64)
        slope = max(abs(kink.left), abs(kink.right))
        tol = slope * deltas * 1.01 + u * _EPS * (abs(fk) + np.abs(fp) + np.abs(fm)) * 2 + _TINY
        if kink.continuous:
            gap = np.maximum(np.abs(fp - fk), np.abs(fm - fk))
            i = int(np.argmax(gap - tol))
            rows.append((k + deltas[i], float(gap[i]), 0.0, float(gap[i] - tol[i])))
        else:
            jump = np.abs(fp - fm)
            # a jump: at the smallest delta still far above what continuity allows
            rows.append((k, float(jump[-1]), float(tol[-1]), float(100 * tol[-1] - jump[-1])))
        # the declared one-sided derivatives, measured from the pieces (not f(k) itself),
        # with steps that stay short of the next kink (xielu's eps and 0 are 1e-6 apart)
        others = [abs(o.at - k) for o in act.kinks if o.at != k]
        base = np.array([min([1e-4 * max(1.0, abs(k)), *(d / 8 for d in others)])])
        for sign, declared in ((1.0, kink.right), (-1.0, kink.left)):
            d, err = one_sided(act, np.array([k]), base, sign, np.dtype(np.float64))
            allowed = 4 * float(err[0]) + 1e-6 * max(1.0, abs(declared))
            rows.append((k, float(d[0]), declared, abs(float(d[0]) - declared) - allowed))
    xs = np.array([r[0] for r in rows], dtype=np.float64)
    return _summarise(
        act,
        "continuity and one-sided derivatives at the kinks",
        xs,
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]),
        np.zeros(len(rows)),
    )


def generic_laws(act: Activation, xs: F64) -> list[LawResult]:
    """The laws implied by the registry fields: bounds, monotonicity, kinks."""
    out = [check_bounds(act, xs)]
    if act.is_increasing:
        out.append(check_monotone(act, xs))
    if act.kinks:
        out.append(check_kinks(act))
    return out


def all_laws(act: Activation, xs: F64) -> list[LawResult]:
    """Every law of ``act`` (generic and declared) at the points ``xs``."""
    finite = np.asarray(xs, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return generic_laws(act, xs) + [check_law(act, law, finite) for law in act.laws]
