r"""Finite differences that know their own error, and derivative checks that know kinks.

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
:func:`check_derivative` holds a claimed derivative against them; at a kink it computes
the left and right derivatives with one-sided stencils and accepts any value between
them (any subgradient), and near a kink it differentiates on the side away from it.
:func:`taylor_test` is a step-free second opinion: the remainder
:math:`|f(x+h) - f(x) - h f'(x)|` shrinks like :math:`h^2` when :math:`f'` is right and
like :math:`h` when it is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Derivative",
    "DerivativeCheck",
    "Jacobian",
    "JacobianCheck",
    "PointCheck",
    "TaylorTest",
    "check_derivative",
    "check_jacobian",
    "derivative",
    "jacobian",
    "taylor_test",
]

F64 = NDArray[np.float64]
Method = Literal["central", "richardson", "complex"]

METHODS: tuple[str, ...] = ("central", "richardson", "complex")
# the polynomial degree each method differentiates exactly, and its error order
ORDER = {"central": 2, "richardson": 6, "complex": 2}
# the default step is eps**STEP_POWER * max(1, |x|): the step balancing truncation
# (h**order) against rounding (eps / h)
_STEP_POWER = {"central": 1 / 3, "richardson": 1 / 7, "complex": 2.0}
_LEVELS = 3  # Richardson: D(h), D(h/2), D(h/4)
# Taylor test: remainders count when above this many roundings of the terms; the
# order is fitted over the last few of them (the asymptotic regime)
_TAYLOR_NOISE = 30
_TAYLOR_FIT = 4


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


KINDS: tuple[str, ...] = ("smooth", "near-kink", "kink", "kink convention")
_SMOOTH, _NEAR, _KINK, _CONVENTION = 0, 1, 2, 3


@dataclass(frozen=True)
class PointCheck:
    """The verdict at one point of :func:`check_derivative`.

    ``kind`` is ``"smooth"`` (central stencil clear of every kink), ``"near-kink"``
    (differentiated with a one-sided stencil on the side away from the kink) or
    ``"kink"`` (at the kink: ``claimed`` must lie in ``[left, right]``, widened by the
    tolerance). ``error`` is the absolute distance from ``claimed`` to the accepted
    value or interval; ``tolerance`` is four times the finite-difference error
    estimate plus ``rtol`` times ``|expected|`` plus ``atol``. ``suspected_kink`` marks
    a failing point where no kink was declared but the one-sided derivatives
    ``left`` and ``right`` disagree: most likely an undeclared kink.
    """

    x: float
    claimed: float
    expected: float
    left: float
    right: float
    error: float
    tolerance: float
    kind: str
    ok: bool
    suspected_kink: bool = False

    def describe(self, name: str = "f") -> str:
        """``f'(x=0.0) = 2.0, expected 1.0 (error 1e+00, tolerance 3e-10, smooth)``."""
        if self.kind == "kink":
            want = (
                f"between {self.left + 0.0:.6g} and {self.right + 0.0:.6g} (one-sided derivatives)"
            )
        elif self.kind == "kink convention":
            want = (
                f"{self.expected:.17g}, the convention at the kink (one-sided derivatives "
                f"{self.left + 0.0:.6g} and {self.right + 0.0:.6g})"
            )
        else:
            want = f"{self.expected:.17g}"
        hint = ""
        if self.suspected_kink:
            hint = (
                f"; the one-sided derivatives are {self.left + 0.0:.6g} and "
                f"{self.right + 0.0:.6g}: kink? pass kinks=[{self.x!r}]"
            )
        return (
            f"{name}'(x={self.x!r}) = {self.claimed!r}, expected {want} "
            f"(error {self.error:.2g}, tolerance {self.tolerance:.2g}, {self.kind}){hint}"
        )


