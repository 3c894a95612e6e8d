"""actref.strategies (hypothesis) and the pytest plugin (fixtures hard_inputs,
actref_reference), used the way another project's test suite uses them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import find, given

import actref
from actref import strategies as ast
from actref.pytest_plugin import ActrefReference

pytest_plugins = ["pytester"]


# ------------------------------------------------------------------ strategies
@given(ast.hard_floats("float32"))
def test_hard_floats_are_floats_of_the_dtype(x: float) -> None:
    assert math.isnan(x) or float(np.float32(x)) == x


@pytest.mark.parametrize(
    ("dtype", "tiny", "threshold"),
    [
        ("float32", 1.1754943508222875e-38, 88.72283935546875),
        ("float64", 2.2250738585072014e-308, 709.782712893384),
    ],
)
def test_hard_floats_reach_subnormals_thresholds_and_infinity(
    dtype: str, tiny: float, threshold: float
) -> None:
    strat = ast.hard_floats(dtype)
    assert 0 < abs(find(strat, lambda v: 0 < abs(v) < tiny)) < tiny
    assert find(strat, lambda v: v == math.inf) == math.inf
    assert find(strat, lambda v: v == threshold) == threshold
    with pytest.raises(TypeError, match=r"^`dtype` must be float16, float32 or float64"):
        ast.hard_floats("int8")


def test_kinks_are_the_kinks_and_their_neighbours() -> None:
    values = set()
    strat = ast.kinks("hardtanh", "float32", neighbours=1)
    for target in (-1.0, 1.0, float(np.nextafter(np.float32(1), np.float32(2)))):
        values.add(find(strat, lambda v, t=target: v == t))
    assert len(values) == 3
    assert find(ast.kinks("relu"), lambda v: v > 0) == 5e-324
    assert find(ast.kinks("celu"), lambda v: v == 0.0) == 0.0  # a smooth join counts
    assert find(ast.kinks(actref.get("leaky_relu")), lambda v: v == 0.0) == 0.0
    with pytest.raises(ValueError, match=r"^tanh has no kinks; use hard_floats"):
        ast.kinks("tanh")


@given(ast.kinks("hardtanh", params={"min_val": -2.0, "max_val": 3.0}))
def test_kinks_follow_parameters(x: float) -> None:
    assert min(abs(x + 2.0), abs(x - 3.0)) < 1e-14


def test_special_points_hold_thresholds_of_both_signs_and_kinks() -> None:
    strat = ast.special_points("relu6", "float64")
    assert find(strat, lambda v: v == -745.1332191019412) == -745.1332191019412
    assert find(strat, lambda v: v == 6.0) == 6.0
    assert find(strat, lambda v: v == -math.inf) == -math.inf


@given(ast.hard_arrays("float32", "relu", max_size=8))
def test_hard_arrays_have_the_dtype_and_size(a: np.ndarray) -> None:
    assert a.dtype == np.float32
    assert 1 <= a.size <= 8


@given(ast.softmax_rows("float64", max_size=6))
def test_softmax_rows_sum_to_one_in_actref(row: np.ndarray) -> None:
    assert row.dtype == np.float64
    assert np.all(np.isfinite(row))
    assert actref.softmax(row).sum() == pytest.approx(1.0, rel=1e-12)


def test_softmax_rows_tie_the_maximum_sometimes() -> None:
    row = find(ast.softmax_rows(min_size=3), lambda r: r.size >= 3 and (r == r.max()).sum() >= 2)
    assert (row == row.max()).sum() >= 2
    inf_row = find(ast.softmax_rows(allow_infinity=True), lambda r: bool(np.isinf(r).any()))
    assert np.isinf(inf_row).any()


# ------------------------------------------------------------------ the fixtures
def test_hard_inputs_fixture(hard_inputs) -> None:  # type: ignore[no-untyped-def]
    xs = hard_inputs()
    assert xs.dtype == np.float64
    assert np.isnan(xs).sum() == 1
    relu = hard_inputs("relu", "float32")
    assert relu.dtype == np.float32
    assert np.float32(np.nextafter(np.float32(0), np.float32(1))) in relu
    assert hard_inputs("softmax").shape[1] == 4


def test_actref_reference_fixture(actref_reference: ActrefReference) -> None:
    assert actref_reference.dtype == "float64"
    rep = actref_reference.assert_matches(np.tanh, "tanh", max_ulp=2)
    assert rep.dtype == np.float64
    with pytest.raises(AssertionError, match=r"^sigmoid: "):
        actref_reference.assert_matches(lambda v: 1 / (1 + np.exp(-v)) + 1e-9, "sigmoid")
    actref_reference.assert_derivative(np.sin, np.cos, [0.5])
    _, truth = actref_reference.values("relu", [-1.0, 2.0])
    assert truth.tolist() == [0.0, 2.0]
    assert actref_reference.compare(np.tanh, "tanh", dtype="float32").dtype == np.float32


EXAMPLE = """
import numpy as np

def my_sigmoid(x):
    return 1 / (1 + np.exp(-x))

def test_sigmoid(actref_reference):
    actref_reference.assert_matches(my_sigmoid, "sigmoid", max_ulp=2)

def test_inputs(hard_inputs):
    assert hard_inputs().dtype == np.dtype({dtype!r})
"""


def test_the_plugin_is_installed_and_takes_its_dtype_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_example=EXAMPLE.format(dtype="float32"))
    pytester.runpytest("-p", "no:cacheprovider", "--actref-dtype", "float32").assert_outcomes(
        passed=2
    )
    pytester.makeini("[pytest]\nactref_dtype = float32\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    result = pytester.runpytest("-p", "no:cacheprovider", "--actref-dtype", "float64")
    result.assert_outcomes(passed=1, failed=1)  # the option wins over the ini file
    result = pytester.runpytest("-p", "no:cacheprovider", "--actref-dtype", "int8")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*actref_dtype 'int8' is not known; accepted: float64*"])
