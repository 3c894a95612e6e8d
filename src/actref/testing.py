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

import functools
import hashlib
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import mpmath
import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from actref import contract, oracle, registry
from actref.finite_diff import (
    DerivativeCheck,
    JacobianCheck,
    check_derivative,
    check_jacobian,
)
from actref.hard_inputs import EXP_THRESHOLDS, hard_inputs

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
VECTOR_FUNCTIONS: tuple[str, ...] = ("softmax", "log_softmax")
_DTYPES = (np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.float16))


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


# ================================================================== the truth
def _resolve(
    name: str, params: Mapping[str, Any] | None
) -> tuple[str, registry.Activation | None]:
    """The canonical name and the bound activation (None for a vector function)."""
    if not isinstance(name, str):
        raise TypeError(f"`name` must be an activation name, got {type(name).__name__}.")
    key = name.lower().replace("-", "_")
    if key.replace("_", "") in {v.replace("_", "") for v in VECTOR_FUNCTIONS}:
        vec = next(v for v in VECTOR_FUNCTIONS if v.replace("_", "") == key.replace("_", ""))
        if params:
            raise ValueError(f"{vec} has no parameters; got {', '.join(params)}.")
        return vec, None
    act = registry.get(name, **dict(params or {}))
    return act.name, act


def _as_dtype(dtype: DTypeLike) -> np.dtype[np.floating]:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _DTYPES:
        raise TypeError(f"`dtype` must be float64, float32 or float16; got {dtype!r}.")
    return dt  # type: ignore[return-value]


def softmax_rows(dtype: DTypeLike = np.float64) -> NDArray[np.floating]:
    """The hard rows for the softmax family, shape ``(m, 4)``.

    ``[h, 0, 1, -1]`` and ``[h, h/2, h/4, -h]`` for every finite hard input ``h`` of
    ``dtype``, and rows with +inf, -inf and nan.
    """
    dt = _as_dtype(dtype)
    hs = hard_inputs(dt)
    fin = hs[np.isfinite(hs)]
    a = np.stack([fin, np.zeros_like(fin), np.ones_like(fin), -np.ones_like(fin)], axis=1)
    b = np.stack([fin, fin / 2, fin / 4, -fin], axis=1)
    special = np.array(
        [[np.inf, 0, 1, -1], [-np.inf, 0, 1, -1], [np.inf, np.inf, 0, -np.inf], [np.nan, 0, 1, 2]],
        dtype=dt,
    )
    return np.concatenate([a, b, special]).astype(dt)


def reference_inputs(
    name: str, dtype: DTypeLike = np.float64, params: Mapping[str, Any] | None = None
) -> NDArray[np.floating]:
    """The inputs :func:`compare` uses by default: the hard input set of ``dtype`` with
    the activation's kinks and their neighbours (:func:`actref.hard_inputs.hard_inputs`),
    or :func:`softmax_rows` for a vector function."""
    _, act = _resolve(name, params)
    dt = _as_dtype(dtype)
    if act is None:
        return softmax_rows(dt)
    return hard_inputs(dt, [k.at for k in act.kinks] + list(act.breakpoints))


def _exact_diff(a: float, b: float) -> Any:
    return mpmath.fsub(mpmath.mpf(a), mpmath.mpf(b), exact=True)


def _softmax_row_truth(row: list[float], name: str, derivative: bool) -> list[Any]:
    """softmax or log_softmax of one row (or its Jacobian, row-major), in mpmath.

    ``s_i = 1 / (1 + sum_{j != i} e^(x_j - x_i))`` with the differences exact, so no
    cancellation; ``log s_i = -log1p(...)``; the Jacobians are ``s_i (δ_ij - s_j)`` and
    ``δ_ij - s_j``, with ``1 - s_i`` summed from the other entries.
    """
    n = len(row)
    if any(math.isnan(v) for v in row):
        return [mpmath.mpf("nan")] * (n * n if derivative else n)
    n_pos_inf = sum(1 for v in row if v == math.inf)
    s: list[Any] = []
    comp: list[Any] = []  # 1 - s_i
    logs: list[Any] = []
    with mpmath.workdps(40):
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
        if not derivative:
            return s if name == "softmax" else logs
        out: list[Any] = []
        for i in range(n):
            for j in range(n):
                if name == "softmax":
                    out.append(s[i] * comp[i] if i == j else -s[i] * s[j])
                else:
                    out.append(comp[j] if i == j else -s[j])
        return out