@dataclass(frozen=True, eq=False, repr=False)
class DerivativeCheck:
    """The result of :func:`check_derivative`; true when every point passed.

    ``ok`` is true when every point passed (``bool(check)`` is ``check.ok``, so
    ``assert check_derivative(f, df, x)`` works). ``max_error`` is the largest
    absolute error; ``worst`` is the point with the largest error-to-tolerance ratio
    (the one that fails worst, or comes closest to failing) and ``worst_x`` its
    abscissa. The per-point detail is kept in flat float64 arrays (``x``,
    ``claimed``, ``expected``, ``left``, ``right``, ``error``, ``tolerance``), a
    boolean array ``passed``, and ``kind_codes`` (indices into :data:`KINDS`);
    :attr:`points` and :attr:`failures` build :class:`PointCheck` objects on demand.
    """

    ok: bool
    max_error: float
    worst_index: int
    name: str
    x: F64
    claimed: F64
    expected: F64
    left: F64
    right: F64
    error: F64
    tolerance: F64
    kind_codes: NDArray[np.int8]
    passed: NDArray[np.bool_]
    suspected_kink: NDArray[np.bool_]

    def __bool__(self) -> bool:
        return self.ok

    @property
    def worst(self) -> PointCheck:
        """The point with the largest error-to-tolerance ratio."""
        return self.point(self.worst_index)

    @property
    def worst_x(self) -> float:
        """The abscissa of :attr:`worst`."""
        return float(self.x[self.worst_index])

    def __len__(self) -> int:
        return int(self.x.size)

    def __repr__(self) -> str:
        n = self.x.size
        if self.ok:
            return (
                f"DerivativeCheck(ok, {n} point{'s' * (n != 1)}, max error {self.max_error:.2g})"
            )
        bad = int(np.count_nonzero(~self.passed))
        return (
            f"DerivativeCheck(failed at {bad} of {n} point{'s' * (n != 1)}; worst: "
            f"{self.worst.describe(self.name)})"
        )

    def point(self, i: int) -> PointCheck:
        """The verdict at the ``i``-th point (of ``x`` flattened)."""
        return PointCheck(
            x=float(self.x[i]),
            claimed=float(self.claimed[i]),
            expected=float(self.expected[i]),
            left=float(self.left[i]),
            right=float(self.right[i]),
            error=float(self.error[i]),
            tolerance=float(self.tolerance[i]),
            kind=KINDS[int(self.kind_codes[i])],
            ok=bool(self.passed[i]),
            suspected_kink=bool(self.suspected_kink[i]),
        )

    @property
    def points(self) -> tuple[PointCheck, ...]:
        """Every point's verdict (built on demand: one object per point)."""
        return tuple(self.point(i) for i in range(self.x.size))

    @property
    def failures(self) -> tuple[PointCheck, ...]:
        """The points that did not pass."""
        return tuple(self.point(int(i)) for i in np.flatnonzero(~self.passed))

    @property
    def kinds(self) -> NDArray[np.str_]:
        """The kind of every point as strings (``"smooth"``, ``"near-kink"``, ``"kink"``)."""
        return np.array(KINDS)[self.kind_codes]

    def describe(self) -> str:
        """One line per failing point (at most 5) after a count, or one line when it passed."""
        if self.ok:
            return repr(self)
        bad = np.flatnonzero(~self.passed)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.error[bad] == 0, 0.0, self.error[bad] / self.tolerance[bad])
        order = bad[np.argsort(-ratio, kind="stable")][:5]
        lines = [f"{self.name}': {bad.size} of {self.x.size} points fail; the worst:"]
        lines += [f"  {self.point(int(i)).describe(self.name)}" for i in order]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False)
class JacobianCheck:
    """The result of :func:`check_jacobian`; true when every entry passed.

    ``x`` is the input (float64), ``claimed``, ``expected``, ``error`` and ``tolerance``
    have the Jacobian's shape ``(..., m, n)``; ``worst_index`` is the index of the
    entry with the largest error-to-tolerance ratio.
    """

    ok: bool
    max_error: float
    worst_index: tuple[int, ...]
    name: str
    x: F64
    claimed: F64
    expected: F64
    error: F64
    tolerance: F64

    def __bool__(self) -> bool:
        return self.ok

    def describe_worst(self) -> str:
        """``softmax'(x=[1.0, 2.0])[0, 1] = 0.5, expected -0.19661193324148185 (...)``."""
        idx = self.worst_index
        row = self.x[idx[:-2]] if self.x.ndim > 1 else self.x
        where = ", ".join(str(i) for i in idx)
        return (
            f"{self.name}'(x={[float(v) for v in row]!r})[{where}] = {float(self.claimed[idx])!r}, "
            f"expected {float(self.expected[idx]):.17g} (error {float(self.error[idx]):.2g}, "
            f"tolerance {float(self.tolerance[idx]):.2g})"
        )

    def __repr__(self) -> str:
        if self.ok:
            return f"JacobianCheck(ok, {self.error.size} entries, max error {self.max_error:.2g})"
        bad = int(np.count_nonzero(~(self.error <= self.tolerance)))
        return (
            f"JacobianCheck(failed at {bad} of {self.error.size} entries; worst: "
            f"{self.describe_worst()})"
        )


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


