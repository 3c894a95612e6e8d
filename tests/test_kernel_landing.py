"""The engine's one rewrite: a formula landed into an output gives the same bits.

:mod:`actref.kernels.landing` rewrites each formula so that its last operation writes
into the engine's output instead of a fresh array. Every formula of every kernel, at
every parameter set the region tests use, is held here to the same bits as the formula
itself on the hard inputs, and every one of them must actually be rewritten (a copy
would hide a lost speed-up, not a wrong value).
"""

from __future__ import annotations

import math
import types
from typing import Any

import numpy as np
import pytest

import actref
from actref.kernels import engine, landing
from actref.kernels.engine import Kernel, Region, kernel

from .variants import activation_variants

CASES = [
    pytest.param(act, part, id=f"{act}-{part}")
    for act in activation_variants()
    for part in ("value", "derivative")
]
X = np.concatenate([actref.hard_inputs.hard_inputs(np.float64), [np.nan, -0.0]])


def _bits(a: Any) -> Any:
    return np.broadcast_to(np.asarray(a, dtype=np.float64), X.shape).view(np.uint64)


def _is_rewritten(landed: Any) -> bool:
    return isinstance(landed, types.FunctionType) and "__landing_out" in (
        landed.__code__.co_varnames
    )


def _kernels_run(
    fn: Any, params: tuple[float, ...], monkeypatch: pytest.MonkeyPatch
) -> list[tuple[Kernel, tuple[float, ...]]]:
    """The kernels (and their parameters) that ``fn`` runs on the hard inputs: itself,
    or those a dispatcher picks (relu with keras' parameters)."""
    seen: list[tuple[Kernel, tuple[float, ...]]] = []
    run = Kernel.__call__

    def spy(self: Kernel, x: Any, *p: float) -> Any:
        seen.append((self, p))
        return run(self, x, *p)

    with monkeypatch.context() as m:
        m.setattr(Kernel, "__call__", spy)
        fn(X, *params)
    return seen


@pytest.mark.parametrize(("act", "part"), CASES)
def test_every_formula_lands_with_the_same_bits(
    act: actref.Activation, part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fn = act.forward_fn if part == "value" else act.grad_fn
    runs = _kernels_run(fn, act.param_values, monkeypatch)
    assert runs, f"{act} {part} runs no kernel"
    for k, params in runs:
        for region in k.regions:
            landed = landing.land(region.formula)
            assert _is_rewritten(landed) or isinstance(region.formula, np.ufunc), region.why
            with np.errstate(all="ignore"):  # each formula off its interval, too
                shared = k.shared is not None and region.uses_shared
                args: tuple[Any, ...] = (X, k.shared(X, *params)) if shared else (X,)
                plain = region.formula(*args, *params)
                out = np.full(X.shape, 12345.0)
                result = landed(out, *args, *params)
            assert result is out
            assert np.array_equal(_bits(plain), _bits(out)), f"{k.name}: {region.why}"


def _scale(x: Any, a: float) -> Any:
    if a == 1.0:
        return x
    return (x * a if a > 0.0 else -x) if a != 2.0 else np.exp(x) - a


def test_the_rewrite_lands_each_kind_of_return() -> None:
    x = np.linspace(-2.0, 2.0, 9)
    out = np.empty(9)
    for a in (1.0, 0.5, -1.0, 2.0):
        assert landing.land(_scale)(out, x, a) is out
        assert np.array_equal(out, _scale(x, a))
    assert _is_rewritten(landing.land(_scale))
    base = 3.0  # a closure: the rewritten formula reads the same cell
    closure = landing.land(lambda v: np.hypot(v, base))
    assert np.array_equal(closure(out, x), np.hypot(x, 3.0))


def _shadowed(x: Any, np: Any) -> Any:  # np: a local named as the global module
    return np.exp(x)


class _NotNumPy:
    @staticmethod
    def exp(x: Any) -> Any:
        return x * 0.0 + 7.0


def test_a_local_named_as_a_global_ufunc_is_not_taken_for_it() -> None:
    x, out = np.arange(4.0), np.empty(4)
    assert landing.land(_shadowed)(out, x, _NotNumPy) is out
    assert np.array_equal(out, np.full(4, 7.0))


def _exp_plus_one(x: Any) -> Any:
    return np.exp(x) + 1.0


def _exp_minus_one(x: Any) -> Any:
    return np.exp(x) - 1.0


def test_a_formula_without_its_source_is_copied_not_guessed() -> None:
    x, out = np.arange(4.0), np.empty(4)
    lost = types.FunctionType(
        _exp_plus_one.__code__.replace(co_filename="/nowhere/lost.py"), globals()
    )
    # and one whose file no longer holds it: its code is another function's
    moved = types.FunctionType(
        _exp_plus_one.__code__.replace(co_code=_exp_minus_one.__code__.co_code), globals()
    )
    for formula in (lost, moved):
        landed = landing.land(formula)
        assert not _is_rewritten(landed)
        assert landed(out, x) is out
        assert np.array_equal(out, formula(x))


def test_large_arrays_take_the_landed_formulas(monkeypatch: pytest.MonkeyPatch) -> None:
    landed: list[Any] = []

    def recording(formula: Any) -> Any:
        landed.append(formula)
        return landing.land(formula)

    monkeypatch.setattr(engine, "land", recording)

    def double(x: Any) -> Any:
        return x * 2.0

    k = kernel("double", Region(math.inf, double, "", 0.0))
    x = np.linspace(-1.0, 1.0, 3 * engine.BLOCK + 5)
    assert np.array_equal(k(x), 2.0 * x)
    assert landed == [double]  # made once, for all the blocks
    assert np.array_equal(k(x[:16]), 2.0 * x[:16])  # one small block: its fresh result
    assert landed == [double]
