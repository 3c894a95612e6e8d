r"""Finite-difference estimators that know their own error.

Three estimators of :math:`f'(x)` for an elementwise (vectorised) ``f``:

``central``
    :math:`D(h) = \frac{f(x+h) - f(x-h)}{2h}`, error :math:`O(h^2)`, exact for
    polynomials of degree ≤ 2; default step :math:`\varepsilon^{1/3}\max(1, |x|)`.
``richardson``
    Richardson extrapolation of :math:`D(h), D(h/2), D(h/4)`, error :math:`O(h^6)`,
    exact for polynomials of degree ≤ 6; default step :math:`\varepsilon^{1/7}\max(1, |x|)`.
``complex``
    the complex step :math:`\operatorname{Im} f(x + ih) / h`: no subtraction, so no
    cancellation; ``f`` must accept complex input (the lambdified SymPy expression
    does, :meth:`actref.Activation.sympy_numpy`).

Every estimate comes back as a :class:`Derivative` carrying an error estimate
(truncation from comparing two step sizes, plus rounding from the dtype's epsilon).
:func:`jacobian` does the same for a vector function over its last axis, and
:func:`one_sided` gives the derivative of the branch on one side of a point, which the
kink-aware checks (:mod:`actref.gradcheck`) build on. The argument validation of every
public finite-difference function is here, in one place (:func:`validate`). Users
import these from :mod:`actref.finite_diff`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Derivative",
    "Jacobian",
    "default_step",
    "derivative",
    "jacobian",
    "one_sided",
]

F64 = NDArray[np.float64]
Method = Literal["central", "richardson", "complex"]

METHODS: tuple[str, ...] = ("central", "richardson", "complex")
# the polynomial degree each method differentiates exactly, and its error order
ORDER = {"central": 2, "richardson": 6, "complex": 2}
# the default step is eps**STEP_POWER * max(1, |x|): the step balancing truncation
# (h**order) against rounding (eps / h)
_STEP_POWER = {"central": 1 / 3, "richardson": 1 / 7, "complex": 2.0}
LEVELS = 3  # Richardson: D(h), D(h/2), D(h/4)


# ================================================================== results
@dataclass(frozen=True)
class Derivative:
    """A finite-difference derivative, like :class:`scipy.differentiate`'s result.

    Attributes
    ----------
    df : ndarray
        The estimate of :math:`f'(x)`, float64, shape of ``x``.
    error : ndarray
        An estimate of ``|df - f'(x)|``: truncation (from a second step size) plus
        rounding (the dtype's epsilon times the function values, over the step).
    step : ndarray
        The step used (the largest one, for Richardson), exactly representable.
    method : str
        ``"central"``, ``"richardson"`` or ``"complex"``.
    nfev : int
        Evaluations of ``f`` (each on an array of ``x``'s shape).
    """

    df: F64
    error: F64
    step: F64
    method: str
    nfev: int


@dataclass(frozen=True)
class Jacobian:
    """A finite-difference Jacobian ``df[..., i, j] = d f_i / d x_j`` with its error."""

    df: F64
    error: F64
    step: F64
    method: str
    nfev: int


# ================================================================ validation
def validate(
    f: Any, x: Any, method: Any, step: Any, methods: tuple[str, ...] = METHODS
) -> tuple[F64, np.dtype[np.floating], str, F64 | None]:
    """Check and normalise the arguments of the public functions, in one place.

    Returns ``x`` as float64, the dtype ``f`` is evaluated in, the method and the step
    broadcast to ``x`` (or None for the default).
    """
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}.")
    if not isinstance(method, str) or method not in methods:
        accepted = ", ".join(repr(m) for m in methods)
        raise ValueError(f"`method` must be one of {accepted}; got {method!r}.")
    arr = np.asarray(x)
    if arr.dtype.kind in "iub":
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f" or arr.dtype.itemsize > 8:
        raise TypeError(
            f"`x` must be real numbers (float16/32/64 or integers), got dtype {arr.dtype}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("`x` must be finite; a derivative at inf or nan is a limit.")
    dtype: np.dtype[np.floating] = arr.dtype
    x64 = arr.astype(np.float64)
    steps: F64 | None = None
    if step is not None:
        try:
            steps = np.broadcast_to(np.asarray(step, dtype=np.float64), x64.shape).copy()
        except (TypeError, ValueError):
            raise ValueError(
                f"`step` must be a positive number or an array broadcastable to x's "
                f"shape {x64.shape}; got {step!r}."
            ) from None
        if not np.all(np.isfinite(steps) & (steps > 0)):
            raise ValueError("`step` must be positive and finite.")
    return x64, dtype, method, steps


def machine_eps(dtype: np.dtype[Any]) -> float:
    return float(np.finfo(dtype).eps)


def default_step(x: ArrayLike, method: str = "central", dtype: Any = None) -> F64:
    r"""The default step at ``x``: :math:`\varepsilon^{p}\max(1, |x|)`.

    :math:`p` is 1/3 for central differences, 1/7 for Richardson and 2 for the complex
    step; :math:`\varepsilon` is the machine epsilon of ``dtype`` (``x``'s dtype by
    default), so float32 gets a float32-sized step.
    """
    arr = np.asarray(x)
    dt = np.dtype(dtype) if dtype is not None else arr.dtype
    if dt.kind != "f":
        dt = np.dtype(np.float64)
    scale = np.maximum(1.0, np.abs(arr.astype(np.float64)))
    return np.asarray(machine_eps(dt) ** _STEP_POWER[method] * scale, dtype=np.float64)


def _scalar_only(fn: Callable[..., Any], arr: NDArray[Any]) -> bool:
    """True when ``fn`` takes one Python number but not an array."""
    try:
        np.asarray(fn(arr.flat[0].item()), dtype=np.float64)
    except Exception:  # noqa: BLE001 -- any failure: not a scalar function either
        return False
    return True


def apply_vectorised(fn: Callable[..., Any], arr: NDArray[Any], role: str = "f") -> Any:
    """``fn(arr)``; a function that takes one number at a time gets a one-line hint."""
    try:
        return fn(arr)
    except (TypeError, ValueError) as exc:
        if arr.size > 1 and _scalar_only(fn, arr):
            raise TypeError(
                f"`{role}` takes one number at a time, not an array "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                f"pass np.vectorize({role}), or write it with NumPy functions "
                "(np.tanh for math.tanh, np.where for `if`)."
            ) from None
        raise


def fn_name(fn: Any) -> str:
    """The name failure messages use: an activation's, a function's, else ``f``."""
    name = getattr(fn, "name", None) or getattr(fn, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else "f"


def tolerance_arg(value: Any, name: str) -> float:
    if isinstance(value, bool) or not (
        isinstance(value, int | float | np.integer | np.floating)
        and math.isfinite(value)
        and value >= 0
    ):
        raise ValueError(f"`{name}` must be a finite number >= 0; got {value!r}.")
    return float(value)


def evaluate(f: Callable[..., Any], x: F64, dtype: np.dtype[Any]) -> F64:
    """``f`` at ``x`` rounded to ``dtype`` (the caller's precision), as float64."""
    out = np.asarray(apply_vectorised(f, x.astype(dtype)))
    if out.dtype.kind == "c":
        out = out.real
    return np.broadcast_to(out.astype(np.float64), x.shape)


def _exact_steps(x: F64, h: F64, dtype: np.dtype[Any]) -> tuple[F64, F64]:
    """``x + h`` and ``x - h`` rounded to ``dtype``, so the step taken is the step divided by."""
    xp = (x + h).astype(dtype).astype(np.float64)
    xm = (x - h).astype(dtype).astype(np.float64)
    return xp, xm


def _central(f: Callable[..., Any], x: F64, h: F64, dtype: np.dtype[Any]) -> tuple[F64, F64, F64]:
    """Central difference, the true half-width used, and the largest |f| seen."""
    xp, xm = _exact_steps(x, h, dtype)
    fp, fm = evaluate(f, xp, dtype), evaluate(f, xm, dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        d = (fp - fm) / (xp - xm)
    return d, (xp - xm) / 2, np.maximum(np.abs(fp), np.abs(fm))


# ================================================================= estimators
def derivative(
    f: Callable[..., Any],
    x: ArrayLike,
    method: Method = "central",
    step: ArrayLike | None = None,
) -> Derivative:
    r"""Estimate :math:`f'(x)` elementwise by finite differences.

    Parameters
    ----------
    f : callable
        Elementwise and vectorised: called with arrays of ``x``'s shape and dtype.
    x : array_like
        Finite real points; float16/32/64 are kept (``f`` is evaluated in that
        precision and the default step follows its epsilon), integers become float64.
    method : {"central", "richardson", "complex"}
        See the module docstring; ``"complex"`` evaluates ``f`` on complex128.
    step : float or array_like, optional
        The (largest) step; default :func:`default_step`.

    Returns
    -------
    Derivative
        ``df`` with ``error``, ``step`` and ``nfev``.

    Examples
    --------
    >>> import numpy as np
    >>> r = derivative(np.sin, 1.0, method="richardson")
    >>> bool(abs(r.df - np.cos(1.0)) < 1e-12)
    True
    """
    x64, dtype, meth, steps = validate(f, x, method, step)
    h = steps if steps is not None else default_step(x64, meth, dtype)
    eps = machine_eps(dtype)
    if meth == "complex":
        return _complex_step(f, x64, h)
    if meth == "central":
        d1, h1, fmax1 = _central(f, x64, h, dtype)
        d2, _, fmax2 = _central(f, x64, 2 * h, dtype)
        # D(2h) - D(h) = 3 c h^2 + ...: a third of it estimates the truncation of D(h)
        trunc = np.abs(d2 - d1) / 3
        rounding = 2 * eps * np.maximum(fmax1, fmax2) / h1
        return Derivative(d1, trunc + rounding, h1, meth, 4)
    table: list[list[F64]] = []
    fmax = np.zeros_like(x64)
    hs: list[F64] = []
    for level in range(LEVELS):
        d, hl, fm = _central(f, x64, h / 2**level, dtype)
        hs.append(hl)
        fmax = np.maximum(fmax, fm)
        row = [d]
        for j in range(1, level + 1):
            prev = table[level - 1][j - 1]
            with np.errstate(invalid="ignore"):  # inf - inf where f is infinite: nan, a failure
                row.append(row[j - 1] + (row[j - 1] - prev) / (4**j - 1))
        table.append(row)
    # the extrapolation weights sum to less than 2 in absolute value; values that
    # underflowed are off by up to the smallest subnormal, whatever their size
    rounding = 4 * (eps * fmax + float(np.finfo(dtype).smallest_subnormal)) / hs[-1]
    best, trunc = _extrapolated(table, rounding)
    return Derivative(best, trunc + rounding, hs[0], meth, 2 * LEVELS)


def _extrapolated(table: list[list[F64]], rounding: F64) -> tuple[F64, F64]:
    """The Richardson estimate and its truncation error, or a first-order fallback.

    Richardson assumes ``D(h) = f' + c h^2 + ...``: successive differences of the
    central differences then shrink by 4. Where they shrink by about 2 instead, ``f``
    is differentiable but not twice (softsign at 0: ``D(h) = 1/(1 + h)``), the even
    expansion is false and its error estimate too optimistic; there the estimate is
    ``2 D(h/4) - D(h/2)`` (first-order extrapolation) with error ``|D(h/4) - D(h/2)|``.
    """
    d0, d1, d2 = (row[0] for row in table)
    best = table[-1][-1]
    # where f is infinite the differences are inf - inf: nan, which the check fails
    with np.errstate(divide="ignore", invalid="ignore"):
        trunc = np.abs(best - table[-1][-2])
        ratio = (d0 - d1) / (d1 - d2)
        resolved = np.abs(d1 - d2) > 100 * rounding
        odd = resolved & ~((ratio > 2.8) & (ratio < 5.7))
        if odd.any():
            best = np.where(odd, 2 * d2 - d1, best)
            trunc = np.where(odd, np.abs(d2 - d1), trunc)
    return best, trunc


def _complex_step(f: Callable[..., Any], x: F64, h: F64) -> Derivative:
    def im_over_h(step: F64) -> F64:
        z = x + 1j * step
        try:
            out = np.asarray(f(z))
        except TypeError as exc:
            raise ValueError(
                f"`f` does not accept complex input ({exc}); use method='central' or "
                "'richardson', or pass the lambdified SymPy expression "
                "(Activation.sympy_numpy())."
            ) from None
        if out.dtype.kind != "c":
            raise ValueError(
                "`f` returned real values for complex input, so the complex step cannot "
                "see its derivative; use method='central' or 'richardson'."
            )
        return np.broadcast_to(out.imag / step, x.shape).astype(np.float64)

    d1, d2 = im_over_h(h), im_over_h(2 * h)
    eps = machine_eps(np.dtype(np.float64))
    trunc = np.abs(d2 - d1) / 3
    return Derivative(d1, trunc + eps * np.abs(d1), h, "complex", 2)


def jacobian(
    f: Callable[..., Any],
    x: ArrayLike,
    method: Literal["central", "richardson"] = "richardson",
    step: ArrayLike | None = None,
) -> Jacobian:
    r"""The Jacobian of a vector function over the last axis by finite differences.

    ``f`` maps ``(..., n)`` to ``(..., m)`` (softmax, log_softmax); the result has
    ``df[..., i, j]`` :math:`= \partial f_i / \partial x_j`, shape ``(..., m, n)``.

    Examples
    --------
    >>> import actref
    >>> J = jacobian(actref.softmax, [1.0, 2.0, 3.0])
    >>> bool(np.allclose(J.df, actref.softmax_jacobian([1.0, 2.0, 3.0]), atol=1e-10))
    True
    """
    x64, dtype, meth, steps = validate(f, x, method, step, methods=("central", "richardson"))
    if x64.ndim == 0:
        raise ValueError("`x` must have at least one dimension (the last one is the input).")
    n = x64.shape[-1]
    h_all = steps if steps is not None else default_step(x64, meth, dtype)
    cols: list[F64] = []
    errs: list[F64] = []
    nfev = 0
    for j in range(n):
        # perturb x[..., j] only: a scalar function of one coordinate, vectorised
        def along_j(xj: Any, j: int = j) -> F64:
            xx = np.broadcast_to(x64, np.broadcast_shapes(x64.shape, (*np.shape(xj)[:-1], n)))
            xx = np.array(xx, dtype=np.float64)
            xx[..., j] = np.asarray(xj, dtype=np.float64)[..., 0]
            return np.asarray(f(xx.astype(dtype)), dtype=np.float64)

        xj = x64[..., j : j + 1]
        d, e = _vector_derivative(along_j, xj, meth, h_all[..., j : j + 1], dtype)
        cols.append(d)
        errs.append(e)
        nfev += 4 if meth == "central" else 2 * LEVELS
    df = np.stack(cols, axis=-1)
    err = np.stack(errs, axis=-1)
    return Jacobian(df, err, h_all, meth, nfev)


def _vector_derivative(
    g: Callable[[F64], F64], xj: F64, method: str, h: F64, dtype: np.dtype[Any]
) -> tuple[F64, F64]:
    """``derivative`` for ``g: (..., 1) -> (..., m)``, broadcasting the step over ``m``:
    the estimate and its error."""

    def central(step: F64) -> tuple[F64, F64, F64]:
        xp, xm = _exact_steps(xj, step, dtype)
        fp, fm = g(xp), g(xm)
        width = xp - xm
        return (fp - fm) / width, width / 2, np.maximum(np.abs(fp), np.abs(fm))

    eps = machine_eps(dtype)
    if method == "central":
        d1, h1, m1 = central(h)
        d2, _, m2 = central(2 * h)
        return d1, np.abs(d2 - d1) / 3 + 2 * eps * np.maximum(m1, m2) / h1
    table: list[list[F64]] = []
    fmax: F64 | None = None  # largest |f| seen
    for level in range(LEVELS):
        d, h_last, m = central(h / 2**level)
        fmax = m if fmax is None else np.maximum(fmax, m)
        row = [d]
        for k in range(1, level + 1):
            row.append(row[k - 1] + (row[k - 1] - table[level - 1][k - 1]) / (4**k - 1))
        table.append(row)
    assert fmax is not None
    rounding = 4 * eps * fmax / h_last
    best, trunc = _extrapolated(table, rounding)
    return best, trunc + rounding


# ================================================================ one side
def one_sided(
    f: Callable[..., Any], x: F64, h: F64, sign: float | F64, dtype: np.dtype[Any]
) -> tuple[F64, F64]:
    r"""The derivative at ``x`` of the piece on one side, from points that exclude ``x``.

    Differentiates at :math:`t = 0` the quadratic through :math:`f(x + s h k)`,
    :math:`k = 1, 2, 3` (:math:`s = \pm1`):
    :math:`f'(x^{\pm}) \approx s(-5 f_1 + 8 f_2 - 3 f_3) / (2h)`, error :math:`O(h^2)`.
    Because ``f(x)`` itself is never used, this is the one-sided derivative of the
    branch even where ``f`` jumps at ``x`` (hardshrink). Also returns a rounding +
    truncation error estimate (the same formula at step ``2h``). The quadratic is the one
    through the points as rounded to ``dtype``: at a step of a few spacings of ``x``
    they are not equally spaced (sparse_plus at -1 + 5.8e-15: the formula for equal
    spaces was off by half of f').
    """

    def estimate(step: F64) -> tuple[F64, F64]:
        pts = [(x + sign * k * step).astype(dtype).astype(np.float64) for k in (1, 2, 3)]
        t1, t2, t3 = (p - x for p in pts)  # the steps taken
        f1, f2, f3 = (evaluate(f, p, dtype) for p in pts)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # the derivative at 0 of the quadratic through (t_k, f_k), as differences
            # from f1 (the weights sum to 0) and with the steps in units of t1: no
            # overflow near the largest float. With t_k = k s the weights of f2 - f1
            # and f3 - f1 are 4/s and -3/(2s)
            r2, r3 = t2 / t1, t3 / t1
            w2 = -(1 + r3) / ((r2 - 1) * (r2 - r3))
            w3 = -(1 + r2) / ((r3 - 1) * (r3 - r2))
            d = (w2 * (f2 - f1) + w3 * (f3 - f1)) / t1
        fmax = np.maximum(np.maximum(np.abs(f1), np.abs(f2)), np.abs(f3))
        return d, 16 * machine_eps(dtype) * fmax / np.abs(t1)

    d1, r1 = estimate(h)
    d2, _ = estimate(2 * h)
    return d1, np.abs(d2 - d1) / 3 + r1
