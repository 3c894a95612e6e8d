"""actref as a test library: hold any implementation against the reference.

The way ``numpy.testing`` and ``torch.autograd.gradcheck`` are used in other test
suites:

>>> import numpy as np
>>> from actref import testing
>>> def my_sigmoid(x):
...     return 1 / (1 + np.exp(-x))
>>> report = testing.compare(my_sigmoid, "sigmoid")
>>> report.max_ulp > 1e300   # 1 / (1 + inf) flushes sigmoid(-745) to 0: a tiny truth
False
>>> testing.assert_derivative(np.tanh, lambda x: 1 - np.tanh(x) ** 2, [0.0, 0.5, 3.0])

``compare`` measures an implementation (of the function or of its derivative) against
the correctly rounded value of the exact expression, computed by the mpmath oracle
(:mod:`actref.oracle`) on the hard input set (:mod:`actref.hard_inputs`), never against
actref's own NumPy kernels. ``assert_matches_reference`` turns that into an assertion
naming the five worst inputs; ``assert_derivative`` and ``check_jacobian`` /
``assert_jacobian`` hold a hand-written derivative against finite differences
(:mod:`actref.finite_diff`), kink-aware.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from actref import contract, vectors
from actref.comparison import (
    ComparisonReport,
    KinkValue,
    Mismatch,
    RegionSummary,
    region_of,
)
from actref.finite_diff import (
    DerivativeCheck,
    JacobianCheck,
    check_derivative,
    check_jacobian,
)
from actref.foreign import call_fn
from actref.truth import (
    as_dtype,
    reference_inputs,
    reference_values,
    resolve,
    softmax_rows,
)

__all__ = [
    "VECTOR_FUNCTIONS",
    "ComparisonReport",
    "DerivativeCheck",
    "JacobianCheck",
    "KinkValue",
    "Mismatch",
    "RegionSummary",
    "assert_derivative",
    "assert_jacobian",
    "assert_matches_reference",
    "check_derivative",
    "check_jacobian",
    "compare",
    "reference_inputs",
    "reference_values",
    "softmax_rows",
]

#: The vector functions (over the last axis) :func:`compare` knows besides the registry.
VECTOR_FUNCTIONS: tuple[str, ...] = tuple(v.name for v in vectors.TABLE)


# ================================================================== derivatives
def assert_derivative(
    f: Callable[..., Any],
    df: Callable[..., Any],
    x: ArrayLike,
    *,
    kinks: Iterable[float | Any] = (),
    rtol: float | None = None,
    atol: float | None = None,
    method: Literal["central", "richardson"] = "richardson",
) -> DerivativeCheck:
    """Assert that ``df`` is the derivative of ``f`` at every point of ``x``.

    :func:`actref.finite_diff.check_derivative` with the same arguments; on failure an
    ``AssertionError`` names the count of failing points and the five worst, each as
    ``f'(x=0.0) = 2.0, expected between 0 and 1 (error 1, tolerance 1.5e-08, kink)``.
    At a declared kink any value between the one-sided derivatives passes; a failing
    point without a declared kink where the one-sided derivatives disagree says
    ``kink? pass kinks=[x]``. Returns the check when it passes.

    Examples
    --------
    >>> import numpy as np
    >>> relu = lambda x: np.maximum(x, 0.0)
    >>> relu_grad = lambda x: (x > 0).astype(float)   # 0 at the kink, like PyTorch
    >>> _ = assert_derivative(relu, relu_grad, [-1.0, 0.0, 2.0], kinks=[0.0])
    """
    check = check_derivative(f, df, x, kinks=kinks, method=method, rtol=rtol, atol=atol)
    if not check.ok:
        raise AssertionError(check.describe())
    return check


def assert_jacobian(
    f: Callable[..., Any],
    jac: Callable[..., Any],
    x: ArrayLike,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    method: Literal["central", "richardson"] = "richardson",
) -> JacobianCheck:
    """Assert that ``jac`` is the Jacobian of the vector function ``f`` at ``x``.

    :func:`actref.finite_diff.check_jacobian` (``f``: ``(..., n) -> (..., m)`` over the
    last axis, ``jac``: ``(..., m, n)``); on failure the ``AssertionError`` names the
    worst entry, ``softmax'(x=[1.0, 2.0])[0, 1] = ..., expected ... (error ...)``.
    """
    check = check_jacobian(f, jac, x, method=method, rtol=rtol, atol=atol)
    if not check.ok:
        raise AssertionError(repr(check))
    return check


# ================================================================== compare
def compare(
    fn: Callable[..., Any],
    name: str,
    *,
    params: Mapping[str, Any] | None = None,
    dtype: DTypeLike = np.float64,
    derivative: bool = False,
    inputs: ArrayLike | None = None,
    ignore_underflow: bool = True,
    convert_input: Callable[[NDArray[Any]], Any] | None = None,
) -> ComparisonReport:
    """Measure an implementation against the correctly rounded reference.

    Parameters
    ----------
    fn : callable
        The implementation: of the function ``name``, or of its derivative when
        ``derivative`` is true (for a vector function of :mod:`actref.vectors`: the
        Jacobian over the last axis, ``(m, n) -> (m, k, n)``). It is called once with a NumPy array of
        ``dtype`` (rows ``(m, n)`` for a vector function), or, when it only takes one
        Python number at a time (``math.tanh``), once per input. It may return a NumPy
        array, a Python float, or another library's array: read through DLPack or
        ``__array__``, detached, bfloat16 through float32.
    name : str
        The activation (any spelling :func:`actref.get` accepts) or a vector function
        (:data:`VECTOR_FUNCTIONS`: softmax, glu, ...).
    params : mapping, optional
        Its parameters (PyTorch's defaults otherwise).
    dtype : {float64, float32, float16}
        The precision the inputs are given in and ULPs are counted in.
    inputs : array_like, optional
        Default: the hard input set of ``dtype`` with the function's kinks
        (:func:`reference_inputs`).
    ignore_underflow : bool
        Leave tiny true values returned as 0 (or another subnormal) out of the worst
        error (they are still counted, in :attr:`ComparisonReport.underflow`).
    convert_input : callable, optional
        Turns the NumPy input into what ``fn`` takes (``torch.from_numpy``,
        ``jax.numpy.asarray``).

    Returns
    -------
    ComparisonReport
        Worst ULP, absolute and relative errors and the inputs where they occur, wrong
        non-finite results, wrong limits at ±inf, nan handling, the values at kinks
        against the convention, and a summary per region.

    Notes
    -----
    The truth is the exact expression evaluated with mpmath and rounded once to
    ``dtype`` (never actref's own NumPy kernels), cached per function, parameters,
    dtype and inputs: a second comparison costs only the call of ``fn``. At a kink a
    derivative anywhere between the one-sided derivatives counts as exact.
    """
    if not callable(fn):
        raise TypeError(f"`fn` must be callable, got {type(fn).__name__}.")
    canonical, act, vf = resolve(name, params)
    dt = as_dtype(dtype)
    xs, truth = reference_values(canonical, inputs, dtype=dt, params=params, derivative=derivative)
    got, scalar_only, caught = call_fn(fn, xs, convert_input)
    if got.shape != truth.shape:
        if got.size == truth.size and act is not None:
            got = got.reshape(truth.shape)
        else:
            raise ValueError(
                f"`fn` returned shape {got.shape} for inputs of shape {xs.shape}; "
                f"expected {truth.shape}."
            )
    with np.errstate(over="ignore"):
        got = got.astype(dt).astype(np.float64)  # the result as the dtype holds it
    truth64 = truth.astype(np.float64)
    ulp = np.array(contract.ulp_error(got, truth64, dt), dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        abs_err = np.abs(got - truth64)
        rel_err = np.where(
            truth64 != 0, abs_err / np.abs(truth64), np.where(abs_err == 0, 0.0, np.inf)
        )
    abs_err = np.where(np.isnan(abs_err) & ~(np.isnan(got) & np.isnan(truth64)), np.inf, abs_err)
    abs_err = np.where(np.isnan(got) & np.isnan(truth64), 0.0, abs_err)
    rel_err = np.where(np.isnan(rel_err) & ~(np.isnan(got) & np.isnan(truth64)), np.inf, rel_err)
    rel_err = np.where(np.isnan(got) & np.isnan(truth64), 0.0, rel_err)

    x64 = xs.astype(np.float64)
    if act is None:
        row_nan = np.asarray(np.isnan(x64).any(axis=-1))
        row_inf = np.asarray(np.isinf(x64).any(axis=-1) & ~row_nan)
        region = region_of(xs[:, 0], ())
        region = np.where(row_nan, "nan", np.where(row_inf, "±inf", region))
        extra = (1, 1) if derivative else (1,)
        expand = (slice(None), *([None] * len(extra)))
        shape = truth.shape
        # a nan in the row: the entries the truth makes nan (all of them for softmax;
        # only those the nan reaches for a gated function, whose others are ordinary)
        nan_in = np.broadcast_to(row_nan[expand], shape) & np.isnan(truth64)
        limit_in = np.broadcast_to(row_inf[expand], shape)
        region_full = np.broadcast_to(region[expand], shape)
        at_kink = np.zeros(shape, dtype=bool)
        kinks: tuple[KinkValue, ...] = ()
        budget = contract.budget(vf, "derivative" if derivative else "value", dt)
    else:
        nan_in = np.isnan(x64)
        limit_in = np.isinf(x64)
        region_full = region_of(xs, act.breakpoints)
        at_kink = np.zeros(x64.shape, dtype=bool)
        kink_list = []
        if derivative:
            for k in act.kinks:
                here = x64 == k.at
                if not here.any():
                    continue
                lo, hi = sorted((k.left, k.right))
                for i in np.flatnonzero(here):
                    kink_list.append(
                        KinkValue(float(x64[i]), float(got[i]), k.grad, k.left, k.right)
                    )
                    if lo <= got[i] <= hi:
                        ulp[i] = abs_err[i] = rel_err[i] = 0.0
                at_kink |= here
        kinks = tuple(kink_list)
        budget = contract.budget(act, "derivative" if derivative else "value", dt)
    return ComparisonReport(
        name=canonical,
        params=act.shown_params if act is not None else {},
        dtype=dt,
        derivative=bool(derivative),
        inputs=xs,
        got=got,
        truth=truth64,
        ulp=ulp,
        abs_error=abs_err,
        rel_error=rel_err,
        region=np.asarray(region_full),
        finite_input=~(nan_in | limit_in),
        limit_input=np.asarray(limit_in),
        nan_input=np.asarray(nan_in),
        at_kink=at_kink,
        kinks=kinks,
        default_max_ulp=budget,
        ignore_underflow=bool(ignore_underflow),
        scalar_only=scalar_only,
        warnings=tuple(caught),
    )


def assert_matches_reference(
    fn: Callable[..., Any],
    name: str,
    *,
    max_ulp: float | None = None,
    atol: float = 0.0,
    rtol: float = 0.0,
    ignore_underflow: bool = True,
    params: Mapping[str, Any] | None = None,
    dtype: DTypeLike = np.float64,
    derivative: bool = False,
    inputs: ArrayLike | None = None,
    convert_input: Callable[[NDArray[Any]], Any] | None = None,
) -> ComparisonReport:
    """Assert that ``fn`` matches the reference within a bound; return the report.

    :func:`compare`, then every entry must be within ``max_ulp`` ULPs of the correctly
    rounded truth or within ``atol + rtol·|truth|`` (with no bound given, actref's own
    budget: 4 ULP in float64 for most functions, 1 ULP in float32). nan must give nan,
    an infinite truth must be met exactly, a finite truth must not come back inf or
    nan. With ``ignore_underflow`` a tiny true value returned as 0 (flush to zero) or
    another subnormal passes. The ``AssertionError`` names the five worst entries:
    ``gelu(x=-37.5) = 0.0, expected -1.9e-306 (error 1.2e+293 ULP)``.
    """
    report = compare(
        fn,
        name,
        params=params,
        dtype=dtype,
        derivative=derivative,
        inputs=inputs,
        ignore_underflow=ignore_underflow,
        convert_input=convert_input,
    )
    bad = report.failures(max_ulp, atol, rtol)
    if bad:
        n = int(report.failing(max_ulp, atol, rtol).sum())
        bound = bound_text(max_ulp, atol, rtol, report.default_max_ulp)
        head = (
            f"{report.label}: {n} of {report.got.size} {report.dtype.name} entries "
            f"off the reference by more than {bound}; the worst:"
        )
        lines = [head]
        lines += [f"  {m.describe(report.label, report.params_text)}" for m in bad[:5]]
        raise AssertionError("\n".join(lines))
    return report


def bound_text(max_ulp: float | None, atol: float, rtol: float, default: float) -> str:
    parts = []
    if max_ulp is not None:
        parts.append(f"{max_ulp:g} ULP")
    if atol or rtol:
        parts.append(f"atol {atol:g} + rtol {rtol:g}·|expected|")
    return " and ".join(parts) if parts else f"{default:g} ULP"