_TRUTHS: dict[tuple[Any, ...], NDArray[np.floating]] = {}
_TRUTHS_MAX = 64


def reference_values(
    name: str,
    inputs: ArrayLike | None = None,
    *,
    dtype: DTypeLike = np.float64,
    params: Mapping[str, Any] | None = None,
    derivative: bool = False,
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """The inputs (default :func:`reference_inputs`) and the correctly rounded true values
    of the function (or its derivative) there, in ``dtype``.

    The truth is the exact expression evaluated by the mpmath oracle and rounded once,
    cached per function, parameters, dtype, part and inputs, so it is computed once per
    process. For a vector function the inputs are rows ``(m, n)`` and the derivative is
    the Jacobian, ``(m, n, n)``.
    """
    canonical, act = _resolve(name, params)
    dt = _as_dtype(dtype)
    if inputs is None:
        xs = reference_inputs(canonical, dt, params)
    else:
        xs = _as_inputs(inputs, dt, vector=act is None)
    digest = hashlib.sha1(xs.tobytes()).hexdigest()
    params_key = tuple(sorted(act.params.items())) if act else ()
    hkey = (canonical, params_key, dt.name, bool(derivative), xs.shape, digest)
    truth = _TRUTHS.get(hkey)
    if truth is None:
        truth = _disk_cached(
            hkey, act, derivative, lambda: _compute_truth(canonical, act, xs, dt, derivative)
        )
        truth.setflags(write=False)
        if len(_TRUTHS) >= _TRUTHS_MAX:
            _TRUTHS.pop(next(iter(_TRUTHS)))
        _TRUTHS[hkey] = truth
    return xs, truth


def _compute_truth(
    canonical: str,
    act: registry.Activation | None,
    xs: NDArray[np.floating],
    dt: np.dtype[np.floating],
    derivative: bool,
) -> NDArray[np.floating]:
    if act is not None:
        expr = act.dexpr if derivative else act.expr
        return oracle.true_values(expr, xs.astype(np.float64), dt)
    rows = [
        [
            oracle.round_to(v, dt)
            for v in _softmax_row_truth([float(t) for t in r], canonical, derivative)
        ]
        for r in xs
    ]
    n = xs.shape[-1]
    shape = (xs.shape[0], n, n) if derivative else xs.shape
    return np.array(rows, dtype=dt).reshape(shape)


@functools.cache
def _code_salt() -> str:
    """Changes to the oracle or to this module invalidate every truth on disk."""
    h = hashlib.sha1()
    for mod in (oracle, sys.modules[__name__]):
        h.update(Path(str(mod.__file__)).read_bytes())
    return h.hexdigest()


def _disk_cached(
    hkey: tuple[Any, ...],
    act: registry.Activation | None,
    derivative: bool,
    compute: Callable[[], NDArray[np.floating]],
) -> NDArray[np.floating]:
    """``compute()``, kept as ``.npy`` under ``$ACTREF_CACHE_DIR`` when that is set.

    The file name hashes the key, the exact expression and the oracle's source, so a
    changed definition never reads a stale truth.
    """
    folder = os.environ.get("ACTREF_CACHE_DIR")
    if not folder:
        return compute()
    expr = "" if act is None else str(act.dexpr if derivative else act.expr)
    digest = hashlib.sha1(f"{_code_salt()}|{hkey!r}|{expr}".encode()).hexdigest()[:24]
    part = "grad" if derivative else "value"
    path = Path(folder) / f"{hkey[0]}-{part}-{hkey[2]}-{digest}.npy"
    if path.is_file():
        try:
            cached = np.load(path)
            if cached.dtype == np.dtype(hkey[2]) and cached.shape[: len(hkey[4])] == hkey[4]:
                return cached  # type: ignore[no-any-return]
        except (OSError, ValueError):
            pass  # unreadable: computed again and rewritten
    values = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, values)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache folder only costs time
    return values