# ================================================================ validation
def _validate(
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


def _eps(dtype: np.dtype[Any]) -> float:
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
    return np.asarray(_eps(dt) ** _STEP_POWER[method] * scale, dtype=np.float64)


def _scalar_only(fn: Callable[..., Any], arr: NDArray[Any]) -> bool:
    """True when ``fn`` takes one Python number but not an array."""
    try:
        np.asarray(fn(arr.flat[0].item()), dtype=np.float64)
    except Exception:  # noqa: BLE001 -- any failure: not a scalar function either
        return False
    return True


def _apply(fn: Callable[..., Any], arr: NDArray[Any], role: str = "f") -> Any:
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


def _fn_name(fn: Any) -> str:
    """The name failure messages use: an activation's, a function's, else ``f``."""
    name = getattr(fn, "name", None) or getattr(fn, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else "f"


def _tolerance(value: Any, name: str) -> float:
    if isinstance(value, bool) or not (
        isinstance(value, int | float | np.integer | np.floating)
        and math.isfinite(value)
        and value >= 0
    ):
        raise ValueError(f"`{name}` must be a finite number >= 0; got {value!r}.")
    return float(value)


def _call(f: Callable[..., Any], x: F64, dtype: np.dtype[Any]) -> F64:
    """``f`` at ``x`` rounded to ``dtype`` (the caller's precision), as float64."""
    out = np.asarray(_apply(f, x.astype(dtype)))
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
    fp, fm = _call(f, xp, dtype), _call(f, xm, dtype)
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
    x64, dtype, meth, steps = _validate(f, x, method, step)
    h = steps if steps is not None else default_step(x64, meth, dtype)
    eps = _eps(dtype)
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
    for level in range(_LEVELS):
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
    return Derivative(best, trunc + rounding, hs[0], meth, 2 * _LEVELS)


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
    eps = _eps(np.dtype(np.float64))
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
    x64, dtype, meth, steps = _validate(f, x, method, step, methods=("central", "richardson"))
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
        nfev += 4 if meth == "central" else 2 * _LEVELS
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

    eps = _eps(dtype)
    if method == "central":
        d1, h1, m1 = central(h)
        d2, _, m2 = central(2 * h)
        return d1, np.abs(d2 - d1) / 3 + 2 * eps * np.maximum(m1, m2) / h1
    table: list[list[F64]] = []
    fmax: F64 | None = None  # largest |f| seen
    for level in range(_LEVELS):
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


# ================================================================ the checker
def _one_sided(
    f: Callable[..., Any], x: F64, h: F64, sign: float | F64, dtype: np.dtype[Any]
) -> tuple[F64, F64]:
    r"""The derivative at ``x`` of the piece on one side, from points that exclude ``x``.

    Differentiates at :math:`t = 0` the quadratic through :math:`f(x + s h k)`,
    :math:`k = 1, 2, 3` (:math:`s = \pm1`):
    :math:`f'(x^{\pm}) \approx s(-5 f_1 + 8 f_2 - 3 f_3) / (2h)`, error :math:`O(h^2)`.
    Because ``f(x)`` itself is never used, this is the one-sided derivative of the
    branch even where ``f`` jumps at ``x`` (hardshrink). Also returns a rounding +
    truncation error estimate (the same formula at step ``2h``).
    """

    def estimate(step: F64) -> tuple[F64, F64]:
        pts = [(x + sign * k * step).astype(dtype).astype(np.float64) for k in (1, 2, 3)]
        h_true = (pts[0] - x) * sign
        f1, f2, f3 = (_call(f, p, dtype) for p in pts)
        with np.errstate(invalid="ignore", over="ignore"):
            # -5 f1 + 8 f2 - 3 f3 as differences: no overflow near the largest float
            d = sign * (8 * (f2 - f1) - 3 * (f3 - f1)) / (2 * h_true)
        fmax = np.maximum(np.maximum(np.abs(f1), np.abs(f2)), np.abs(f3))
        return d, 16 * _eps(dtype) * fmax / h_true

    d1, r1 = estimate(h)
    d2, _ = estimate(2 * h)
    return d1, np.abs(d2 - d1) / 3 + r1


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
) -> tuple[NDArray[np.bool_], tuple[F64, F64], tuple[F64, F64]]:
    """Whether ``f`` has a kink or a jump at ``x``, and the one-sided derivatives
    (with their errors) from the right and the left at step ``h``.

    A kink when they disagree beyond their errors at ``h``, ``h/8``, ``h/64`` and a step
    below ``|x|``, by a gap that does not shrink with the step: near a smooth join (elu
    at 0 seen from -0.0085 in float32, or from 1.7e-8 in float64) a stencil that
    reaches the join is off by an amount proportional to the step.
    """
    up = _one_sided(f, x, h, 1.0, dtype)
    dn = _one_sided(f, x, h, -1.0, dtype)
    apart = _apart(up, dn, rtol, atol)
    gap = np.abs(up[0] - dn[0])
    for shrink in (8.0, 64.0, 0.0):
        if not apart.any():
            break
        i = np.flatnonzero(apart)
        # last, a step below |x| too: a join at 0 seen from x = 2e-7 (relu2, whose f' is
        # 2x right of it and 0 left) looks like a kink at x to every step above |x|
        ax = np.abs(x[i])
        # (a step far above the underflow threshold, so that f's values carry digits)
        least = 2.0**20 * float(np.finfo(dtype).smallest_normal)
        below = (ax / 8 >= least) & (ax < h[i])
        step = h[i] / shrink if shrink else np.where(below, ax / 8, h[i] / 64)
        small_up = _one_sided(f, x[i], step, 1.0, dtype)
        small_dn = _one_sided(f, x[i], step, -1.0, dtype)
        # at a kink the gap stays; across a join it shrinks with the step
        with np.errstate(invalid="ignore"):
            stays = np.abs(small_up[0] - small_dn[0]) > gap[i] / 2
        apart[i] = _apart(small_up, small_dn, rtol, atol) & stays
    return apart, up, dn


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
    weak_at = math.sqrt(_eps(dtype))
    for step in (h * np.where((ax > 0) & (ax < 1), ax, 1.0), 8 * h, h / 8):
        with np.errstate(invalid="ignore"):
            still = 4 * best_err > weak_at * np.abs(best)
        usable = still & (step < room / 2) & (4 * step < fmax - ax) & (step != h)
        idx = np.flatnonzero(usable & (step >= least))
        if not idx.size:
            continue
        est = derivative(f, x[idx].astype(dtype), method="richardson", step=step[idx])
        # a refinement only: within the first estimate's own error (a long step's
        # error estimate can be far too small: float32 tanh at 1.875)
        with np.errstate(invalid="ignore"):
            agrees = np.abs(est.df - first[0][idx]) <= 4 * (est.error + first[1][idx])
        take = agrees & (est.error < best_err[idx])
        best[idx] = np.where(take, est.df, best[idx])
        best_err[idx] = np.where(take, est.error, best_err[idx])
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
    or a jump: hardshrink at 0.5) and says so. Near the largest float the stencil is
    one-sided, towards 0.
    """
    x64, dtype, meth, _ = _validate(f, x, method, None, methods=("central", "richardson"))
    rtol = math.sqrt(_eps(dtype)) if rtol is None else _tolerance(rtol, "rtol")
    atol = float(np.finfo(dtype).smallest_normal) if atol is None else _tolerance(atol, "atol")
    strict = bool(convention)
    kink_at, convention_at = _kink_table(kinks)
    flat = x64.ravel()
    if not flat.size:
        raise ValueError("`x` must contain at least one point.")
    claimed = np.asarray(_apply(df, flat.astype(dtype), "df"), dtype=np.float64)
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
        expected[inner] = np.where(off, small.df, smooth.df)
        err_est[inner] = np.where(off, small.error + gap / 4, smooth.error)
    if edge.any():
        sel = np.flatnonzero(edge)
        expected[sel], err_est[sel] = _one_sided(
            f, flat[sel], base[sel], -np.sign(flat[sel]), dtype
        )
    left = np.full_like(flat, np.nan)
    right = np.full_like(flat, np.nan)
    kind = np.zeros(flat.size, dtype=np.int8)  # _SMOOTH
    undeclared = np.zeros(flat.size, dtype=bool)  # one-sided derivatives apart, no kink

    unresolved = np.flatnonzero(~edge & (4 * err_est > rtol * np.abs(expected)))
    if unresolved.size:
        # f is differentiable but not twice (softsign and elu at 0): Richardson's even
        # expansion fails there; one-sided stencils from both sides agree and are
        # sharper. When they disagree, f has a kink or a jump there (issue 14: at
        # hardshrink's undeclared jump the mean of the two sides passed any value)
        xs = flat[unresolved]
        apart, (up, e_up), (dn, e_dn) = _sides(f, xs, base[unresolved], dtype, rtol, atol)
        est = np.maximum(e_up, e_dn) + np.abs(up - dn) / 2
        better = (est < err_est[unresolved]) & ~apart
        expected[unresolved] = np.where(better, (up + dn) / 2, expected[unresolved])
        err_est[unresolved] = np.where(better, est, err_est[unresolved])
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
            r, er = _one_sided(f, xs, hr, 1.0, dtype)
            lft, el = _one_sided(f, xs, hl, -1.0, dtype)
            left[sel], right[sel] = lft, r
            lo, hi = np.minimum(lft, r), np.maximum(lft, r)
            c = claimed[sel]
            expected[sel] = np.clip(c, lo, hi)
            err_est[sel] = np.maximum(el, er)
            kind[sel] = _KINK
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
                kind[sel] = np.where(held, _CONVENTION, _KINK)
        if near.any():
            # near a kink: differentiate on the side away from the nearest kink, with a
            # one-sided stencil that stops short of the next kink on that side
            sel = np.flatnonzero(near)
            xs = flat[sel]
            go_up = above[sel] > below[sel]
            sign = np.where(go_up, 1.0, -1.0)
            room = np.where(go_up, above[sel], below[sel])
            step = np.minimum(base[sel], room / 8)
            d_up, e_up = _one_sided(f, xs, step, 1.0, dtype)
            d_dn, e_dn = _one_sided(f, xs, step, -1.0, dtype)
            expected[sel] = np.where(sign > 0, d_up, d_dn)
            err_est[sel] = np.where(sign > 0, e_up, e_dn)
            kind[sel] = _NEAR
    else:
        below = above = np.full_like(flat, np.inf)

    # weak: the error estimate, not the relative tolerance (at its default), decides
    weak = np.flatnonzero(
        (kind == _SMOOTH)
        & ~edge
        & ~undeclared
        & (4 * err_est > math.sqrt(_eps(dtype)) * np.abs(expected))
    )
    if weak.size:
        room = np.minimum(below, above)[weak]
        first = (expected[weak], err_est[weak])
        expected[weak], err_est[weak] = _other_steps(f, flat[weak], h[weak], room, dtype, first)

    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(claimed - expected)
        tol = 4 * err_est + rtol * np.abs(expected) + atol
    error = np.where(np.isnan(error), np.inf, error)
    tol = np.where(np.isfinite(tol), tol, 0.0)
    ok = (error <= tol) & ~undeclared
    suspected = undeclared.copy()
    odd = np.flatnonzero(~ok & (kind == _SMOOTH) & ~edge & ~undeclared)
    if odd.size:
        # a failing point with no declared kink whose one-sided derivatives disagree:
        # most likely an undeclared kink, which the message names
        apart, (up, _), (dn, _) = _sides(f, flat[odd], base[odd], dtype, rtol, atol)
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
        name=_fn_name(f),
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
    x64, dtype, _, _ = _validate(f, x, method, None, methods=("central", "richardson"))
    if not callable(jac):
        raise TypeError(f"`jac` must be callable, got {type(jac).__name__}.")
    rtol = math.sqrt(_eps(dtype)) if rtol is None else _tolerance(rtol, "rtol")
    atol = float(np.finfo(dtype).smallest_normal) if atol is None else _tolerance(atol, "atol")
    if x64.ndim == 0 or x64.size == 0:
        raise ValueError("`x` must have at least one dimension and one point.")
    est = jacobian(f, x64.astype(dtype), method=method)
    claimed = np.asarray(_apply(jac, x64.astype(dtype), "jac"), dtype=np.float64)
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
        name=_fn_name(f),
        x=x64,
        claimed=claimed,
        expected=est.df,
        error=error,
        tolerance=tol,
    )


# ============================================================= Taylor remainder
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
    x64, dtype, _, _ = _validate(f, x, "central", None)
    if not isinstance(n_steps, int) or n_steps < 4:
        raise ValueError(f"`n_steps` must be an integer >= 4; got {n_steps!r}.")
    flat = x64.ravel()
    kink_at = np.array(sorted({float(getattr(k, "at", k)) for k in kinks}), dtype=np.float64)
    eps = _eps(dtype)
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
    fx = _call(f, flat, dtype)[:, None]
    dfx = np.asarray(df(flat.astype(dtype)), dtype=np.float64).reshape(-1)[:, None]
    fp = _call(f, xp, dtype)
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
