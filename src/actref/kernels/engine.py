"""The one evaluation engine: how a kernel declared as regions is run on an array.

A kernel is a list of :class:`Region` s, left to right: each holds one formula written
as plain NumPy expressions, why that form is the right one there, and the error bound it
meets against the oracle. Everything about *how* the formulas are run lives here, once:

- **blocks**: arrays are evaluated in blocks of :data:`BLOCK` elements, so every
  temporary stays in the L2 cache and is reused by the allocator (fresh full-size
  temporaries cost a page fault per 4 KiB on first touch, most of the time of a naive
  multi-pass formula); a ``one_pass`` kernel runs on the whole array, its result
  being the output (tanh at 10**6: 1.70 ms in blocks, 1.34 whole; a formula of several
  float64 passes is slower whole: softsign 2.1 against 3.5 ms);
- **landing**: a formula evaluated on a whole block of a larger array writes its last
  operation straight into the output (:mod:`actref.kernels.landing` rewrites it once,
  from its source), not into a fresh array then copied (elu' at 10**6: 1.39 ms with
  the copy, 1.10 without);
- **dtype widening**: float16/32 blocks are copied to float64, evaluated, and rounded
  once into the result; kernels that are exact in every dtype (comparisons, max/min)
  run in the input's own dtype, on the whole array;
- **nan policy**: a nan input is given to the last region (comparisons with nan are
  false), whose formula returns nan for it (every kernel is tested for nan in, nan out);
- **region dispatch**: a block whose elements all fall in one region gets that formula
  on the whole block; otherwise small blocks evaluate each present region on the whole
  block and select (cheaper than gathering), large ones gather each region's elements
  and evaluate its formula there only (each formula sees only its own inputs, so it
  need only be finite and silent on its own interval); a *narrow* region (rare and
  costly, such as a long series around a zero) is gathered in small blocks too;
- **polynomials** (:func:`polynomial`): Horner's rule, on a few elements in Python
  floats, bit for bit the same operations without NumPy's cost per call; on more, in
  place on one accumulator;
- **warnings**: an absorbed overflow is silenced once per call, around all the blocks;
  a small block's formulas run under ``errstate`` only when some of them leave their
  interval, through ``errstate``'s decorator form (half the cost of its ``with``
  statement: 0.36 against 0.70 us, a tenth of a 16-element sigmoid).

No kernel knows the size of its input: this module is the only size-aware code.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actref.kernels.landing import Landed, land
from actref.kernels.validate import F64_DTYPE, FArray

F64 = NDArray[np.float64]
Formula = Callable[..., Any]
T = TypeVar("T")
Bound = float | Callable[..., float]  # a number, or a function of the kernel's parameters

# Elements per block: 16384 float64 (128 KiB) temporaries stay in L2 and come back
# from the allocator warm (measured on sigmoid' at 10**6: 4096 1.2x, 65536 1.3x slower).
BLOCK = 16384
# Blocks up to this size evaluate every present region on the whole block and select.
SMALL = 1024
# Blocks up to this size find their smallest and largest element by sorting a copy
# (16 elements: 0.5 us; the two reductions: 1.5 us; even at 256).
SORTED = 256


@dataclass(frozen=True)
class Region:
    """``formula`` gives the kernel's value for ``x`` below ``until`` (and at or above
    the previous region's ``until``; the last region runs to +inf and takes nan).

    ``formula(x, *params)`` — or ``formula(x, shared, *params)`` when the kernel has a
    shared sub-expression and the region ``uses_shared`` — receives a 1-D float64
    array and returns an array of the same length (or a scalar). ``why`` says why this
    form is right on this interval, ``ulps`` the worst float64 error it reaches there
    against the oracle. ``narrow``: the region holds few of a block's elements and its
    formula is costly, so small blocks evaluate it on its own elements only, not on the
    whole block. ``uses_shared=False``: the formula does without the shared value,
    which is then not computed for its elements alone (nor need it be finite there).
    """

    until: Bound
    formula: Formula
    why: str
    ulps: float
    narrow: bool = False
    uses_shared: bool = True


@dataclass(frozen=True, eq=False)
class Kernel:
    """An elementwise function declared as regions; call it as ``kernel(x, *params)``.

    ``shared(x, *params)``, when given, is computed once per evaluated set of elements
    and passed to every formula (``e = exp(-|x|)`` for the logistic family).
    ``total``: every formula is finite and silent on the whole line (a narrow one need
    only be so on its own interval: it sees only its own elements), so a small block
    may evaluate all of them without looking for the present ones or suppressing
    warnings (large blocks still gather each region's elements). Suppressing costs
    more than the ``errstate`` call: NumPy is slower per ufunc call under it (tanhshrink
    on 16 elements: 2 us of 11). ``absorbs_overflow``: some
    formula overflows to an inf that it absorbs (``1/(1 + inf) = 0``), so overflow is
    not warned. ``exact_in(dtype, *params)``: the formulas are exact in that float
    dtype (comparisons, max/min, products by exactly representable parameters), so it
    runs natively, without widening. ``nan_blind``: the formulas are comparisons, which
    map nan to a number; the engine puts nan back where ``x`` is nan. ``one_pass``: the
    one formula is a single pass over ``x`` returning a new array (never ``x``
    itself), so it runs on the whole array, in float64 and wherever it is exact; a
    nan-blind one (a comparison and a pass over its bool result, or a constant) in
    float64 only. On the whole array its result is the output, where blocks would copy
    each block's result into it: leaky_relu' at 10**6 1.3 ms in blocks, 1.0 ms whole
    (but a formula with a float64 temporary, ``|x| > lambd``, is slower whole: 1.6
    against 1.25 ms).
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
    # the region ends by parameter tuple, when some end depends on a parameter
    _ends_by_params: dict[tuple[float, ...], tuple[float, ...]] = field(
        default_factory=dict, repr=False
    )
    # each region's formula writing its result into a given array (made on first use)
    _landed: dict[int, Landed] = field(default_factory=dict, repr=False)

    def ends(self, *params: float) -> tuple[float, ...]:
        """Each region's ``until`` but the last's, in order (-inf for an empty one)."""
        return self._ends if self._ends is not None else self._ends_for(params)

    def switches(self, *params: float) -> tuple[float, ...]:
        """Where one formula hands over to the next (finite ``until`` s, in order)."""
        ends = (_resolve(r.until, params) for r in self.regions[:-1])
        return tuple(e for e in ends if math.isfinite(e))

    def _ends_for(self, params: tuple[float, ...]) -> tuple[float, ...]:
        """The region ends for these parameters, resolved once per parameter tuple
        (a dict lookup costs ~0.1 us of a 16-element call, resolving ~0.6 us)."""
        ends = self._ends_by_params.get(params)
        if ends is None:
            ends = tuple(float(_resolve(r.until, params)) for r in self.regions[:-1])
            if len(self._ends_by_params) < 256:
                self._ends_by_params[params] = ends
        return ends

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
            if self.nan_blind:  # its comparisons are float64 (or bool): in float64 only
                if arr.size and dt is F64_DTYPE:
                    return self._guarded(arr, None, params)
            elif arr.ndim and (
                dt is F64_DTYPE
                or (dt.kind == "f" and self.exact_in is not None and self.exact_in(dt, *params))
            ):
                if self.absorbs_overflow:
                    return _overflow_silenced(self.regions[0].formula, arr, *params)
                return self.regions[0].formula(arr, *params)  # type: ignore[no-any-return]
        # fast path, the common case: a 1-D float64 array of one block
        if type(x) is np.ndarray and x.dtype is F64_DTYPE and x.ndim == 1:
            n = x.shape[0]
            if 0 < n <= BLOCK:
                return self._guarded(x, None, params)
        arr = np.asarray(x)
        if arr.dtype.kind != "f":
            arr = arr.astype(np.float64)
        out = np.empty(arr.shape, dtype=arr.dtype)
        if arr.size == 0:
            return out
        xf, of = arr.reshape(-1), out.reshape(-1)
        if (
            arr.dtype != F64_DTYPE
            and self.exact_in is not None
            and self.exact_in(arr.dtype, *params)
        ):
            self._guarded(xf, of, params)
        elif arr.dtype == F64_DTYPE:
            if self.absorbs_overflow:  # once for all the blocks, not once a block: 61
                _overflow_silenced(self._blocks, xf, of, params)  # calls at 10**6 cost
            else:  # leaky_relu 6%
                self._blocks(xf, of, params)
        else:
            self._widened(xf, of, params)
        return out

    def _widened(self, xf: FArray, of: FArray, params: tuple[float, ...]) -> None:
        """float16/32: each block widened to float64, evaluated, rounded once."""
        n = xf.size
        m = min(n, BLOCK)
        xb, ob = np.empty(m), np.empty(m)
        for i in range(0, n, m):
            k = min(m, n - i)
            xk, ok = xb[:k], ob[:k]
            np.copyto(xk, xf[i : i + k])
            self._guarded(xk, ok, params)
            # a true value beyond float32/16's range is inf
            _overflow_silenced(np.copyto, of[i : i + k], ok, casting="same_kind")

    def _guarded(self, x: FArray, out: FArray | None, params: tuple[float, ...]) -> FArray:
        """One block, overflow silenced when the kernel absorbs it, then nan put back
        for a nan-blind kernel (x.min() is nan when some x is: one fast pass)."""
        if self.absorbs_overflow:
            res = _overflow_silenced(self._block, x, out, params)
        else:
            res = self._block(x, out, params)
        if self.nan_blind and math.isnan(x.min()):
            np.copyto(res, x, where=np.isnan(x))
        return res

    def _blocks(self, xf: FArray, of: FArray, params: tuple[float, ...]) -> None:
        """Every block of a large float64 array in turn, as :meth:`_guarded` (the
        caller silences an absorbed overflow once around them all)."""
        for i in range(0, xf.size, BLOCK):
            x, out = xf[i : i + BLOCK], of[i : i + BLOCK]
            self._block(x, out, params)
            if self.nan_blind and math.isnan(x.min()):
                np.copyto(out, x, where=np.isnan(x))

    def _block(self, x: FArray, out: FArray | None, params: tuple[float, ...]) -> FArray:
        """Evaluate one block: the region dispatch. The values go into ``out``; without
        one, a single formula's fresh result is returned as it is (no copy)."""
        regions = self.regions
        if len(regions) == 1:
            return self._whole(0, x, out, params)
        ends = self._ends
        if ends is None:  # a cached tuple is never empty: the lookup inline saves a call
            ends = self._ends_by_params.get(params) or self._ends_for(params)
        if ends[-1] == -math.inf:  # every region but the last is empty for these params
            return self._whole(len(regions) - 1, x, out, params)
        if self.total and x.size <= SMALL:  # every formula valid where it runs: no need
            return self._select(x, out, params, range(len(regions)), ends)  # to find them
        if x.size > SMALL:
            return self._gathered(x, out, params, ends)
        # the regions of the smallest and the largest element, and those between (the
        # ends are in order); nan compares false: it lands in the last region, so the
        # largest element is needed only when the smallest is left of it
        if x.size <= SORTED:
            s = x.copy()
            s.sort()  # nan sorts last
            first, last = bisect.bisect_right(ends, s[0]), bisect.bisect_right(ends, s[-1])
        else:
            lo = x.min()  # nan when some x is: then the smallest number (fmin: 2x slower)
            first = bisect.bisect_right(ends, np.fmin.reduce(x) if math.isnan(lo) else lo)
            last = first if first == len(ends) else bisect.bisect_right(ends, x.max())
        if first == last:
            return self._whole(first, x, out, params)
        # the regions of the two ends hold them, those between may be empty
        present = [
            i for i in range(first, last + 1) if i in (first, last) or ends[i - 1] < ends[i]
        ]
        # formulas off their interval: discarded values
        return _silenced(self._select, x, out, params, present, ends)

    def _gathered(
        self, x: FArray, out: FArray | None, params: tuple[float, ...], ends: Sequence[float]
    ) -> FArray:
        """A large block: ``below[i] = x < ends[i]`` once per end; the ends are in
        order, so the masks nest, their counts say which regions hold elements, and
        region ``i``'s mask is ``below[i] ^ below[i - 1]`` (nan is below no end: the
        last region). A block in one region gets its formula whole; otherwise each
        present region is gathered (:meth:`_gather`). Cheaper than finding the regions
        from the smallest and largest element and comparing again (tanhshrink: 4 of 93
        us a block)."""
        below = [x < end for end in ends]
        bounds = [0, *(int(np.count_nonzero(b)) for b in below), x.size]
        present = [i for i in range(len(bounds) - 1) if bounds[i] < bounds[i + 1]]
        if len(present) == 1:
            return self._whole(present[0], x, out, params)
        if out is None:
            out = np.empty(x.shape)
        self._gather(x, out, params, present, below)
        return out

    def _select(
        self,
        x: FArray,
        out: FArray | None,
        params: tuple[float, ...],
        present: Sequence[int],
        ends: Sequence[float],
    ) -> FArray:
        """Every present region on the whole block, right to left, each overwriting
        the elements below its end (a region with the last one's formula reuses its
        values, and has nothing to write while no region right of it wrote below its
        end; a narrow one: on its own elements only). Two regions of two formulas:
        one ``np.where`` (1.4 against 0.6 us on 16 elements)."""
        shared = self.shared(x, *params) if self.shared is not None else None
        last = self.regions[present[-1]]
        top = self._apply(last, x, params, shared)
        if len(present) == 2:
            left = self.regions[present[0]]
            if not left.narrow and left.formula is not last.formula:
                below = self._apply(left, x, params, shared)
                chosen = np.where(x < ends[present[0]], below, top)
                if out is None:
                    return _fresh(chosen, x)
                out[...] = chosen
                return out
        if out is None:
            out = np.empty(x.shape)
        out[...] = top
        overwritten = False  # whether some region wrote below the end of this one
        for i in reversed(present[:-1]):
            region = self.regions[i]
            if not region.narrow:
                if region.formula is not last.formula:
                    np.copyto(out, self._apply(region, x, params, shared), where=x < ends[i])
                    overwritten = True
                elif overwritten:
                    np.copyto(out, top, where=x < ends[i])
                continue
            # its elements found in Python floats: on a small block one scan costs
            # less than the three comparisons and flatnonzero (0.7 against 2 us)
            lo, hi = (ends[i - 1] if i else -math.inf), ends[i]
            near = [k for k, v in enumerate(x.tolist()) if lo <= v < hi]
            if near:
                idx = np.array(near)
                out[idx] = self._apply(region, x[idx], params)
        return out

    def _gather(
        self,
        x: FArray,
        out: FArray,
        params: tuple[float, ...],
        present: Sequence[int],
        below: Sequence[Any],
    ) -> None:
        """Each present region evaluated on its own elements only; but a formula that
        serves several present regions (tanhshrink's x - tanh x on both sides of its
        series) runs once on the whole block, under errstate (its values elsewhere are
        overwritten): cheaper than gathering its elements twice."""
        formulas = [self.regions[i].formula for i in present]
        whole = next((f for f in formulas if formulas.count(f) > 1), None)
        if whole is not None:
            _silenced(self._apply_into, present[formulas.index(whole)], x, out, params)
        for i, f in zip(present, formulas, strict=True):
            if f is whole:
                continue
            if i == 0:
                mask = below[0]
            elif i == len(below):
                mask = ~below[-1]  # nan included
            else:
                mask = below[i] ^ below[i - 1]  # below[i - 1] lies within below[i]
            idx = mask.nonzero()[0]  # flatnonzero's ravel costs ~1 us a call
            if idx.size:
                out[idx] = self._apply(self.regions[i], x[idx], params)

    def _whole(self, i: int, x: FArray, out: FArray | None, params: tuple[float, ...]) -> FArray:
        """Region ``i``'s formula on the whole block, written into ``out``; without
        one, its fresh result returned as it is (no copy)."""
        if out is None:
            return _fresh(self._apply(self.regions[i], x, params), x)
        return self._apply_into(i, x, out, params)

    def _apply_into(self, i: int, x: FArray, out: FArray, params: tuple[float, ...]) -> FArray:
        """Region ``i``'s formula with its last operation writing into ``out``
        (:mod:`actref.kernels.landing`): no copy of a block's result into the output."""
        landed = self._landed.get(i)
        if landed is None:
            landed = self._landed[i] = land(self.regions[i].formula)
        if self.shared is None or not self.regions[i].uses_shared:
            return landed(out, x, *params)  # type: ignore[no-any-return]
        return landed(out, x, self.shared(x, *params), *params)  # type: ignore[no-any-return]

    def _apply(
        self, region: Region, x: FArray, params: tuple[float, ...], shared: Any = None
    ) -> Any:
        if self.shared is None or not region.uses_shared:
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
    # in place on one fresh accumulator: a new temporary per step cost 32 against 22 us
    # (the 11 terms of tanhshrink's series on the 4800 elements of a block)
    if not rest:
        return last
    res = d * last
    res += rest[0]
    for c in rest[1:]:
        res *= d
        res += c
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


@np.errstate(all="ignore")
def _silenced(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` with NumPy's floating-point warnings off. errstate as a
    decorator costs half its ``with`` statement (0.36 against 0.70 us a call)."""
    return fn(*args, **kwargs)


@np.errstate(over="ignore")
def _overflow_silenced(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` without overflow warnings (as :func:`_silenced`)."""
    return fn(*args, **kwargs)


def _resolve(bound: Bound, params: tuple[float, ...]) -> float:
    return bound(*params) if callable(bound) else bound


def _fresh(values: Any, x: FArray) -> FArray:
    """``values`` (one formula's result on all of ``x``) as the block's result: returned
    as it is when it is a fresh float64 array of x's shape (a ufunc's result: it owns
    its memory), copied otherwise (x itself, a view of it, a scalar)."""
    if (
        type(values) is np.ndarray
        and values.base is None
        and values is not x
        and values.dtype is F64_DTYPE
        and values.shape == x.shape
    ):
        return values
    out = np.empty(x.shape)
    out[...] = values
    return out


def _end(ends: Sequence[float], i: int) -> float:
    return ends[i] if i < len(ends) else math.inf


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
    if one_pass and (len(regions) > 1 or shared is not None):
        raise ValueError(f"kernel {name}: one_pass is for one formula, alone")
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