def _as_inputs(inputs: ArrayLike, dt: np.dtype[Any], *, vector: bool) -> NDArray[np.floating]:
    arr = np.asarray(_to_numpy(inputs))
    if arr.dtype.kind not in "fiu" or arr.dtype.itemsize > 8:
        raise TypeError(f"`inputs` must be real numbers, got dtype {arr.dtype}.")
    arr = np.array(arr, dtype=dt)  # a copy: the caller's array is never touched
    if vector:
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] == 0:
            raise ValueError("`inputs` of a vector function must be rows, shape (m, n).")
    else:
        arr = arr.ravel()
    if arr.size == 0:
        raise ValueError("`inputs` must contain at least one point.")
    arr.setflags(write=False)
    return arr


# ============================================================ foreign arrays
def _to_numpy(value: Any) -> NDArray[Any]:
    """Any library's array (or a Python number) as a NumPy array, at the edge.

    PyTorch tensors are detached and moved to the CPU; DLPack is tried first, then
    ``__array__``; a dtype NumPy lacks (bfloat16) goes through float32.
    """
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, int | float | np.generic | list | tuple):
        return np.asarray(value)
    for method in ("detach", "cpu"):
        fn = getattr(value, method, None)
        if callable(fn):
            value = fn()
    if hasattr(value, "__dlpack__"):
        try:
            return np.from_dlpack(value)
        except (BufferError, TypeError, ValueError, RuntimeError):
            widen = getattr(value, "float", None)  # torch's bfloat16 -> float32
            if callable(widen):
                return _to_numpy(widen())
            astype = getattr(value, "astype", None)  # JAX / CuPy
            if callable(astype):
                try:
                    return np.asarray(astype("float32"))
                except (TypeError, ValueError):
                    pass
    try:
        return np.asarray(value)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(
            f"cannot read a result of type {type(value).__name__} as numbers ({exc}); "
            "return a NumPy array, a float, or an array with __dlpack__ or __array__."
        ) from None


def _call_fn(
    fn: Callable[..., Any],
    xs: NDArray[np.floating],
    convert_input: Callable[[NDArray[Any]], Any] | None,
) -> tuple[NDArray[np.float64], bool, list[str]]:
    """``fn`` on every input as float64 (nan where it raised), whether it only takes
    Python numbers, and the warnings it emitted."""
    caught: list[str] = []
    scalar_only = False
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        arg = convert_input(xs.copy()) if convert_input is not None else xs.copy()
        try:
            out = _to_numpy(fn(arg))
        except (TypeError, ValueError) as exc:
            if xs.ndim != 1 or convert_input is not None:
                raise
            try:
                float(_to_numpy(fn(float(xs[0]))))
            except ArithmeticError:  # math.exp(1000): a scalar function all the same
                pass
            except Exception:  # noqa: BLE001 -- not a scalar function either: its own error
                raise exc from None
            scalar_only = True
            vals = np.empty(xs.size, dtype=np.float64)
            for i, v in enumerate(xs.tolist()):
                try:
                    vals[i] = float(_to_numpy(fn(v)))
                except (ArithmeticError, ValueError) as err:  # math.exp(1000)
                    vals[i] = math.nan
                    caught.append(f"{type(err).__name__} at x={v!r}: {err}")
            out = vals
    for w in record:
        caught.append(f"{w.category.__name__}: {w.message}")
    arr = np.asarray(out)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"`fn` returned {arr.dtype} values; expected real numbers.")
    with np.errstate(over="ignore"):
        return arr.astype(np.float64), scalar_only, list(dict.fromkeys(caught))


