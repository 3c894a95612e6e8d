"""Every kernel :mod:`actref.kernels` exports, held to the rules every kernel shares.

nan in, nan out; ±inf in, the oracle's limit out; no NumPy warning on the hard inputs
in float16, float32 or float64; and the same bits whatever the size and layout of the
input — one element, 16, 10**5 (several of the engine's blocks), a strided view — so
the engine's size-dependent paths (whole block or select, gather, native or widened)
can never disagree. Each kernel is called as the registry calls it,
``kernels.NAME(x, *params)`` with the registry's default parameters.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import pytest

import actref
from actref import contract, kernels, oracle
from actref.hard_inputs import hard_inputs

DTYPES = [
    pytest.param(np.float64, id="float64"),
    pytest.param(np.float32, id="float32"),
    pytest.param(np.float16, id="float16"),
]
LARGE = 10**5


def _uses() -> dict[str, tuple[actref.Activation, str]]:
    """Each exported kernel's name -> the activation and part that call it."""
    by_id = {}
    for act in actref.all_activations():
        by_id[id(act.forward_fn)] = (act, "value")
        by_id[id(act.grad_fn)] = (act, "derivative")
    return {
        name: by_id[id(fn)]
        for name in kernels.__all__
        if callable(fn := getattr(kernels, name)) and id(fn) in by_id
    }


USES = _uses()
KERNELS = [pytest.param(name, id=name) for name in sorted(USES)]


def test_every_exported_kernel_is_called_by_the_registry() -> None:
    functions = [n for n in kernels.__all__ if callable(getattr(kernels, n))]
    assert sorted(functions) == sorted(USES)


def _call(name: str, x: Any) -> np.ndarray:
    act, _ = USES[name]
    return np.asarray(getattr(kernels, name)(x, *act.param_values))


def _bits(a: np.ndarray) -> np.ndarray:
    """The bit patterns, every nan made one (its sign and payload carry nothing)."""
    a = np.where(np.isnan(a), a.dtype.type(np.nan), a)
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


def _hard(name: str, dtype: Any) -> np.ndarray:
    act, _ = USES[name]
    return hard_inputs(dtype, [k.at for k in act.kinks])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", KERNELS)
def test_nan_in_nan_out(name: str, dtype: Any) -> None:
    got = _call(name, np.array([np.nan, 1.0, np.nan, -1.0], dtype=dtype))
    assert got.dtype == np.dtype(dtype)
    assert np.isnan(got[[0, 2]]).all(), f"{name}(x=nan) = {got[0]!r}, expected nan"
    assert not np.isnan(got[[1, 3]]).any()


@functools.cache
def _limits(name: str) -> tuple[Any, Any]:
    """The exact limits at -inf and +inf (mpmath), once per session."""
    act, part = USES[name]
    expr = act.expr if part == "value" else act.dexpr
    return oracle.evaluate(expr, -np.inf), oracle.evaluate(expr, np.inf)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", KERNELS)
def test_infinities_give_the_limits(name: str, dtype: Any) -> None:
    act, part = USES[name]
    want = np.array([oracle.round_to(v, dtype) for v in _limits(name)], dtype=dtype)
    xs = np.array([-np.inf, np.inf], dtype=dtype)
    got = _call(name, xs)
    err = contract.contract_ulp_error(got, want, dtype)
    bad = contract.findings(
        contract.label(act.name, part),
        xs,
        got,
        want,
        err,
        params=contract.params_text(act.params),
        budget=contract.budget(act, part, dtype),
    )
    assert not bad, "; ".join(f.describe() for f in bad)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", KERNELS)
def test_no_warning_on_the_hard_inputs(name: str, dtype: Any) -> None:
    xs = _hard(name, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _call(name, xs)
    assert got.dtype == np.dtype(dtype)
    assert got.shape == xs.shape


def _large(name: str, dtype: Any) -> np.ndarray:
    """The hard inputs spread over 10**5 elements among normal draws, so every block
    mixes regions (and one holds only nan, one only the far left)."""
    hard = _hard(name, dtype)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 3, LARGE).astype(dtype)
    x[rng.choice(LARGE, hard.size, replace=False)] = hard
    x[-5000:-4000] = np.nan
    x[-3000:-2000] = -np.finfo(dtype).max
    return x


def size_differences(fn: Any, x: np.ndarray) -> dict[str, list[float]]:
    """Where ``fn`` on parts of ``x`` (one element, 16, a strided or transposed view, a
    0-d array) gives other bits than on the whole of it: the inputs, by path."""
    with np.errstate(all="ignore"):  # warnings are another test's; bits are this one's
        full = _bits(np.asarray(fn(x)))
        picks = np.random.default_rng(1).choice(x.size, 300, replace=False)
        one = np.concatenate([_bits(np.asarray(fn(x[i : i + 1]))) for i in picks])
        sixteen = np.concatenate(
            [_bits(np.asarray(fn(x[i : i + 16]))) for i in range(0, 4096, 16)]
        )
        strided = _bits(np.asarray(fn(x[::3])))
        transposed = _bits(np.asarray(fn(x[: 300 * 300].reshape(300, 300).T)))
        scalar = _bits(np.asarray(fn(x[picks[0]])))
    where = {
        "one element": picks[np.flatnonzero(one != full[picks])],
        "16 elements": np.flatnonzero(sixteen != full[:4096]),
        "x[::3]": np.flatnonzero(strided != full[::3]) * 3,
        # transposed[i, j] is fn(x[300 j + i])
        "a transposed view": np.flatnonzero(
            (transposed != full[: 300 * 300].reshape(300, 300).T).T.ravel()
        ),
        "a 0-d array": picks[: int(scalar.shape != () or scalar != full[picks[0]])],
    }
    return {k: [float(x[i]) for i in v[:3]] for k, v in where.items() if v.size}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", KERNELS)
def test_same_bits_at_every_size_and_layout(name: str, dtype: Any) -> None:
    differ = size_differences(lambda v: _call(name, v), _large(name, dtype))
    assert not differ, f"{name}: the result at 10**5 elements differs from {differ}"


def test_a_size_dependent_kernel_is_caught() -> None:
    """The test itself: a formula that looks at how many elements it is given (more
    than 1000 in a block: the 90,000-element view fills whole blocks, as x does)."""
    from actref.kernels.engine import Region, kernel

    sly = kernel("sly", Region(np.inf, lambda x: x + (x.size > 1000) * 2.0**-40, "", 0.0))
    differ = size_differences(sly, np.linspace(-1.0, 1.0, LARGE))
    assert set(differ) == {"one element", "16 elements", "x[::3]", "a 0-d array"}
