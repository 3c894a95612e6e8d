r"""Derivative checks that know kinks: a claimed derivative held against finite differences.

:func:`check_derivative` holds a claimed derivative against the estimators of
:mod:`actref.stencils`; at a kink it computes the left and right derivatives with
one-sided stencils and accepts any value between them (any subgradient), and near a
kink it differentiates on the side away from it. A point whose one-sided derivatives
disagree, with no kink declared there, fails and says so. :func:`check_jacobian` does
the same for the Jacobian of a vector function. Users import these from
:mod:`actref.finite_diff`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actref.gradcheck_results import (
    CONVENTION,
    KINK,
    NEAR,
    SMOOTH,
    DerivativeCheck,
    JacobianCheck,
)
from actref.stencils import (
    F64,
    apply_vectorised,
    default_step,
    derivative,
    fn_name,
    jacobian,
    machine_eps,
    one_sided,
    tolerance_arg,
    validate,
)

__all__ = ["check_derivative", "check_jacobian"]


# ================================================================ the checker
def _kink_table(kinks: Iterable[float | Any]) -> tuple[F64, F64]:
    """The sorted kink abscissae and, for each, its convention (a :class:`Kink`'s
    ``grad``; nan for a plain number: any subgradient)."""
    table: dict[float, float] = {}
    for k in kinks:
        at = float(getattr(k, "at", k))
        grad = getattr(k, "grad", None)
        if grad is not None or at not in table:
            table[at] = math.nan if grad is None else float(grad)
    at_arr = np.array(sorted(table), dtype=np.float64)
    if not np.all(np.isfinite(at_arr)):
        raise ValueError("`kinks` must be finite numbers (or Kink objects).")
    return at_arr, np.array([table[a] for a in sorted(table)], dtype=np.float64)


def _sides(
    f: Callable[..., Any], x: F64, h: F64, dtype: np.dtype[Any], rtol: float, atol: float
) -> tuple[NDArray[np.bool_], tuple[F64, F64], tuple[F64, F64], F64]:
    """Whether ``f`` has a kink or a jump at ``x``, the one-sided derivatives (with
    their errors) from the right and the left, and how far from ``x`` no join was seen.

    A kink when they disagree beyond their errors at ``h``, ``h/8``, ``h/64``, a step
    below ``|x|`` and ever smaller steps while those still resolve the gap, by a gap
    that does not shrink with the step: near a smooth join (elu at 0 seen from -0.0085
    in float32, or from 1.7e-8 in float64) a stencil that reaches the join is off by an
    amount proportional to the step, and near a join where f'' jumps (sparse_plus at -1
    seen from -1.00001) by one proportional to the distance, which only a step below
    that distance shows.

    Where the sides disagree at ``h`` but not at a smaller step, the derivatives
    returned are those at the step where they came to agree: the stencil that reached
    across a join is then consistent between its own two steps, its error estimate
    far too small (sparse_plus at -1.003 in float32: -0.00153 with an error of 2e-7 for
    every step from 0.003 to 0.04, where f' = 0), and only the other side shows it.
    How far those stencils reached is the last result (inf where the sides agreed at
    ``h`` or never did): a longer stencil may reach the join that the disagreement at
    ``h`` showed.
    """
    up = one_sided(f, x, h, 1.0, dtype)
    dn = one_sided(f, x, h, -1.0, dtype)
    apart = _apart(up, dn, rtol, atol)
    gap = np.abs(up[0] - dn[0])
    d_up, e_up = up[0].copy(), up[1].copy()
    d_dn, e_dn = dn[0].copy(), dn[1].copy()
    reach = np.full_like(x, np.inf)
    # (a step far above the underflow threshold, so that f's values carry digits)
    least = 2.0**20 * float(np.finfo(dtype).smallest_normal)
    # the smallest step: one spacing of x in its dtype
    floor = np.maximum(least, np.abs(np.spacing(x.astype(dtype))).astype(np.float64))
    last = h.copy()  # the step last tried
    shrinks = (8.0, 64.0, 0.0, *(64.0 * 8.0**k for k in range(1, 1 + _DEEPER)))
    for level, shrink in enumerate(shrinks):
        i = np.flatnonzero(apart)
        if not i.size:
            break
        ax = np.abs(x[i])
        if not shrink:
            # a step below |x| too: a join at 0 seen from x = 2e-7 (relu2, whose f' is
            # 2x right of it and 0 left) looks like a kink at x to every step above |x|
            below = (ax / 8 >= least) & (ax < h[i])
            step = np.where(below, ax / 8, h[i] / 64)
        elif level < 3:
            step = h[i] / shrink
        else:
            # ever smaller steps, down to the floor, where a join is nearer than h/64
            step = np.maximum(h[i] / shrink, floor[i])
            fits = step < last[i]
            i, step = i[fits], step[fits]
            if not i.size:
                break
        last[i] = step
        small_up = one_sided(f, x[i], step, 1.0, dtype)
        small_dn = one_sided(f, x[i], step, -1.0, dtype)
        # at a kink the gap stays; across a join it shrinks with the step
        with np.errstate(invalid="ignore"):
            stays = np.abs(small_up[0] - small_dn[0]) > gap[i] / 2
            still = _apart(small_up, small_dn, rtol, atol) & stays
            if level > 2:
                # a step whose error hides the gap says nothing: the point stays apart
                # (an undeclared kink where f is large: float32 hardshrink, whose
                # rounding grows as the step shrinks)
                still |= ~(4 * (small_up[1] + small_dn[1]) < gap[i] / 2)
        agree = i[~still]
        d_up[agree], e_up[agree] = small_up[0][~still], small_up[1][~still]
        d_dn[agree], e_dn[agree] = small_dn[0][~still], small_dn[1][~still]
        reach[agree] = 3 * step[~still]
        apart[i] = still
    return apart, (d_up, e_up), (d_dn, e_dn), reach


# further steps tried (each 8 times smaller, from h/512, none below a spacing of x)
# before a point whose one-sided derivatives disagree is called a kink: h/64/8**10 is
# below a spacing of x for |x| >= 1, in float32 and float64
_DEEPER = 10


def _apart(
    up: tuple[F64, F64], dn: tuple[F64, F64], rtol: float, atol: float
) -> NDArray[np.bool_]:
    """Whether two one-sided derivatives disagree beyond their errors and by more than
    64 ``rtol`` relatively: a stencil wholly across a smooth join, at a distance d,
    is off by about d |f''| (elu at 1.7e-8: 1.7e-8), a kink by its change of slope."""
    (d_up, e_up), (d_dn, e_dn) = up, dn
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.maximum(np.abs(d_up), np.abs(d_dn))
        return np.asarray(np.abs(d_up - d_dn) > 4 * (e_up + e_dn) + 64 * rtol * scale + atol)


def _other_steps(
    f: Callable[..., Any],
    x: F64,
    h: F64,
    room: F64,
    dtype: np.dtype[Any],
    first: tuple[F64, F64],
) -> tuple[F64, F64]:
    """The best Richardson estimate over other steps where the default one left the
    check weak (issue 14): a step relative to ``|x|`` when ``|x| < 1`` (tanhshrink'
    at 1e-6: the absolute step's truncation hid a wrong value), a step 8 times larger,
    reaching no kink (the tails, where the rounding floor :math:`\varepsilon|f|/h` hid
    a derivative twice too large), and one 8 times smaller (float32 sigmoid at -55,
    where the default step spans a factor 270 of f). Each is tried only where the
    check is still weak."""
    best, best_err = first[0].copy(), first[1].copy()
    fmax = float(np.finfo(dtype).max)
    ax = np.abs(x)
    # a step far above the underflow threshold, so that f's values there carry digits
    least = 2.0**20 * float(np.finfo(dtype).smallest_normal)
    weak_at = math.sqrt(machine_eps(dtype))
    for step in (h * np.where((ax > 0) & (ax < 1), ax, 1.0), 8 * h, h / 8):
        with np.errstate(invalid="ignore"):
            still = 4 * best_err > weak_at * np.abs(best)
        # a step within a factor 2 of h gives no second opinion: near a join its
        # estimate shares the first one's fault (float32 sparse_plus at 0.976, whose
        # stencil at 0.976 h reaches across 1 as the first did)
        other = (step <= h / 2) | (step >= 2 * h)
        usable = still & (step < room / 2) & (4 * step < fmax - ax) & other
        idx = np.flatnonzero(usable & (step >= least))
        if not idx.size:
            continue
        est = derivative(f, x[idx].astype(dtype), method="richardson", step=step[idx])
        # a refinement only: within the first estimate's own error (a long step's
        # error estimate can be far too small: float32 tanh at 1.875)
        with np.errstate(invalid="ignore"):
            gap = np.abs(est.df - first[0][idx])
            agrees = gap <= 4 * (est.error + first[1][idx])
            # and its error is at least what the first estimate shows of it: a stencil
            # reaching across a join where f'' jumps extrapolates a first-order error
            # as if it were of order 2 (float32, a piecewise f 1e-6 from its join: the
            # estimate at h/8 was off by 8 times its error)
            honest = np.maximum(est.error, gap - first[1][idx])
        take = agrees & (honest < best_err[idx])
        best[idx] = np.where(take, est.df, best[idx])
        best_err[idx] = np.where(take, honest, best_err[idx])
    return best, best_err


def check_derivative(
    f: Callable[..., Any],
    df: Callable[..., Any],
    x: ArrayLike,
    *,
    kinks: Iterable[float | Any] = (),
    method: Literal["central", "richardson"] = "richardson",
    rtol: float | None = None,
    atol: float | None = None,
    convention: bool = False,
) -> DerivativeCheck:
    r"""Hold a claimed derivative ``df`` against finite differences of ``f`` at ``x``.

    Parameters
    ----------
    f, df : callable
        The function and its claimed derivative, elementwise and vectorised.
    x : array_like
        Finite points; float32 input evaluates ``f`` in float32 with float32 steps.
    kinks : iterable of float or :class:`actref.Kink`
        Points where ``f`` is not differentiable. At a kink, ``df`` is accepted
        anywhere between the left and right derivatives (any subgradient: relu'(0)
        may be 0, 0.5 or 1, not 2), and at a :class:`actref.Kink` its convention
        ``grad`` too. A point whose stencil would reach a kink is differentiated
        one-sidedly, on the side away from it, with a step that reaches no other kink.
    method : {"richardson", "central"}
        The estimator for smooth points.
    rtol : float, optional
        Relative tolerance added to the error estimate; default
        :math:`\sqrt{\varepsilon}` of the dtype (1.5e-8 in float64, so a relative
        error of 1e-6 is caught; 3.5e-4 in float32, above its finite-difference noise).
    convention : bool
        At a :class:`actref.Kink`, accept only its convention ``grad`` (within
        ``rtol`` and ``atol``), not any subgradient: how ``actref verify`` holds the
        reference itself (relu'(0) = 0, as PyTorch).
    atol : float, optional
        Absolute tolerance added too; default the smallest normal number of the dtype
        (subnormal results carry no relative accuracy).

    Returns
    -------
    DerivativeCheck
        ``ok`` (also its truth value), ``max_error``, ``worst_x`` and the per-point
        detail in arrays. A failing point without a declared kink whose one-sided
        derivatives disagree is marked ``suspected_kink`` and its message ends in
        ``kink? pass kinks=[x]``.

    Raises
    ------
    TypeError
        With a one-line hint when ``f`` or ``df`` takes one number at a time
        (``math.tanh``, an ``if``) instead of an array.

    Notes
    -----
    A point fails when ``|claimed - expected| > 4·error_estimate + rtol·|expected| + atol``.
    The error estimate includes the rounding floor :math:`\varepsilon |f| / h`, so where
    :math:`f'` is far smaller than :math:`f` (sigmoid at 40) only absolute agreement
    at that floor can be checked. Where the first estimate leaves the check that weak,
    steps relative to ``|x|`` (tanhshrink at 1e-6), 8 times smaller and larger (the
    tails) are tried too, and the estimate with the smallest error kept. A point
    whose one-sided derivatives disagree, with no kink declared there, fails (a kink
    or a jump: hardshrink at 0.5) and says so; whose one-sided derivatives disagree at
    the default step but agree at a smaller one has a join nearby (where f'' jumps,
    not declared: sparse_plus at -1), and is judged from the smaller step's two
    sides, with no longer stencil tried. An estimate that disagrees with one at another
    step by more than that one's error carries the difference as its error. Near the
    largest float the stencil is one-sided, towards 0.
    """
    x64, dtype, meth, _ = validate(f, x, method, None, methods=("central", "richardson"))
    rtol = math.sqrt(machine_eps(dtype)) if rtol is None else tolerance_arg(rtol, "rtol")
    atol = float(np.finfo(dtype).smallest_normal) if atol is None else tolerance_arg(atol, "atol")
    strict = bool(convention)
    kink_at, convention_at = _kink_table(kinks)
    flat = x64.ravel()
    if not flat.size:
        raise ValueError("`x` must contain at least one point.")
    claimed = np.asarray(apply_vectorised(df, flat.astype(dtype), "df"), dtype=np.float64)
    claimed = np.broadcast_to(claimed, flat.shape)

    h = default_step(flat, meth, dtype)
    base = default_step(flat, "central", dtype)
    # near the largest float a central stencil overflows: one-sided, towards 0
    edge = 4 * np.maximum(h, 3 * base) > float(np.finfo(dtype).max) - np.abs(flat)
    expected = np.empty_like(flat)
    err_est = np.empty_like(flat)
    inner = np.flatnonzero(~edge)
    if inner.size:
        xs = flat[inner].astype(dtype)
        smooth = derivative(f, xs, method=method)
        # a second estimate at an 8 times smaller step: where the two disagree beyond
        # their errors, the larger stencil reached a join where f'' jumps (elu at 0 seen
        # from -0.031 in float32, issue 14) and the smaller one is kept, its error
        # widened by the disagreement
        small = derivative(f, xs, method=method, step=h[inner] / 8)
        with np.errstate(invalid="ignore", over="ignore"):
            gap = np.abs(smooth.df - small.df)
            off = gap > 4 * (smooth.error + small.error)
            # short of that, the first estimate's error is at least what the second
            # shows (float32 sparse_plus 0.024 below its join at 1, whose Richardson
            # estimate reaches across it and claims 12 times too small an error)
            honest = np.maximum(smooth.error, gap - small.error)
        expected[inner] = np.where(off, small.df, smooth.df)
        err_est[inner] = np.where(off, small.error + gap / 4, honest)
    if edge.any():
        sel = np.flatnonzero(edge)
        expected[sel], err_est[sel] = one_sided(
            f, flat[sel], base[sel], -np.sign(flat[sel]), dtype
        )
    left = np.full_like(flat, np.nan)
    right = np.full_like(flat, np.nan)
    kind = np.zeros(flat.size, dtype=np.int8)  # SMOOTH
    undeclared = np.zeros(flat.size, dtype=bool)  # one-sided derivatives apart, no kink
    join_room = np.full_like(flat, np.inf)  # how far from x no undeclared join was seen

    unresolved = np.flatnonzero(~edge & (4 * err_est > rtol * np.abs(expected)))
    if unresolved.size:
        # f is differentiable but not twice (softsign and elu at 0): Richardson's even
        # expansion fails there; one-sided stencils from both sides agree and are
        # sharper. When they disagree, f has a kink or a jump there (issue 14: at
        # hardshrink's undeclared jump the mean of the two sides passed any value)
        xs = flat[unresolved]
        apart, (up, e_up), (dn, e_dn), reach = _sides(f, xs, base[unresolved], dtype, rtol, atol)
        est = np.maximum(e_up, e_dn) + np.abs(up - dn) / 2
        better = (est < err_est[unresolved]) & ~apart
        expected[unresolved] = np.where(better, (up + dn) / 2, expected[unresolved])
        err_est[unresolved] = np.where(better, est, err_est[unresolved])
        # a join near x (the sides agreed only at a smaller step): no other step may
        # reach further than theirs did, as near a declared kink (sparse_plus at -1.003
        # in float32, whose Richardson estimate at h/8 reaches across -1 and is off by
        # 19 times its error estimate)
        join_room[unresolved] = np.where(better, reach, np.inf)
        undeclared[unresolved] = apart
        left[unresolved] = np.where(apart, dn, left[unresolved])
        right[unresolved] = np.where(apart, up, right[unresolved])
    if kink_at.size:
        # distance to the nearest kink on each side
        idx = np.searchsorted(kink_at, flat)
        below = np.where(idx > 0, flat - kink_at[np.maximum(idx - 1, 0)], np.inf)
        above = np.where(
            idx < kink_at.size, kink_at[np.minimum(idx, kink_at.size - 1)] - flat, np.inf
        )
        at_kink = np.isin(flat, kink_at)  # those are treated on their own below
        near = ~at_kink & ~edge & (np.minimum(below, above) <= h)
        undeclared &= ~(at_kink | near)
        if at_kink.any():
            # at a kink: both one-sided derivatives, each from a stencil (3 steps wide)
            # that reaches no other kink
            sel = np.flatnonzero(at_kink)
            xs = flat[sel]
            nxt = np.searchsorted(kink_at, xs)
            room_up = np.where(
                nxt + 1 < kink_at.size, kink_at[np.minimum(nxt + 1, kink_at.size - 1)] - xs, np.inf
            )
            room_dn = np.where(nxt > 0, xs - kink_at[np.maximum(nxt - 1, 0)], np.inf)
            hr = np.minimum(base[sel], room_up / 8)
            hl = np.minimum(base[sel], room_dn / 8)
            r, er = one_sided(f, xs, hr, 1.0, dtype)
            lft, el = one_sided(f, xs, hl, -1.0, dtype)
            left[sel], right[sel] = lft, r
            lo, hi = np.minimum(lft, r), np.maximum(lft, r)
            c = claimed[sel]
            expected[sel] = np.clip(c, lo, hi)
            err_est[sel] = np.maximum(el, er)
            kind[sel] = KINK
            # a Kink's convention is always accepted (softshrink'(0) = 0 with lambd = 0,
            # where both sides have slope 1); with ``convention`` it is the only value
            conv = convention_at[nxt]
            with np.errstate(invalid="ignore"):
                is_conv = np.abs(c - conv) <= rtol * np.abs(conv) + atol
            expected[sel] = np.where(is_conv, c, expected[sel])
            if strict:
                held = ~np.isnan(conv)
                expected[sel] = np.where(held, conv, expected[sel])
                err_est[sel] = np.where(held, 0.0, err_est[sel])
                kind[sel] = np.where(held, CONVENTION, KINK)
        if near.any():
            # near a kink: differentiate on the side away from the nearest kink, with a
            # one-sided stencil that stops short of the next kink on that side
            sel = np.flatnonzero(near)
            xs = flat[sel]
            go_up = above[sel] > below[sel]
            sign = np.where(go_up, 1.0, -1.0)
            room = np.where(go_up, above[sel], below[sel])
            step = np.minimum(base[sel], room / 8)
            d_up, e_up = one_sided(f, xs, step, 1.0, dtype)
            d_dn, e_dn = one_sided(f, xs, step, -1.0, dtype)
            expected[sel] = np.where(sign > 0, d_up, d_dn)
            err_est[sel] = np.where(sign > 0, e_up, e_dn)
            kind[sel] = NEAR
    else:
        below = above = np.full_like(flat, np.inf)

    # weak: the error estimate, not the relative tolerance (at its default), decides
    weak = np.flatnonzero(
        (kind == SMOOTH)
        & ~edge
        & ~undeclared
        & (4 * err_est > math.sqrt(machine_eps(dtype)) * np.abs(expected))
    )
    if weak.size:
        room = np.minimum(np.minimum(below, above), join_room)[weak]
        first = (expected[weak], err_est[weak])
        expected[weak], err_est[weak] = _other_steps(f, flat[weak], h[weak], room, dtype, first)

    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(claimed - expected)
        tol = 4 * err_est + rtol * np.abs(expected) + atol
    error = np.where(np.isnan(error), np.inf, error)
    tol = np.where(np.isfinite(tol), tol, 0.0)
    ok = (error <= tol) & ~undeclared
    suspected = undeclared.copy()
    odd = np.flatnonzero(~ok & (kind == SMOOTH) & ~edge & ~undeclared)
    if odd.size:
        # a failing point with no declared kink whose one-sided derivatives disagree:
        # most likely an undeclared kink, which the message names
        apart, (up, _), (dn, _), _ = _sides(f, flat[odd], base[odd], dtype, rtol, atol)
        suspected[odd] = apart
        left[odd] = np.where(apart, dn, left[odd])
        right[odd] = np.where(apart, up, right[odd])
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero tolerance: inf unless exact
        ratio = np.where(error == 0, 0.0, error / tol)
    ratio = np.where(undeclared, np.inf, ratio)
    return DerivativeCheck(
        ok=bool(ok.all()),
        max_error=float(error.max()),
        worst_index=int(np.argmax(ratio)),
        name=fn_name(f),
        x=flat,
        claimed=np.array(claimed),
        expected=expected,
        left=left,
        right=right,
        error=error,
        tolerance=tol,
        kind_codes=kind,
        passed=ok,
        suspected_kink=suspected,
    )


def check_jacobian(
    f: Callable[..., Any],
    jac: Callable[..., Any],
    x: ArrayLike,
    *,
    method: Literal["central", "richardson"] = "richardson",
    rtol: float | None = None,
    atol: float | None = None,
) -> JacobianCheck:
    r"""Hold a claimed Jacobian ``jac`` of a vector function against finite differences.

    ``f`` maps ``(..., n)`` to ``(..., m)`` over the last axis (softmax, log_softmax);
    ``jac(x)`` must return ``(..., m, n)`` with ``[..., i, j]`` :math:`= \partial f_i /
    \partial x_j`. An entry fails when its error exceeds four times the
    finite-difference error estimate plus ``rtol·|expected| + atol`` (defaults as in
    :func:`check_derivative`). The result is true when every entry passed.

    Examples
    --------
    >>> import actref
    >>> bool(check_jacobian(actref.softmax, actref.softmax_jacobian, [1.0, 2.0, 3.0]))
    True
    """
    x64, dtype, _, _ = validate(f, x, method, None, methods=("central", "richardson"))
    if not callable(jac):
        raise TypeError(f"`jac` must be callable, got {type(jac).__name__}.")
    rtol = math.sqrt(machine_eps(dtype)) if rtol is None else tolerance_arg(rtol, "rtol")
    atol = float(np.finfo(dtype).smallest_normal) if atol is None else tolerance_arg(atol, "atol")
    if x64.ndim == 0 or x64.size == 0:
        raise ValueError("`x` must have at least one dimension and one point.")
    est = jacobian(f, x64.astype(dtype), method=method)
    claimed = np.asarray(apply_vectorised(jac, x64.astype(dtype), "jac"), dtype=np.float64)
    if claimed.shape != est.df.shape:
        raise ValueError(
            f"`jac` returned shape {claimed.shape}; expected {est.df.shape} "
            "(..., m outputs, n inputs)."
        )
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(claimed - est.df)
        tol = 4 * est.error + rtol * np.abs(est.df) + atol
    error = np.where(np.isnan(error), np.inf, error)
    tol = np.where(np.isfinite(tol), tol, 0.0)
    ok = error <= tol
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(error == 0, 0.0, error / tol)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), ratio.shape))
    return JacobianCheck(
        ok=bool(ok.all()),
        max_error=float(error.max()),
        worst_index=worst,
        name=fn_name(f),
        x=x64,
        claimed=claimed,
        expected=est.df,
        error=error,
        tolerance=tol,
    )