# ================================================================ the report
@dataclass(frozen=True)
class Mismatch:
    """One output entry off the reference: where, what came back, what is true."""

    x: float | tuple[float, ...]  # the input (a whole row for a vector function)
    index: tuple[int, ...]  # position of the entry in the output
    got: float
    expected: float
    ulp: float
    abs_error: float
    rel_error: float
    region: str

    def describe(self, label: str, params: str = "") -> str:
        """``gelu(x=-37.5) = 0.0, expected -1.9e-306 (error 1.2e+293 ULP)``."""
        return self.finding(label, params).describe()

    def finding(self, label: str, params: str = "") -> contract.Finding:
        """This entry as the contract's :class:`~actref.contract.Finding`."""
        row = isinstance(self.x, tuple)
        return contract.Finding(
            label, self.x, self.got, self.expected, self.ulp, params, self.index[1:] if row else ()
        )


@dataclass(frozen=True)
class KinkValue:
    """The derivative returned at a kink, against the convention and the subgradient."""

    x: float
    got: float
    convention: float
    left: float
    right: float

    @property
    def subgradient(self) -> bool:
        """Between the one-sided derivatives (what any convention must satisfy)."""
        return min(self.left, self.right) <= self.got <= max(self.left, self.right)

    @property
    def matches_convention(self) -> bool:
        """Equal to actref's (PyTorch's) value there."""
        return self.got == self.convention


@dataclass(frozen=True)
class RegionSummary:
    """Inputs of one region: how many, and the worst error among them."""

    region: str
    count: int
    max_ulp: float
    worst_x: float | tuple[float, ...] | None


_REGIONS = (
    "ordinary",
    "near zero",
    "subnormal",
    "kinks",
    "thresholds",
    "far tails",
    "±inf",
    "nan",
)


def _regions(xs: NDArray[np.floating], breakpoints: Iterable[float]) -> NDArray[np.str_]:
    """The region of each input: far tails (|x| > 50), near zero (< 1e-8), subnormal
    inputs, the exp thresholds (±2 ULP), kinks (±3 ULP), ±inf, nan, else ordinary."""
    dt = xs.dtype
    x = xs.astype(np.float64)
    ax = np.abs(x)
    out = np.full(x.shape, "ordinary", dtype="<U10")
    with np.errstate(invalid="ignore"):
        out[ax > 50] = "far tails"
        for t in EXP_THRESHOLDS:
            tt = float(dt.type(t))
            if math.isfinite(tt):
                out[np.abs(ax - tt) <= 2 * float(np.spacing(dt.type(t)))] = "thresholds"
        out[ax < 1e-8] = "near zero"
        out[(ax > 0) & (ax < float(np.finfo(dt).smallest_normal))] = "subnormal"
        for k in breakpoints:
            near = x == k
            if k != 0:
                near |= np.abs(x - k) <= 3 * float(np.spacing(dt.type(abs(k))))
            out[near] = "kinks"
    out[np.isinf(x)] = "±inf"
    out[np.isnan(x)] = "nan"
    return out


