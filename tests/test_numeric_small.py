"""Values do not depend on the array's length.

The kernels take shortcuts on small blocks (every branch computed and selected, Python
scans, the series summed in Python floats) and split large ones into regions and
blocks. Each element's value must be the same whichever path it went through: here
one long array is evaluated whole and again in chunks of every size around each
threshold (_SMALL, the Python-loop limits, the blend limit, the block size).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import actref
from actref.hard_inputs import hard_inputs
from actref.kernels.engine import BLOCK

ALL = [pytest.param(act, id=act.name) for act in actref.all_activations()]

CHUNKS = (1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 32, 33, 255, 256, 257, 1023, 1024, 1025)
SORTED_CHUNKS = (300, 1100)


def _mixed_input(act: Any, dtype: type[np.floating[Any]]) -> NDArray[Any]:
    """Hard inputs and every branch neighbourhood, shuffled, with nan and ±inf."""
    rng = np.random.default_rng(6)
    parts = [
        hard_inputs(np.float64, [k.at for k in act.kinks], dense=60),
        rng.normal(0.0, 4.0, 300),
        rng.uniform(-1.6, -0.3, 200),  # gelu' zero, silu' and mish' zeros, switches
        rng.uniform(-1.6, 1.6, 200),  # tanhshrink's series
        rng.uniform(-25.0, -15.0, 60),  # gelu_tanh's deep tail
        rng.uniform(-900.0, -250.0, 60),  # far-left forms
        np.array([np.nan, np.inf, -np.inf] * 5),
    ]
    x = np.concatenate(parts)
    rng.shuffle(x)
    with np.errstate(over="ignore"):  # the float32 cast of the largest inputs is inf
        return x.astype(dtype)


def _check_chunked(name: str, fn: Any, x: NDArray[Any], sizes: tuple[int, ...]) -> None:
    whole = fn(x)
    for size in sizes:
        parts = [fn(x[i : i + size]) for i in range(0, x.size, size)]
        got = np.concatenate(parts)
        bad = np.flatnonzero(~((got == whole) | (np.isnan(got) & np.isnan(whole))))
        if bad.size:
            j = bad[0]
            raise AssertionError(
                f"{name}(x={x[j]!r}) = {got[j]!r} in blocks of {size}, expected {whole[j]!r}"
                f" as in one array of {x.size} ({bad.size} elements differ)"
            )


@pytest.mark.parametrize("act", ALL)
def test_value_does_not_depend_on_the_array_length_float64(act: actref.Activation) -> None:
    if act.name in ("softmax", "log_softmax", "logsumexp"):
        pytest.skip("not elementwise")
    x = _mixed_input(act, np.float64)
    assert x.size > 1025
    _check_chunked(act.name, act, x, CHUNKS)
    _check_chunked(f"{act.name}'", act.grad, x, CHUNKS)
    # sorted, a long block holds one region only (all in gelu's tail, say)
    _check_chunked(act.name, act, np.sort(x), SORTED_CHUNKS)
    _check_chunked(f"{act.name}'", act.grad, np.sort(x), SORTED_CHUNKS)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("softplus", {"beta": 0.3}),
        ("celu", {"alpha": 0.3}),
        ("elu", {"alpha": 2.5}),
        ("squareplus", {"b": 1e290}),
        ("squareplus", {"b": 0.01}),
        ("leaky_relu", {"negative_slope": 1.7}),
        ("hardtanh", {"min_val": -2.0, "max_val": 0.3}),
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_does_not_depend_on_the_array_length_with_parameters(
    name: str, params: dict[str, float], dtype: type[np.floating[Any]]
) -> None:
    act = actref.get(name, **params)
    x = _mixed_input(act, dtype)
    for xs, sizes in ((x, CHUNKS), (np.sort(x), SORTED_CHUNKS)):
        with np.errstate(over="ignore"):  # float32 results beyond its range are inf
            _check_chunked(str(act), act, xs, sizes)
            _check_chunked(f"{act}'", act.grad, xs, sizes)


@pytest.mark.parametrize("act", ALL)
def test_value_does_not_depend_on_the_array_length_float32(act: actref.Activation) -> None:
    dtype = np.float32
    if act.name in ("softmax", "log_softmax", "logsumexp"):
        pytest.skip("not elementwise")
    x = _mixed_input(act, dtype)
    assert x.size > 1025
    _check_chunked(act.name, act, x, CHUNKS)
    _check_chunked(f"{act.name}'", act.grad, x, CHUNKS)


@pytest.mark.parametrize(
    "name", ["gelu", "gelu_tanh", "mish", "silu", "tanhshrink", "squareplus", "softplus"]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_value_does_not_depend_on_the_block_split(name: str, dtype: type) -> None:
    # beyond one block, arrays are evaluated in blocks of _BLOCK elements (float32
    # widened to float64 block by block)
    act = actref.get(name)
    base = _mixed_input(act, dtype)
    x = np.resize(base, BLOCK + 7)
    _check_chunked(name, act, x, (BLOCK, 5000))
    _check_chunked(f"{name}'", act.grad, x, (BLOCK, 5000))


def test_chunked_check_catches_a_size_dependent_kernel() -> None:
    # the check itself: a function whose small path rounds differently must fail it
    def size_dependent(x: NDArray[np.float64]) -> NDArray[np.float64]:
        y = np.asarray(x, dtype=np.float64) / 3.0
        return y * 3.0 if y.size <= 16 else y * 3.0000000000000004

    x = np.linspace(1.0, 2.0, 40)
    with pytest.raises(AssertionError, match=r"in blocks of 1, expected"):
        _check_chunked("size_dependent", size_dependent, x, (1,))
