"""The one accuracy contract (actref.contract): ULP error, the subnormal rule, budgets,
the finding's message — and every path that holds a result to the truth uses it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import actref
from actref import contract, testing, verify
from tests.test_accuracy import _measure

TINY = float(np.finfo(np.float64).smallest_normal)
SUB = 1e-310  # a subnormal float64


def test_ulp_error_counts_floats_between() -> None:
    one = 1.0
    assert contract.ulp_error(np.nextafter(one, 2.0), one) == 1
    assert contract.ulp_error(-0.0, 0.0) == 0
    assert contract.ulp_error(np.nan, np.nan) == 0
    assert contract.ulp_error(np.nan, 1.0) == np.inf
    assert contract.ulp_error(np.inf, -np.inf) == np.inf
    assert contract.ulp_error(np.float32(1.5), np.float32(1.5), np.float32) == 0


@pytest.mark.parametrize(
    ("got", "truth", "held"),
    [
        pytest.param(0.0, SUB, False, id="flush of a subnormal truth: not held"),
        pytest.param(2 * SUB, SUB, False, id="another subnormal: not held"),
        pytest.param(-SUB, SUB, False, id="a subnormal of the other sign: not held"),
        pytest.param(0.25, SUB, True, id="a normal result for a subnormal truth: held"),
        pytest.param(TINY, SUB, True, id="the smallest normal for a subnormal truth: held"),
        pytest.param(np.nan, SUB, True, id="nan for a subnormal truth: held"),
        pytest.param(SUB, 0.0, True, id="a subnormal where the truth is exactly 0: held"),
        pytest.param(0.0, TINY, True, id="a flush of the smallest normal: held"),
    ],
)
def test_the_subnormal_rule(got: float, truth: float, held: bool) -> None:
    assert bool(contract.not_held(got, truth)) is not held
    err = float(contract.contract_ulp_error(got, truth))
    assert (err > 0) is held


def test_budget_reads_the_registry() -> None:
    gelu = actref.get("gelu")
    assert contract.budget(gelu, "value") == gelu.ulp_budget[0]
    assert contract.budget(gelu, "derivative") == gelu.ulp_budget[1]
    assert contract.budget(gelu, "value", np.float32) == contract.NARROW_BUDGET
    assert contract.budget(None) == contract.VECTOR_BUDGET
    with pytest.raises(ValueError, match="`part` must be"):
        contract.budget(gelu, "grad")  # type: ignore[arg-type]


def test_finding_message_shape() -> None:
    f = contract.Finding("gelu", -37.5, 0.0, -1.9e-306, 1.2e293)
    assert f.describe() == "gelu(x=-37.5) = 0.0, expected -1.9e-306 (error 1.2e+293 ULP)"
    g = contract.Finding("softplus'", 2.0, 1.0, 0.5, 3.0, ", beta=0.1", budget=4)
    assert g.describe() == (
        "softplus'(x=2.0, beta=0.1) = 1.0, expected 0.5 (error 3 ULP, budget 4)"
    )
    assert g.ok
    row = contract.Finding("softmax", (1.0, 2.0), 0.5, 0.25, 7.0, index=(1,))
    assert row.describe() == "softmax(x=[1.0, 2.0])[1] = 0.5, expected 0.25 (error 7 ULP)"


def test_findings_worst_first_and_over_budget_only() -> None:
    xs = np.array([1.0, 2.0, 3.0])
    got = np.array([1.0, 2.0, 3.0])
    errs = np.array([1.0, 9.0, 5.0])
    found = contract.findings("f", xs, got, got, errs, budget=4)
    assert [f.x for f in found] == [2.0, 3.0]
    assert contract.findings("f", xs, got, got, errs, limit=1)[0].ulp == 9.0


# ------------------------------------------- one contract, every path (issue 14 §1)
def _patched(x: np.ndarray) -> np.ndarray:
    """sigmoid, but 0.25 on (-745, -709), where the true value is subnormal."""
    out = np.asarray(actref.get("sigmoid")(x), dtype=np.float64).copy()
    out[(x > -745) & (x < -709)] = 0.25
    return out


def _patched_act() -> actref.Activation:
    sig = actref.get("sigmoid")
    return dataclasses.replace(sig, forward_fn=lambda x, *_: _patched(np.asarray(x)))


def test_patched_sigmoid_is_caught_by_verify() -> None:
    report = verify.verify_one(_patched_act())
    assert not report.ok
    assert report.value_ulp.worst > 1e18
    assert -745 < report.value_ulp.at < -709
    assert report.failures[0].startswith("value vs SymPy (oracle): sigmoid(x=-7")
    assert "= 0.25, expected" in report.failures[0]


def test_patched_sigmoid_is_caught_by_the_accuracy_sweep() -> None:
    act = _patched_act()
    xs, _, _, err = _measure(act, "value", np.float64)
    inside = (xs > -745) & (xs < -709)
    assert inside.any()
    assert (err[inside] > 1e18).all()
    assert err.max() > contract.budget(act, "value")


def test_patched_sigmoid_is_caught_by_assert_matches_reference() -> None:
    with pytest.raises(AssertionError, match=r"sigmoid\(x=-7\d\d[.\d]*\) = 0\.25, expected"):
        testing.assert_matches_reference(_patched, "sigmoid")
    report = testing.compare(_patched, "sigmoid")
    assert report.max_ulp > 1e18


def test_a_finding_without_an_error_clause_is_the_graders_message() -> None:
    # the grader holds students to a tolerance, not ULPs: its failure message is the
    # contract's finding without the error clause (tests/test_grading.py checks the
    # messages of real submissions against this shape)
    f = contract.Finding("sigmoid", -7.0, 0.0, 0.0009110511944006454, ulp=None)
    assert f.describe() == "sigmoid(x=-7.0) = 0.0, expected 0.0009110511944006454"
    assert f.ok
    g = contract.Finding("gelu'", -37.7, 0.0, 1e-300, ulp=3.0, budget=4.0)
    assert g.describe().endswith("(error 3 ULP, budget 4)")
