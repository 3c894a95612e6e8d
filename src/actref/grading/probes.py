"""The inputs a submission is called on, and what the reference says about them.

Ordinary inputs judge ``value`` and ``derivative``; extreme finite inputs judge
``stability``. Each list is sorted by magnitude, so the first failing input found is
the smallest one that shows the failure. Expected values come from the reference
(NumPy, accurate to a few ULPs against the mpmath oracle) and are computed once per
rubric, in the parent; at a kink the derivative may be anything between the
one-sided derivatives (``Kink.left`` / ``Kink.right``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from actref import vectors
from actref.grading.inputs import EXTREME, EXTREME_VECTORS, ORDINARY, ORDINARY_VECTORS
from actref.grading.rubric import Rubric, RubricFunction


@dataclass(frozen=True)
class Expected:
    """Reference values for one input group: ``value[i]`` and the derivative's
    interval ``[dlow[i], dhigh[i]]`` (a single value away from kinks).

    For softmax each entry is a tuple (the vector's softmax and Jacobian diagonal);
    ``jacobian[i]`` is the full Jacobian, accepted as well.
    """

    # floats for elementwise functions, tuples of floats for softmax
    inputs: tuple[Any, ...]
    value: tuple[Any, ...]
    dlow: tuple[Any, ...]
    dhigh: tuple[Any, ...]
    jacobian: tuple[tuple[tuple[float, ...], ...], ...] = ()


def vectors_of(fn: RubricFunction, group: str) -> tuple[tuple[float, ...], ...]:
    """The rows of ``group`` the vector function accepts (gated: even lengths)."""
    vf = vectors.vector(fn.base)
    assert vf is not None
    vecs = ORDINARY_VECTORS if group == "ordinary" else EXTREME_VECTORS
    return tuple(v for v in vecs if vf.accepts(len(v)))


GROUPS = ("ordinary", "extreme")
# the derivative called on the reference's outputs s = f(x) of a group (the
# ``sigmoid_derivative(s) = s*(1-s)`` convention); expected: f'(x) of the same x
OUTPUT_GROUPS = {"ordinary_output": "ordinary", "extreme_output": "extreme"}
# a dense curve for the feedback figures (elementwise functions only), never judged:
# one call with the whole array, the derivative on x and on the outputs s = f(x)
CURVE_GROUPS = {"curve": "curve", "curve_output": "curve"}
CURVE_POINTS = 201


def curve_inputs(fn: RubricFunction) -> tuple[float, ...]:
    """Where the feedback figure draws ``fn``: its plot range, evenly."""
    lo, hi = fn.activation().plot_range
    return tuple(float(v) for v in np.linspace(lo, hi, CURVE_POINTS))


def _floats(a: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(a, dtype=np.float64).ravel())


@functools.lru_cache(maxsize=256)
def expected_for(fn: RubricFunction, group: str) -> Expected:
    """What the reference says about ``fn`` on the inputs of ``group``."""
    if fn.is_vector:
        # the table's value and Jacobian; a derivative returning one number per input
        # is judged against the Jacobian's diagonal, and where the Jacobian is not
        # square (gated functions, m x 2m) against the whole Jacobian
        vf = vectors.vector(fn.base)
        assert vf is not None
        vecs = vectors_of(fn, group)
        vals = tuple(_floats(vf(np.array(v))) for v in vecs)
        jacs = [vf.jacobian(np.array(v)) for v in vecs]
        diag = tuple(
            _floats(np.diagonal(j) if vf.out_size(j.shape[-1]) == j.shape[-1] else j) for j in jacs
        )
        jac = tuple(tuple(_floats(row) for row in j) for j in jacs)
        return Expected(vecs, vals, diag, diag, jac)
    xs = {"ordinary": ORDINARY, "extreme": EXTREME}.get(group) or curve_inputs(fn)
    act = fn.activation()
    arr = np.array(xs)
    grad = act.grad(arr)
    low, high = grad.copy(), grad.copy()
    for kink in act.kinks:
        at = arr == kink.at
        low[at] = min(kink.left, kink.right, kink.grad)
        high[at] = max(kink.left, kink.right, kink.grad)
    return Expected(xs, _floats(act(arr)), _floats(low), _floats(high))


def expectations(rubric: Rubric, curve: bool = False) -> dict[tuple[str, str], Expected]:
    """Every ``(reference, group)`` the rubric needs, computed once: for an output
    group, the inputs are the reference's outputs and the rest is the base group's.
    ``curve``: the dense curves of the feedback figures too."""
    out = {(f.reference, g): expected_for(f, g) for f in rubric.functions for g in GROUPS}
    for f in rubric.functions:
        groups = dict(OUTPUT_GROUPS)
        if curve and not f.is_vector:
            out[(f.reference, "curve")] = expected_for(f, "curve")
            groups["curve_output"] = "curve"
        for g, base in groups.items():
            exp = out[(f.reference, base)]
            out[(f.reference, g)] = Expected(
                exp.value, exp.value, exp.dlow, exp.dhigh, exp.jacobian
            )
    return out


def inputs_for(fn: RubricFunction, group: str) -> list[float] | list[list[float]]:
    """The inputs of ``group`` as plain lists, as they are sent to the worker."""
    if group == "curve":
        return list(curve_inputs(fn))
    bases = {**OUTPUT_GROUPS, **CURVE_GROUPS}
    if group in bases:
        values = expected_for(fn, bases[group]).value
        return [list(v) for v in values] if fn.is_vector else [float(v) for v in values]
    if fn.is_vector:
        return [list(v) for v in vectors_of(fn, group)]
    return list(ORDINARY if group == "ordinary" else EXTREME)
