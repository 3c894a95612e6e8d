"""Region switches against the oracle, generated from the kernels' declarations.

Where a kernel hands over from one formula to the next (``kernel.switches(*params)``)
both formulas must be right: the hard input set steps 0.2 in the tails and misses
narrow windows, so each switch ``s`` is tested here on its 8 float neighbours on each
side, on 200 points in ``s (1 ± 1e-3)`` and 200 in ``s (1 ± 1e-9)`` (around 0: ``±1e-3``
and ``±1e-9``) in float64, and on its 8 float32 neighbours on each side. Every point
must be within the function's budget, and every float64 point within the ``ulps`` its
region (``kernel.region_at``) claims. The scipy.special "transition" habit, made
automatic: a kernel declared as regions is tested here the day it lands; one not yet
declared (no ``switches``) is skipped with the reason.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np
import pytest

import actref
from actref import contract, oracle
from actref.contract import Finding

from .variants import activation_variants

NEIGHBOURS = 8
WINDOW_POINTS = 200
WINDOWS = (1e-3, 1e-9)


CASES = [
    pytest.param(act, part, id=f"{act}-{part}")
    for act in activation_variants()
    for part in ("value", "derivative")
]


def _kernel(act: actref.Activation, part: str) -> Any:
    return act.forward_fn if part == "value" else act.grad_fn


def _switches(act: actref.Activation, part: str) -> tuple[float, ...]:
    kernel = _kernel(act, part)
    if not hasattr(kernel, "switches"):
        pytest.skip(f"{contract.label(act.name, part)} is not declared as regions yet")
    switches = tuple(sorted(set(kernel.switches(*act.param_values))))
    if not switches:
        pytest.skip(f"{contract.label(act.name, part)} is one formula on the whole line")
    return switches


def _near(s: float, dtype: Any) -> list[float]:
    """``s`` rounded to ``dtype`` and its :data:`NEIGHBOURS` floats on either side."""
    dt = np.dtype(dtype)
    centre = dt.type(s)
    pts = [centre]
    for direction in (-np.inf, np.inf):
        cur = centre
        for _ in range(NEIGHBOURS):
            cur = np.nextafter(cur, dt.type(direction))
            pts.append(cur)
    return [float(p) for p in pts]


def _points(switches: tuple[float, ...], dtype: Any) -> np.ndarray:
    dt = np.dtype(dtype)
    top = float(np.finfo(dt).max)
    pts: list[float] = []
    for s in switches:
        if not abs(s) < top:
            continue  # beyond this format: no float lands there
        pts += _near(s, dt)
        if dt == np.float64:
            for width in WINDOWS:
                offsets = np.linspace(-width, width, WINDOW_POINTS)
                pts += list(offsets if s == 0 else s * (1 + offsets))
    xs = np.unique(np.array(pts, dtype=dt))
    return xs[np.isfinite(xs)]


@functools.cache
def _truth(
    name: str,
    params: tuple[tuple[str, float], ...],
    part: str,
    dtype_name: str,
    switches: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """The points around the switches and their correctly rounded true values, once."""
    act = actref.get(name).with_params(**dict(params))
    xs = _points(switches, dtype_name)
    expr = act.expr if part == "value" else act.dexpr
    return xs, oracle.true_values(expr, xs, np.dtype(dtype_name))


def switch_findings(act: actref.Activation, part: str, dtype: Any) -> list[str]:
    """What is wrong around ``act``'s switches in ``dtype``: points over the budget,
    and (float64) points over the bound their region claims."""
    switches = _switches(act, part)
    xs, truth = _truth(act.name, tuple(act.params.items()), part, np.dtype(dtype).name, switches)
    fn = act if part == "value" else act.grad
    got = fn(xs)
    err = contract.contract_ulp_error(got, truth, dtype)
    label, params = contract.label(act.name, part), contract.params_text(act.params)
    budget = contract.budget(act, part, dtype)
    bad = [
        f.describe()
        for f in contract.findings(label, xs, got, truth, err, params=params, budget=budget)
    ]
    if np.dtype(dtype) == np.float64:
        kernel = _kernel(act, part)
        claims = np.array([kernel.region_at(float(v), *act.param_values).ulps for v in xs])
        for i in np.flatnonzero(err > claims):
            f = Finding(label, float(xs[i]), float(got[i]), float(truth[i]), float(err[i]), params)
            bad.append(f"{f.describe()}, but its region claims {claims[i]:g} ULP")
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("act", "part"), CASES)
def test_region_switches_against_the_oracle(act: actref.Activation, part: str, dtype: Any) -> None:
    bad = switch_findings(act, part, dtype)
    assert not bad, f"{len(bad)} point(s) around the switches:\n" + "\n".join(bad[:10])


def test_a_wrong_formula_at_a_switch_is_caught() -> None:
    """The test itself: sigmoid split at 1.0 with the right side 1 ULP high everywhere
    and a region claiming 0 ULP is reported, point by point, both ways."""
    from actref.kernels.engine import Region, kernel

    def right(x: np.ndarray) -> np.ndarray:
        return np.nextafter(1.0 / (1.0 + np.exp(-x)), np.inf)

    split = kernel(
        "sigmoid",
        Region(1.0, lambda x: 1.0 / (1.0 + np.exp(-x)), "left", 2.0),
        Region(math.inf, right, "right, 1 ULP high", 0.0),
    )
    act = dataclasses.replace(actref.get("sigmoid"), forward_fn=split)
    bad = switch_findings(act, "value", np.float64)
    assert bad
    assert all("region claims 0 ULP" in b for b in bad)
    assert all(float(b.split("x=")[1].split(")")[0]) >= 1.0 for b in bad)
