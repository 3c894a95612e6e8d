"""The accuracy contract: how far a result may be from the truth, and how a miss reads.

One module owns it, and every path that holds a result to the truth — ``actref
verify``, the accuracy tests, :mod:`actref.testing`, the laws' tolerances and the
benchmark's ULP columns — goes through it:

ULP error (:func:`ulp_error`)
    The number of representable floats of the dtype between the result and the
    correctly rounded truth. Both nan: 0; one nan, or a different infinity: inf;
    zeros of either sign are equal.
The subnormal rule (:func:`not_held`)
    True values in the subnormal range are not held to ULPs: where the correctly
    rounded truth is a nonzero number below the smallest normal and the result is
    below the smallest normal too (subnormal or zero, either sign), the error counts
    as 0. A result of 0.25 where the truth is 1e-310 is still 4.6e18 ULP off; an exact
    0 truth (relu(-1)) is not subnormal, so a subnormal result there counts.
The budget (:func:`budget`)
    The worst error allowed, in ULPs: the registry's ``ulp_budget`` (value,
    derivative) of an elementwise function or (value, Jacobian) of a vector function in
    float64; :data:`VECTOR_BUDGET` for logsumexp and the softmax Jacobian diagonal; :data:`NARROW_BUDGET` (correctly rounded but for one
    rounding of the float64 result) in float32 and float16.
One finding (:class:`Finding`)
    Observed, expected, function, input, in the one message shape:
    ``gelu(x=-37.5) = 0.0, expected -1.9e-306 (error 1.2e+293 ULP)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

if TYPE_CHECKING:
    from actref.registry import Activation
    from actref.vectors import VectorFunction

Part = Literal["value", "derivative"]

#: The softmax family (softmax, log_softmax, logsumexp, the Jacobian diagonal), float64.
VECTOR_BUDGET = 4.0
#: float32 and float16: computed in float64 and rounded once, so within 1 ULP.
NARROW_BUDGET = 1.0


# ===================================================================== ULP error
def _ordinal(a: NDArray[np.floating]) -> NDArray[np.int64]:
    """Map floats to integers so that neighbouring floats differ by 1 (and -0 == +0)."""
    ints = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
    i = a.view(ints).astype(np.int64)
    magnitude = np.int64((1 << (8 * a.dtype.itemsize - 1)) - 1)
    return np.where(i < 0, -(i & magnitude), i)


def ulp_error(
    actual: ArrayLike, expected: ArrayLike, dtype: DTypeLike = np.float64
) -> NDArray[np.float64]:
    """Distance in ULPs of ``dtype`` between ``actual`` and the correctly rounded
    ``expected``, counted as the number of representable floats between them.

    Both nan: 0; one nan, or a different infinity: inf. Zeros of either sign are equal.
    No subnormal rule: see :func:`contract_ulp_error`.
    """
    dt = np.dtype(dtype)
    a = np.asarray(actual, dtype=dt)
    e = np.asarray(expected, dtype=dt)
    ia, ie = _ordinal(a), _ordinal(e)
    # subtract in int64 (float64 ordinals would round to 512 ULP near 1); across zero
    # the difference can overflow int64, but then it is huge and a float sum is exact enough
    same_sign = (ia >= 0) == (ie >= 0)
    with np.errstate(over="ignore"):
        exact = np.abs(np.where(same_sign, ia - ie, 0)).astype(np.float64)
    across = np.abs(ia.astype(np.float64)) + np.abs(ie.astype(np.float64))
    dist = np.where(same_sign, exact, across)
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    dist = np.where(nan_a & nan_e, 0.0, dist)
    dist = np.where(nan_a ^ nan_e, np.inf, dist)
    inf_mismatch = (np.isinf(a) | np.isinf(e)) & (a != e) & ~(nan_a | nan_e)
    return np.where(inf_mismatch, np.inf, dist)


# ============================================================== the subnormal rule
def not_held(
    actual: ArrayLike, expected: ArrayLike, dtype: DTypeLike = np.float64
) -> NDArray[np.bool_]:
    """Where the contract does not hold a result to ULPs: the correctly rounded truth
    is subnormal (nonzero, below the smallest normal of ``dtype``) and so is the result
    (or it is zero). The one definition of "subnormal true values are not counted"."""
    dt = np.dtype(dtype)
    a = np.asarray(actual, dtype=dt)
    e = np.asarray(expected, dtype=dt)
    normal = np.finfo(dt).smallest_normal
    with np.errstate(invalid="ignore"):
        return np.asarray((e != 0) & (np.abs(e) < normal) & (np.abs(a) < normal))


def contract_ulp_error(
    actual: ArrayLike, expected: ArrayLike, dtype: DTypeLike = np.float64
) -> NDArray[np.float64]:
    """:func:`ulp_error` as the contract counts it: 0 where :func:`not_held`."""
    return np.where(not_held(actual, expected, dtype), 0.0, ulp_error(actual, expected, dtype))


# ==================================================================== the budget
def budget(
    act: Activation | VectorFunction | None, part: Part = "value", dtype: DTypeLike = np.float64
) -> float:
    """The worst error allowed in ULPs of ``dtype`` for ``act``'s ``part`` (``act`` None:
    logsumexp and the softmax family's Jacobian diagonal). float64 reads the table's
    ``ulp_budget`` (value, derivative or Jacobian)."""
    if np.dtype(dtype) != np.float64:
        return NARROW_BUDGET
    if act is None:
        return VECTOR_BUDGET
    if part not in ("value", "derivative"):
        raise ValueError(f"`part` must be 'value' or 'derivative'; got {part!r}.")
    return float(act.ulp_budget[part == "derivative"])


# ===================================================================== a finding
@dataclass(frozen=True)
class Finding:
    """One result held to the truth: function (``gelu`` or ``gelu'``), input, what came
    back, what is true and the error in ULPs; optionally the parameters as text
    (``", beta=0.1"``), the entry of a vector output and the budget broken."""

    function: str
    x: float | tuple[float, ...]
    got: float
    expected: float
    ulp: float | None
    params: str = ""
    index: tuple[int, ...] = ()
    budget: float | None = None

    @property
    def ok(self) -> bool:
        """Within the budget (always, when no budget is given)."""
        return self.budget is None or self.ulp is None or self.ulp <= self.budget

    def describe(self) -> str:
        """``gelu(x=-37.5) = 0.0, expected -1.9e-306 (error 1.2e+293 ULP)``; without the
        error clause when ``ulp`` is None (the grader's messages, held to a tolerance)."""
        x = list(self.x) if isinstance(self.x, tuple) else self.x
        where = f"[{', '.join(map(str, self.index))}]" if self.index else ""
        limit = f", budget {self.budget:g}" if self.budget is not None else ""
        error = f" (error {self.ulp:.3g} ULP{limit})" if self.ulp is not None else ""
        return f"{self.function}(x={x!r}{self.params}){where} = {self.got!r}, expected {self.expected!r}{error}"


def label(name: str, part: Part) -> str:
    """``gelu`` for the value, ``gelu'`` for the derivative."""
    return f"{name}'" if part == "derivative" else name


def params_text(params: dict[str, float]) -> str:
    """``", beta=0.1"``: the parameters as a finding shows them."""
    return "".join(f", {k}={v!r}" for k, v in params.items())


def findings(
    function: str,
    xs: ArrayLike,
    got: ArrayLike,
    expected: ArrayLike,
    errors: ArrayLike,
    *,
    params: str = "",
    budget: float | None = None,
    rows: bool = False,
    limit: int | None = None,
) -> list[Finding]:
    """A :class:`Finding` per entry over ``budget`` (every entry when None), worst first,
    at most ``limit``. ``xs`` has the shape of ``errors``, or with ``rows`` it holds the
    input rows of a vector function (``x[..., :]`` gave ``got[..., j]``)."""
    x = np.asarray(xs, dtype=np.float64)
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    err = np.asarray(errors, dtype=np.float64)
    flat = np.flatnonzero(err.ravel() > budget) if budget is not None else np.arange(err.size)
    flat = flat[np.argsort(-err.ravel()[flat], kind="stable")][:limit]
    out = []
    for i in flat:
        idx = tuple(int(j) for j in np.unravel_index(int(i), err.shape))
        out.append(
            Finding(
                function,
                tuple(float(v) for v in x[idx[:-1]]) if rows else float(x[idx]),
                float(g[idx]),
                float(e[idx]),
                float(err[idx]),
                params,
                idx[-1:] if rows else (),
                budget,
            )
        )
    return out