@dataclass(frozen=True, eq=False, repr=False)
class ComparisonReport:
    """An implementation against the correctly rounded reference, from :func:`compare`.

    The arrays hold every output entry: ``inputs`` (``(N,)``, or rows ``(m, n)`` for a
    vector function), ``got`` and ``truth`` (the output's shape, float64 holding values
    of ``dtype``), ``ulp`` (distance in ULPs of ``dtype``; 0 at a kink where the
    derivative lies between the one-sided derivatives), ``abs_error``, ``rel_error``,
    ``region`` per entry and ``finite_input`` / ``limit_input`` / ``nan_input`` masks.
    The summary properties (:attr:`max_ulp`, :attr:`worst`, ...) count the ordinary
    entries: finite input, finite result and truth, and (``ignore_underflow``) not an
    underflow, a tiny true value returned as another number below the smallest normal.
    """

    name: str
    params: dict[str, float]
    dtype: np.dtype[np.floating]
    derivative: bool
    inputs: NDArray[np.floating]
    got: NDArray[np.float64]
    truth: NDArray[np.float64]
    ulp: NDArray[np.float64]
    abs_error: NDArray[np.float64]
    rel_error: NDArray[np.float64]
    region: NDArray[np.str_]
    finite_input: NDArray[np.bool_]
    limit_input: NDArray[np.bool_]
    nan_input: NDArray[np.bool_]
    at_kink: NDArray[np.bool_]
    kinks: tuple[KinkValue, ...]
    default_max_ulp: float
    ignore_underflow: bool = True
    scalar_only: bool = False
    warnings: tuple[str, ...] = field(default=())

    # ------------------------------------------------------------- labels
    @property
    def label(self) -> str:
        """``gelu`` or ``gelu'``."""
        return f"{self.name}'" if self.derivative else self.name

    @property
    def params_text(self) -> str:
        return contract.params_text(self.params)

    # ------------------------------------------------------------- masks
    @property
    def underflow(self) -> NDArray[np.bool_]:
        """Entries the contract does not hold to ULPs (:func:`actref.contract.not_held`:
        a subnormal true value, and a result below the smallest normal number too) that
        differ from the truth: flush-to-zero and its kin."""
        return contract.not_held(self.got, self.truth, self.dtype) & (self.ulp > 0)

    @property
    def ordinary(self) -> NDArray[np.bool_]:
        """The entries the summary counts (see the class docstring)."""
        mask = self.finite_input & np.isfinite(self.got) & np.isfinite(self.truth)
        return mask & ~self.underflow if self.ignore_underflow else mask

    @property
    def wrong_nonfinite(self) -> tuple[Mismatch, ...]:
        """Finite inputs where the result is inf or nan and the truth is not, or the
        truth is inf and the result differs."""
        with np.errstate(invalid="ignore"):
            bad = self.finite_input & (
                (~np.isfinite(self.got) | ~np.isfinite(self.truth)) & (self.ulp > 0)
            )
        return self._mismatches(bad)

    @property
    def wrong_limits(self) -> tuple[Mismatch, ...]:
        """Inputs of ±inf where the result is not the limit (one rounding allowed)."""
        return self._mismatches(self.limit_input & (self.ulp > 1))

    @property
    def wrong_nan(self) -> tuple[Mismatch, ...]:
        """nan inputs whose result is not nan."""
        return self._mismatches(self.nan_input & (self.ulp > 0))

    # ------------------------------------------------------------- summary
    def _entry_x(self, idx: tuple[int, ...]) -> float | tuple[float, ...]:
        if self.inputs.ndim == 1:
            return float(self.inputs[idx[0]])
        return tuple(float(v) for v in self.inputs[idx[0]])

    def _mismatch(self, flat: int) -> Mismatch:
        idx = tuple(int(i) for i in np.unravel_index(flat, self.got.shape))
        return Mismatch(
            x=self._entry_x(idx),
            index=idx,
            got=float(self.got[idx]),
            expected=float(self.truth[idx]),
            ulp=float(self.ulp[idx]),
            abs_error=float(self.abs_error[idx]),
            rel_error=float(self.rel_error[idx]),
            region=str(self.region[idx]),
        )

    def _mismatches(
        self, mask: NDArray[np.bool_], limit: int | None = None
    ) -> tuple[Mismatch, ...]:
        flat = np.flatnonzero(mask.ravel())
        order = flat[np.argsort(-self.ulp.ravel()[flat], kind="stable")]
        return tuple(self._mismatch(int(i)) for i in order[:limit])

    def _max(self, values: NDArray[np.float64]) -> tuple[float, Mismatch | None]:
        mask = self.ordinary
        if not mask.any():
            return 0.0, None
        masked = np.where(mask, values, -1.0).ravel()
        i = int(np.argmax(masked))
        return float(masked[i]), self._mismatch(i)

    @property
    def max_ulp(self) -> float:
        """The worst error in ULPs over the ordinary entries."""
        return self._max(self.ulp)[0]

    @property
    def max_abs(self) -> float:
        """The worst absolute error over the ordinary entries."""
        return self._max(self.abs_error)[0]

    @property
    def max_rel(self) -> float:
        """The worst relative error over the ordinary entries (where the truth is not 0)."""
        return self._max(self.rel_error)[0]

    @property
    def worst(self) -> tuple[Mismatch, ...]:
        """The five ordinary entries with the largest ULP error (those above 0)."""
        return self._mismatches(self.ordinary & (self.ulp > 0), 5)

    @property
    def nan_ok(self) -> bool:
        """Every nan input gave nan."""
        return not self.wrong_nan

    @property
    def regions(self) -> tuple[RegionSummary, ...]:
        """Per region: the number of entries and the worst ULP error there (non-finite
        results included; underflows left out when ``ignore_underflow``)."""
        counted = ~self.underflow if self.ignore_underflow else np.ones(self.ulp.shape, bool)
        out = []
        for name in _REGIONS:
            mask = self.region == name
            if not mask.any():
                continue
            errs = np.where(mask & counted, self.ulp, -1.0).ravel()
            i = int(np.argmax(errs))
            worst = (
                self._entry_x(tuple(int(j) for j in np.unravel_index(i, self.got.shape)))
                if errs[i] > 0
                else None
            )
            out.append(RegionSummary(name, int(mask.sum()), max(0.0, float(errs[i])), worst))
        return tuple(out)

    # ------------------------------------------------------------- verdicts
    def failing(
        self,
        max_ulp: float | None = None,
        atol: float = 0.0,
        rtol: float = 0.0,
        *,
        ignore_underflow: bool | None = None,
    ) -> NDArray[np.bool_]:
        """The entries outside the bound, as a mask of the output's shape.

        An entry passes when it is within ``max_ulp`` ULPs of the truth, or
        ``|got - truth| <= atol + rtol·|truth|``, or (``ignore_underflow``) both are
        below the smallest normal number. nan must give nan; an infinite truth must be
        met exactly. With no bound at all, ``max_ulp`` is actref's own budget for the
        function (:attr:`default_max_ulp`).
        """
        atol = _nonneg(atol, "atol")
        rtol = _nonneg(rtol, "rtol")
        if max_ulp is None and atol == 0 and rtol == 0:
            max_ulp = self.default_max_ulp
        ulp_ok = self.ulp <= (_nonneg(max_ulp, "max_ulp") if max_ulp is not None else -1.0)
        with np.errstate(invalid="ignore", over="ignore"):
            close = np.abs(self.got - self.truth) <= atol + rtol * np.abs(self.truth)
        close &= np.isfinite(self.truth)
        passed = ulp_ok | close | (self.ulp == 0)
        ignore = self.ignore_underflow if ignore_underflow is None else ignore_underflow
        if ignore:
            passed |= self.underflow
        failing: NDArray[np.bool_] = ~passed
        return failing

    def failures(
        self,
        max_ulp: float | None = None,
        atol: float = 0.0,
        rtol: float = 0.0,
        *,
        ignore_underflow: bool | None = None,
        limit: int | None = None,
    ) -> tuple[Mismatch, ...]:
        """The entries outside the bound (see :meth:`failing`), worst first."""
        bad = self.failing(max_ulp, atol, rtol, ignore_underflow=ignore_underflow)
        return self._mismatches(bad, limit)

    def __repr__(self) -> str:
        return (
            f"ComparisonReport({self.label}, {self.dtype.name}, {self.got.size} entries, "
            f"max {self.max_ulp:.3g} ULP, {len(self.wrong_nonfinite)} wrong non-finite, "
            f"{len(self.wrong_limits)} wrong limits, nan {'ok' if self.nan_ok else 'wrong'})"
        )

    # ------------------------------------------------------------- output
    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-entry arrays; inf and nan as strings)."""
        data: dict[str, Any] = _jsonable(self._as_dict())
        return data

    def _as_dict(self) -> dict[str, Any]:

        def mm(m: Mismatch) -> dict[str, Any]:
            return {
                "x": list(m.x) if isinstance(m.x, tuple) else _num(m.x),
                "index": list(m.index),
                "got": _num(m.got),
                "expected": _num(m.expected),
                "ulp": _num(m.ulp),
                "abs_error": _num(m.abs_error),
                "rel_error": _num(m.rel_error),
                "region": m.region,
                "message": m.describe(self.label, self.params_text),
            }

        return {
            "function": self.name,
            "derivative": self.derivative,
            "params": self.params,
            "dtype": self.dtype.name,
            "entries": int(self.got.size),
            "max_ulp": _num(self.max_ulp),
            "max_abs": _num(self.max_abs),
            "max_rel": _num(self.max_rel),
            "worst": [mm(m) for m in self.worst],
            "wrong_nonfinite": [mm(m) for m in self.wrong_nonfinite],
            "wrong_limits": [mm(m) for m in self.wrong_limits],
            "wrong_nan": [mm(m) for m in self.wrong_nan],
            "underflow": int(self.underflow.sum()),
            "ignore_underflow": self.ignore_underflow,
            "kinks": [
                {
                    "x": k.x,
                    "got": _num(k.got),
                    "convention": k.convention,
                    "left": k.left,
                    "right": k.right,
                    "subgradient": k.subgradient,
                    "matches_convention": k.matches_convention,
                }
                for k in self.kinks
            ],
            "regions": [
                {
                    "region": r.region,
                    "count": r.count,
                    "max_ulp": _num(r.max_ulp),
                    "worst_x": list(r.worst_x) if isinstance(r.worst_x, tuple) else r.worst_x,
                }
                for r in self.regions
            ],
            "scalar_only": self.scalar_only,
            "warnings": list(self.warnings),
        }

    def format(self, fmt: Literal["text", "json", "md"] = "text") -> str:
        """The report as ``text`` (for a terminal), ``json`` or ``md`` (Markdown)."""
        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2, allow_nan=False)
        if fmt not in ("text", "md"):
            raise ValueError(f"`fmt` must be 'text', 'json' or 'md'; got {fmt!r}.")
        md = fmt == "md"
        lab, ptxt = self.label, self.params_text
        lines = [
            (f"## {lab}" if md else lab)
            + f"{'(' + ptxt[2:] + ')' if ptxt else ''}: {self.dtype.name}, "
            f"{self.got.size} entries against the correctly rounded oracle",
            "",
        ]
        bullet = "- " if md else "  "
        lines.append(
            f"{bullet}worst error: {_fmt_ulp(self.max_ulp)} ULP, absolute {self.max_abs:.3g}, "
            f"relative {self.max_rel:.3g}"
        )
        if self.worst:
            lines.append(f"{bullet}worst inputs:")
            lines += [f"{bullet}  {m.describe(lab, ptxt)}" for m in self.worst]
        for title, items in (
            ("wrong non-finite results", self.wrong_nonfinite),
            ("wrong limits at ±inf", self.wrong_limits),
            ("nan not propagated", self.wrong_nan),
        ):
            if items:
                lines.append(f"{bullet}{title}: {len(items)}")
                lines += [f"{bullet}  {m.describe(lab, ptxt)}" for m in items[:5]]
            else:
                lines.append(f"{bullet}{title}: none")
        n_under = int(self.underflow.sum())
        what = "not counted" if self.ignore_underflow else "counted"
        lines.append(
            f"{bullet}underflow: {n_under} tiny true values returned as another number below "
            f"the smallest normal ({what})"
        )
        for k in self.kinks:
            verdict = (
                "the convention"
                if k.matches_convention
                else ("another subgradient" if k.subgradient else "NOT a subgradient")
            )
            lines.append(
                f"{bullet}kink: {lab}(x={k.x!r}) = {k.got!r}; convention {k.convention:g}, "
                f"one-sided {k.left:g} and {k.right:g}: {verdict}"
            )
        if self.scalar_only:
            lines.append(f"{bullet}called one Python number at a time (not vectorised)")
        for w in self.warnings[:5]:
            lines.append(f"{bullet}warning: {w}")
        lines.append("")
        if md:
            lines += ["| region | entries | worst ULP | at x |", "|---|---:|---:|---|"]
            lines += [
                f"| {r.region} | {r.count} | {_fmt_ulp(r.max_ulp)} | {_fmt_x(r.worst_x)} |"
                for r in self.regions
            ]
        else:
            lines.append(f"  {'region':<12} {'entries':>7}  {'worst ULP':>10}  at x")
            lines += [
                f"  {r.region:<12} {r.count:>7}  {_fmt_ulp(r.max_ulp):>10}  {_fmt_x(r.worst_x)}"
                for r in self.regions
            ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format("text")


def _jsonable(obj: Any) -> Any:
    """``obj`` with every inf and nan replaced by its repr (JSON has neither)."""
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    return obj


def _num(v: float) -> float | str:
    """JSON has no inf or nan: those become strings."""
    return v if math.isfinite(v) else repr(v)


def _fmt_ulp(u: float) -> str:
    return f"{u:.3g}" if math.isfinite(u) else "inf"


def _fmt_x(x: float | tuple[float, ...] | None) -> str:
    if x is None:
        return "-"
    return repr(list(x)) if isinstance(x, tuple) else repr(x)


def _nonneg(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"`{name}` must be a number >= 0; got {value!r}.")
    if not (value >= 0):
        raise ValueError(f"`{name}` must be a number >= 0; got {value!r}.")
    return float(value)


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
        ``derivative`` is true (for ``softmax`` / ``log_softmax``: the Jacobian over the
        last axis, ``(m, n) -> (m, n, n)``). It is called once with a NumPy array of
        ``dtype`` (rows ``(m, n)`` for a vector function), or, when it only takes one
        Python number at a time (``math.tanh``), once per input. It may return a NumPy
        array, a Python float, or another library's array: read through DLPack or
        ``__array__``, detached, bfloat16 through float32.
    name : str
        The activation (any spelling :func:`actref.get` accepts) or ``"softmax"`` /
        ``"log_softmax"``.
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
    canonical, act = _resolve(name, params)
    dt = _as_dtype(dtype)
    xs, truth = reference_values(canonical, inputs, dtype=dt, params=params, derivative=derivative)
    got, scalar_only, caught = _call_fn(fn, xs, convert_input)
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
        region = _regions(xs[:, 0], ())
        region = np.where(row_nan, "nan", np.where(row_inf, "±inf", region))
        extra = (1, 1) if derivative else (1,)
        expand = (slice(None), *([None] * len(extra)))
        shape = truth.shape
        nan_in = np.broadcast_to(row_nan[expand], shape)
        limit_in = np.broadcast_to(row_inf[expand], shape)
        region_full = np.broadcast_to(region[expand], shape)
        at_kink = np.zeros(shape, dtype=bool)
        kinks: tuple[KinkValue, ...] = ()
        budget = contract.budget(None, dtype=dt)
    else:
        nan_in = np.isnan(x64)
        limit_in = np.isinf(x64)
        region_full = _regions(xs, act.breakpoints)
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
        bound = _bound_text(max_ulp, atol, rtol, report.default_max_ulp)
        head = (
            f"{report.label}: {n} of {report.got.size} {report.dtype.name} entries "
            f"off the reference by more than {bound}; the worst:"
        )
        lines = [head]
        lines += [f"  {m.describe(report.label, report.params_text)}" for m in bad[:5]]
        raise AssertionError("\n".join(lines))
    return report


def _bound_text(max_ulp: float | None, atol: float, rtol: float, default: float) -> str:
    parts = []
    if max_ulp is not None:
        parts.append(f"{max_ulp:g} ULP")
    if atol or rtol:
        parts.append(f"atol {atol:g} + rtol {rtol:g}·|expected|")
    return " and ".join(parts) if parts else f"{default:g} ULP"
