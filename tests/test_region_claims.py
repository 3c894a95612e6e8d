"""Each region's claimed bound, held on random points inside it.

A region declares ``ulps``, the worst float64 error its formula reaches against the
oracle on its interval. ``test_region_switches.py`` holds the claim near the switches;
here it is held inside: for every kernel of every registered function (and each
parametrised one with its parameters scaled, as the switch tests do), on 300 uniform
points of each region (within +-800) and 150 log-spaced ones on each side of 0 it
spans, from a seed of its own (not the hard inputs: our own independent sweep, in
small). A claim the formula does not meet is a false statement in the kernel.
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np
import pytest

import actref
from actref import contract, oracle
from actref.kernels.engine import Kernel

from .variants import activation_variants

UNIFORM, LOGSPACED = 300, 150
REACH = 800.0  # beyond, every kernel's regions are constant or a closed form's tail


CASES = [
    pytest.param(act, part, id=f"{act}-{part}")
    for act in activation_variants()
    for part in ("value", "derivative")
    if isinstance(act.forward_fn if part == "value" else act.grad_fn, Kernel)
]


def _points(lo: float, hi: float, rng: np.random.Generator) -> Any:
    a, b = max(lo, -REACH), min(hi, REACH)
    if not a < b:
        return np.empty(0)
    pts = [rng.uniform(a, b, UNIFORM)]
    if a < 0.0:  # towards 0 from the left, magnitudes log-spaced
        top = math.log10(-a)
        bottom = min(-12.0, top - 1.0) if b >= 0.0 else math.log10(max(-b, 1e-300))
        pts.append(-(10.0 ** rng.uniform(bottom, top, LOGSPACED)))
    if b > 0.0:
        top = math.log10(b)
        bottom = min(-12.0, top - 1.0) if a <= 0.0 else math.log10(max(a, 1e-300))
        pts.append(10.0 ** rng.uniform(bottom, top, LOGSPACED))
    x = np.concatenate(pts)
    return x[(x >= lo) & (x < hi)]


@pytest.mark.parametrize(("act", "part"), CASES)
def test_each_region_meets_its_claim(act: actref.Activation, part: str) -> None:
    k = act.forward_fn if part == "value" else act.grad_fn
    params = act.param_values
    ends = [-math.inf, *k.ends(*params), math.inf]
    rng = np.random.default_rng(zlib.crc32(f"{act} {part}".encode()))  # its own, fixed
    broken = []
    for i, region in enumerate(k.regions):
        x = _points(ends[i], ends[i + 1], rng)
        if not x.size:
            continue
        truth = oracle.true_values(act.expr if part == "value" else act.dexpr, x)
        with np.errstate(all="ignore"):
            got = act(x) if part == "value" else act.grad(x)
        err = contract.contract_ulp_error(got, truth)
        j = int(np.argmax(err))
        if err[j] > region.ulps:
            broken.append(
                f"region {i} [{ends[i]:.6g}, {ends[i + 1]:.6g}) claims {region.ulps:g} ULP:"
                f" {err[j]:g} at x = {x[j]!r} ({region.why[:60]}...)"
            )
    assert not broken, f"{contract.label(act.name, part)}: " + "; ".join(broken)
