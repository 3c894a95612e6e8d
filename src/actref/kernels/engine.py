"""The one evaluation engine: how a kernel declared as regions is run on an array.

A kernel is a list of :class:`Region` s, left to right: each holds one formula written
as plain NumPy expressions, why that form is the right one there, and the error bound it
meets against the oracle. Everything about *how* the formulas are run lives here, once:

- **blocks**: arrays are evaluated in blocks of :data:`BLOCK` elements, so every
  temporary stays in the L2 cache and is reused by the allocator (fresh full-size
  temporaries cost a page fault per 4 KiB on first touch, most of the time of a naive
  multi-pass formula);
- **dtype widening**: float16/32 blocks are copied to float64, evaluated, and rounded
  once into the result; kernels that are exact in every dtype (comparisons, max/min)
  run in the input's own dtype, on the whole array;
- **nan policy**: a nan input is given to the last region (comparisons with nan are
  false), whose formula returns nan for it (every kernel is tested for nan in, nan out);
  a kernel whose formulas are comparisons (an indicator such as ``x > 0`` is 0 for nan)
  is declared ``nan_blind`` and the engine puts nan back, after one ``x.min()`` per
  block says whether there is any (``where(isnan(x), x, ...)`` in every formula would
  cost 2-3 passes per block; ``heaviside`` and ``where`` on unpredictable masks ~30x);
- **one pass**: a kernel whose one formula is a single pass over ``x`` (relu's
  ``max(x, 0)``, a clamp) runs on the whole array at once and its result is the output:
  in blocks, the block's result copied into the output is a second pass (relu at 10**6
  elements: whole 0.58 ms, blocks written in place 0.69, blocks copied 0.81);
- **region dispatch**: a block whose elements all fall in one region gets that formula
  on the whole block; otherwise small blocks evaluate each present region on the whole
  block and select (cheaper than gathering), large ones gather each region's elements
  and evaluate its formula there only (each formula sees only its own inputs, so it
  need only be finite and silent on its own interval); a *narrow* region (rare and
  costly, such as a long series around a zero) is gathered in small blocks too;
- **polynomials** (:func:`polynomial`): Horner's rule, on a few elements in Python
  floats, bit for bit the same operations without NumPy's cost per call.

No kernel knows the size of its input: this module is the only size-aware code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actref.kernels.validate import F64_DTYPE, FArray

F64 = NDArray[np.float64]
Formula = Callable[..., Any]
Bound = float | Callable[..., float]  # a number, or a function of the kernel's parameters

# Elements per block: 16384 float64 (128 KiB) temporaries stay in L2 and come back
# from the allocator warm (measured on sigmoid' at 10**6: 4096 1.2x, 65536 1.3x slower).
BLOCK = 16384
# Blocks up to this size evaluate every present region on the whole block and select.
SMALL = 1024


@dataclass(frozen=True)
class Region:
    """``formula`` gives the kernel's value for ``x`` below ``until`` (and at or above
    the previous region's ``until``; the last region runs to +inf and takes nan).

    ``formula(x, *params)`` — or ``formula(x, shared, *params)`` when the kernel has a
    shared sub-expression — receives a 1-D float64 array and returns an array of the
    same length (or a scalar). ``why`` says why this form is right on this interval,
    ``ulps`` the worst float64 error it reaches there against the oracle. ``narrow``:
    the region holds few of a block's elements and its formula is costly, so small
    blocks evaluate it on its own elements only, not on the whole block.
    """

    until: Bound
    formula: Formula
    why: str
    ulps: float
    narrow: bool = False


@dataclass(frozen=True, eq=False)
class Kernel:
    """An elementwise function declared as regions; call it as ``kernel(x, *params)``.

    ``shared(x, *params)``, when given, is computed once per evaluated set of elements
    and passed to every formula (``e = exp(-|x|)`` for the logistic family).
    ``total``: every formula is finite and silent on the whole line, so a small block
    may evaluate all of them without looking for the present ones or suppressing
    warnings (large blocks still gather each region's elements). ``absorbs_overflow``: some
    formula overflows to an inf that it absorbs (``1/(1 + inf) = 0``), so overflow is
    not warned. ``exact_in(dtype, *params)``: the formulas are exact in that float
    dtype (comparisons, max/min, products by exactly representable parameters), so it
    runs natively, without widening. ``nan_blind``: the formulas are comparisons, which
    map nan to a number; the engine puts nan back where ``x`` is nan. ``one_pass``: the
    one formula is a single pass over ``x`` returning a new array (never ``x``
    itself), so it runs on the whole array, in float64 and wherever it is exact.
    """

    name: str
    regions: tuple[Region, ...]
    shared: Formula | None = None
    total: bool = False
    absorbs_overflow: bool = False
    exact_in: Callable[..., bool] | None = None
    nan_blind: bool = False
    one_pass: bool = False
    # the region ends, when none depends on a parameter (resolved once)
    _ends: tuple[float, ...] | None = field(default=None, repr=False)

    def switches(self, *params: float) -> tuple[float, ...]:
        """Where one formula hands over to the next (finite ``until`` s, in order)."""
        ends = (_resolve(r.until, params) for r in self.regions[:-1])
        return tuple(e for e in ends if math.isfinite(e))

    def region_at(self, value: float, *params: float) -> Region:
        """The region that evaluates ``value``."""
        for r in self.regions[:-1]:
            if value < _resolve(r.until, params):
                return r
        return self.regions[-1]

    # ---------------------------------------------------------------- evaluation
    def __call__(self, x: ArrayLike, *params: float) -> FArray:
        """The kernel on ``x`` (float array): same shape and float dtype."""
        if self.one_pass:
            arr = x if type(x) is np.ndarray else np.asarray(x)
            dt = arr.dtype
            if arr.ndim and (
                dt is F64_DTYPE
                or (dt.kind == "f" and self.exact_in is not None and self.exact_in(dt, *params))
            ):
                if self.absorbs_overflow:
                    with np.errstate(over="ignore"):
                        return self.regions[0].formula(arr, *params)  # type: ignore[no-any-return]
                return self.regions[0].formula(arr, *params)  # type: ignore[no-any-return]
        # fast path, the common case: a 1-D float64 array of one block
        if type(x) is np.ndarray and x.dtype is F64_DTYPE and x.ndim == 1:
            n = x.shape[0]
            if 0 < n <= BLOCK:
                sole = self._sole_region(params)
                if sole is not None and not self.nan_blind:  # one formula: its fresh result
                    # is the answer, no copy
                    if self.absorbs_overflow:
                        with np.errstate(over="ignore"):
                            val = self._apply(sole, x, params)
                    else:
                        val = self._apply(sole, x, params)
                    if (
                        isinstance(val, np.ndarray)
                        and val.base is None  # a fresh array, not x or a view of it
                        and val is not x
                        and val.dtype is F64_DTYPE
                        and val.shape == x.shape
                    ):
                        return val
                    res = np.empty(n)
                    res[...] = val
                    return res
                res = np.empty(n)
                if self.absorbs_overflow:
                    with np.errstate(over="ignore"):
                        self._evaluate(x, res, params)
                else:
                    self._evaluate(x, res, params)
                return res
        arr = np.asarray(x)
        if arr.dtype.kind != "f":
            arr = arr.astype(np.float64)
        out = np.empty(arr.shape, dtype=arr.dtype)
        if arr.size == 0:
            return out
        xf, of = arr.reshape(-1), out.reshape(-1)
        if self.absorbs_overflow:  # once per call, not per block (~1 us each)
            with np.errstate(over="ignore"):
                self._run(xf, of, params)
        else:
            self._run(xf, of, params)
        return out

    def _run(self, xf: FArray, of: FArray, params: tuple[float, ...]) -> None:
        """The flat input ``xf`` into the flat result ``of``: natively, in float64
        blocks, or widened."""
        if (
            xf.dtype != F64_DTYPE
            and self.exact_in is not None
            and self.exact_in(xf.dtype, *params)
        ):
            self._evaluate(xf, of, params)
        elif xf.dtype == F64_DTYPE:
            for i in range(0, xf.size, BLOCK):
                self._evaluate(xf[i : i + BLOCK], of[i : i + BLOCK], params)
        else:
            self._widened(xf, of, params)

    def _widened(self, xf: FArray, of: FArray, params: tuple[float, ...]) -> None:
        """float16/32: each block widened to float64, evaluated, rounded once."""
        n = xf.size
        m = min(n, BLOCK)
        xb, ob = np.empty(m), np.empty(m)
        for i in range(0, n, m):
            k = min(m, n - i)
            xk, ok = xb[:k], ob[:k]
            np.copyto(xk, xf[i : i + k])
            self._evaluate(xk, ok, params)
            with np.errstate(over="ignore"):  # a true value beyond float32/16's range is inf
                np.copyto(of[i : i + k], ok, casting="same_kind")

    def _evaluate(self, x: FArray, out: FArray, params: tuple[float, ...]) -> None:
        """One block: its regions, then nan put back for a nan-blind kernel."""
        if len(self.regions) == 1 and self.shared is None:  # one formula: no dispatch
            out[...] = self.regions[0].formula(x, *params)
        else:
            self._block(x, out, params)
        # x.min() is nan when some x is: one fast pass, nothing more in the usual case
        if self.nan_blind and math.isnan(x.min()):
            np.copyto(out, x, where=np.isnan(x))

    def _sole_region(self, params: tuple[float, ...]) -> Region | None:
        """The one region that can hold any input, if there is one: a single region, or
        parameters that leave every other region empty (``until`` at -inf)."""
        regions = self.regions
        if len(regions) == 1:
            return regions[0]
        if self._ends is None and _resolve(regions[-2].until, params) == -math.inf:
            return regions[-1]
        return None

    def _block(self, x: FArray, out: FArray, params: tuple[float, ...]) -> None:
        """Evaluate one block: the region dispatch."""
        regions = self.regions
        sole = self._sole_region(params)
        if sole is not None:
            out[...] = self._apply(sole, x, params)
            return
        ends = self._ends
        if ends is None:
            ends = tuple(_resolve(r.until, params) for r in regions[:-1])
        if self.total and x.size <= SMALL:  # every formula is valid everywhere: no need
            self._select(x, out, params, range(len(regions)), ends)  # to find the regions
            return
        lo, hi = np.fmin.reduce(x), x.max()  # hi is nan when some x is: the last region
        present = [
            i
            for i in range(len(regions))
            if (i == len(ends) or lo < ends[i]) and (i == 0 or not hi < ends[i - 1])
        ]
        if len(present) == 1:
            out[...] = self._apply(regions[present[0]], x, params)
        elif x.size <= SMALL:
            with np.errstate(all="ignore"):  # formulas off their interval: discarded values
                self._select(x, out, params, present, ends)
        else:
            self._gather(x, out, params, present, ends)

    def _select(
        self,
        x: FArray,
        out: FArray,
        params: tuple[float, ...],
        present: Sequence[int],
        ends: Sequence[float],
    ) -> None:
        """Every present region on the whole block, right to left, each overwriting
        the elements below its end (a narrow one: on its own elements only)."""
        shared = self.shared(x, *params) if self.shared is not None else None
        out[...] = self._apply(self.regions[present[-1]], x, params, shared)
        for i in reversed(present[:-1]):
            region = self.regions[i]
            if not region.narrow:
                np.copyto(out, self._apply(region, x, params, shared), where=x < ends[i])
                continue
            mask = x < ends[i] if i == 0 else (x >= ends[i - 1]) & (x < ends[i])
            idx = np.flatnonzero(mask)
            if idx.size:
                out[idx] = self._apply(region, x[idx], params)

    def _gather(
        self,
        x: FArray,
        out: FArray,
        params: tuple[float, ...],
        present: Sequence[int],
        ends: Sequence[float],
    ) -> None:
        """Each present region evaluated on its own elements only."""
        for i in present:
            if i == 0:
                mask = x < ends[0]
            elif i == len(ends):
                mask = ~(x < ends[-1])  # nan included
            else:
                mask = (x >= ends[i - 1]) & (x < ends[i])
            idx = np.flatnonzero(mask)
            if idx.size:
                out[idx] = self._apply(self.regions[i], x[idx], params)

    def _apply(
        self, region: Region, x: FArray, params: tuple[float, ...], shared: Any = None
    ) -> Any:
        if self.shared is None:
            return region.formula(x, *params)
        if shared is None:
            shared = self.shared(x, *params)
        return region.formula(x, shared, *params)


# Up to this many elements, :func:`polynomial` sums in Python floats: NumPy's ~0.5 us per
# call (two per coefficient) is most of the time of a long series on a few elements.
FEW = 8


def polynomial(coefs: Sequence[float], d: FArray) -> Any:
    """``sum(coefs[k] * d**k)`` by Horner's rule on a 1-D array ``d``.

    A few elements are summed in Python floats: the same IEEE operations in the same
    order (no fused multiply-add in either), so the same bits as NumPy's.
    """
    last, rest = coefs[-1], coefs[-2::-1]
    if d.size <= FEW:
        vals = []
        for v in d.tolist():
            acc = last
            for c in rest:
                acc = acc * v + c
            vals.append(acc)
        return np.array(vals)
    res: Any = last
    for c in rest:
        res = res * d + c
    return res


def select(cond: Any, a: Any, b: Any) -> Any:
    """``np.where(cond, a, b)`` for formulas; ``a`` and ``b`` must be finite wherever
    the other is chosen.

    On a large block np.where's per-element branch costs ~3x on an unpredictable mask
    (54 against 20 us on 16384 elements), so there the choice is the exact sum of
    products by 0 and 1, ``cond a + (not cond) b``; on a small one np.where is the one
    call (0.6 against 1.2 us on 16 elements). The same values either way.
    """
    if np.size(cond) <= SMALL:
        return np.where(cond, a, b)
    return cond * a + ~cond * b


def _resolve(bound: Bound, params: tuple[float, ...]) -> float:
    return bound(*params) if callable(bound) else bound


def kernel(
    name: str,
    *regions: Region,
    shared: Formula | None = None,
    total: bool = False,
    absorbs_overflow: bool = False,
    exact_in: Callable[..., bool] | None = None,
    nan_blind: bool = False,
    one_pass: bool = False,
) -> Kernel:
    """Declare a kernel: ``kernel("sigmoid", Region(...), Region(...))``."""
    if not regions or regions[-1].until != math.inf:
        raise ValueError(f"kernel {name}: the last region must run to until=math.inf")
    if one_pass and (len(regions) > 1 or shared is not None or nan_blind):
        raise ValueError(f"kernel {name}: one_pass is for one formula, alone, nan kept")
    untils = [r.until for r in regions[:-1]]
    ends = None if any(callable(u) for u in untils) else tuple(map(float, untils))  # type: ignore[arg-type]
    return Kernel(
        name,
        regions,
        shared,
        total,
        absorbs_overflow,
        exact_in,
        nan_blind=nan_blind,
        one_pass=one_pass,
        _ends=ends,
    )
