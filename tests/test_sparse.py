"""sparsemax: the exact projection onto the simplex. Known values, hostile rows against
the rational oracle, the Jacobian on the support, the laws as properties, verify and
a graded submission."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from actref import contract, oracle, testing, vectors, verify
from actref.grading import grade_files
from actref.grading.rubric import Limits, load_rubric
from actref.vector_oracle import sparsemax_exact
from actref.vectors import VectorFunction


def _sparsemax() -> VectorFunction:
    vf = vectors.vector("sparsemax")
    assert vf is not None
    return vf


SM = _sparsemax()


def _exact(row: list[float]) -> np.ndarray:
    s, _ = sparsemax_exact(row)
    assert s is not None
    return np.array([float(v) for v in s])  # Fraction -> float rounds correctly


# ------------------------------------------------------------------ known values
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param([0.0, 0.0], [0.5, 0.5], id="sparsemax([0,0]) = [.5,.5]"),
        pytest.param([5.0], [1.0], id="length 1"),
        pytest.param([3.0, 0.2, 0.1, 0.05], [1.0, 0.0, 0.0, 0.0], id="dominant: one-hot"),
        pytest.param([1.0, 1.0, 1.0], [1 / 3, 1 / 3, 1 / 3], id="all equal"),
        pytest.param([0.1, 0.2, 0.35, -0.4], [0.65 / 3, 0.95 / 3, 1.4 / 3, 0.0], id="K=3"),
        pytest.param([2.0, 2.0, 0.5], [0.5, 0.5, 0.0], id="tie at the top"),
        pytest.param([np.inf, 1.0, np.inf], [0.5, 0.0, 0.5], id="+inf share"),
        pytest.param([-np.inf, 2.0, 2.0], [0.0, 0.5, 0.5], id="-inf is 0"),
        pytest.param([1e308, -1e308, 1e308], [0.5, 0.0, 0.5], id="huge spread"),
    ],
)
def test_known_values(row: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(SM(np.array(row)), expected, rtol=4e-16, atol=0)


def test_nan_rows_and_rows_of_minus_inf_are_nan_as_in_softmax() -> None:
    got = SM(np.array([[np.nan, 0.0, 1.0], [-np.inf, -np.inf, -np.inf], [0.0, 1.0, 2.0]]))
    assert np.isnan(got[:2]).all()
    assert np.isfinite(got[2]).all()


def test_cancellation_in_tau_is_exact() -> None:
    # s_1 = (x_1 - x_0 + 1) / 2 is 2.8e-17 next to entries of 0.5: tau cancels
    row = [0.5, -0.49999999999999994]
    assert SM(np.array(row))[1] == _exact(row)[1] == 2.7755575615628914e-17


# --------------------------------------------------------------- hostile rows
def _hostile_rows() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    rows = []
    for n in (2, 3, 4, 7, 12):
        for _ in range(40):
            base = rng.normal(0, rng.choice([1e-3, 1.0, 30.0, 1e6]))
            x = base + rng.normal(0, rng.choice([1e-9, 1e-3, 0.3, 1.0, 5.0]), n)
            s, k = sparsemax_exact(list(x))
            assert s is not None
            if k < n and rng.random() < 0.5:  # an entry at the threshold, a hair off
                i = int(np.argmax([float(v) for v in s]))
                tau = x[i] - float(s[i])
                j = int(np.argmin([float(v) for v in s]))
                x[j] = tau + rng.choice([-1.0, 1.0]) * abs(tau) * 2.0 ** -int(rng.integers(40, 53))
            if rng.random() < 0.3:
                x[int(rng.integers(n))] = x[0]  # ties
            rows.append(x)
    return rows


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.float16], ids=lambda d: np.dtype(d).name
)
def test_within_budget_on_hostile_rows(dtype: type) -> None:
    budget = contract.budget(SM, "value", dtype)
    for x in _hostile_rows():
        if np.abs(x).max() > np.finfo(dtype).max / 2:
            continue  # not a row of this dtype
        xd = x.astype(dtype)
        got = SM(xd)
        want = np.array(
            [oracle.round_to(v, dtype) for v in SM.oracle_row([float(t) for t in xd])], dtype=dtype
        )
        err = contract.contract_ulp_error(got, want, dtype).max()
        assert err <= budget, (
            f"sparsemax(x={xd.tolist()!r}) = {got.tolist()!r}, expected {want.tolist()!r}"
        )


@pytest.mark.slow
@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.float16], ids=lambda d: np.dtype(d).name
)
def test_value_and_jacobian_within_budget_on_the_hard_rows(dtype: type) -> None:
    value = testing.assert_matches_reference(SM.forward, "sparsemax", dtype=dtype)
    jac = testing.assert_matches_reference(SM.jacobian, "sparsemax", dtype=dtype, derivative=True)
    for rep in (value, jac):
        assert not rep.wrong_nonfinite
        assert not rep.wrong_limits
        assert rep.nan_ok


def test_a_row_of_100000() -> None:
    x = np.random.default_rng(2).normal(size=100_000)
    got = SM(x)
    assert contract.contract_ulp_error(got, _exact(list(x))).max() <= 1
    assert np.count_nonzero(got) < 100


def test_rows_along_any_axis_are_bitwise_the_last_axis() -> None:
    m = np.random.default_rng(5).normal(0, 2, size=(6, 40, 3))
    np.testing.assert_array_equal(np.moveaxis(SM(m, axis=0), 0, -1), SM(np.moveaxis(m, 0, -1)))


def test_no_warning_at_any_hard_row() -> None:
    from actref.hard_inputs import hard_rows

    for dt in (np.float64, np.float32, np.float16):
        rows = hard_rows(dt)
        with np.errstate(all="raise", under="ignore"):
            SM(rows)
            SM.jacobian(rows)
            SM.jvp(rows, np.ones(4))


# ------------------------------------------------------------------- Jacobian
def test_jacobian_on_the_support_and_zero_off_it() -> None:
    jac = SM.jacobian(np.array([0.1, 0.2, 0.35, -0.4]))
    k = 3
    want = np.zeros((4, 4))
    want[:3, :3] = np.where(np.eye(3) == 1, (k - 1) / k, -1 / k)  # each rounded once
    np.testing.assert_array_equal(jac, want)


@pytest.mark.parametrize("row", [list(r) for r in SM.fd_rows])
def test_jacobian_matches_finite_differences(row: list[float]) -> None:
    testing.assert_jacobian(SM.forward, SM.jacobian, np.array(row))


def test_jvp_and_vjp_are_products_with_the_jacobian() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(20, 6))
    v = rng.normal(size=(20, 6))
    jac = SM.jacobian(x)
    np.testing.assert_allclose(SM.jvp(x, v), np.einsum("bij,bj->bi", jac, v), atol=1e-15)
    np.testing.assert_allclose(SM.vjp(x, v), np.einsum("bi,bij->bj", v, jac), atol=1e-15)


# ---------------------------------------------------------------------- laws
rows_strategy = arrays(
    np.float64,
    st.integers(1, 9),
    elements=st.floats(-50, 50, allow_nan=False, allow_subnormal=False),
)


@pytest.mark.properties
@given(rows_strategy)
def test_laws_hold(row: np.ndarray) -> None:
    for law in SM.laws:
        if law.name == "shift invariance":
            continue  # needs rows on a grid where + 64 is exact (verify's rows)
        assert not law(SM, row[None, :]), law.name


@pytest.mark.properties
@given(rows_strategy)
def test_matches_the_rational_oracle(row: np.ndarray) -> None:
    assert contract.contract_ulp_error(SM(row), _exact(list(row))).max() <= SM.ulp_budget[0]


def test_verify_proves_it_and_catches_softmax_in_its_place() -> None:
    (report,) = verify.verify([SM])
    assert report.ok, report.failures
    assert report.laws_passed == report.laws_total == 6
    softmax = vectors.vector("softmax")
    assert softmax is not None
    (bad,) = verify.verify([dataclasses.replace(SM, forward=softmax.forward)])
    assert not bad.ok
    assert any("one-hot when the largest leads by 1" in f for f in bad.failures)


# ------------------------------------------------------------------ grading
GOOD = """
import numpy as np

def sparsemax(x):
    z = np.sort(np.asarray(x, dtype=float))[::-1]
    k = np.arange(1, z.size + 1)
    cs = np.cumsum(z)
    kk = k[1 + k * z > cs][-1]
    tau = (cs[kk - 1] - 1) / kk
    return np.maximum(np.asarray(x, dtype=float) - tau, 0.0)
"""
WRONG = """
import numpy as np

def sparsemax(x):
    x = np.asarray(x, dtype=float)
    return np.maximum(x - x.mean(), 0.0)   # not a projection: does not sum to 1
"""


def test_a_rubric_grades_sparsemax(tmp_path: Path) -> None:
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text('[[function]]\nreference = "sparsemax"\n')
    limits = Limits(call_timeout=1.5, import_timeout=4.0, submission_timeout=30.0, memory_mb=512)
    rubric = dataclasses.replace(load_rubric(str(rubric_path)), limits=limits)
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "wrong.py").write_text(WRONG)
    good, wrong = grade_files([str(tmp_path / "good.py"), str(tmp_path / "wrong.py")], rubric)
    assert good is not None
    assert wrong is not None
    status = {r.part: r.status for r in good.results}
    assert status["value"] == status["stability"] == status["vectorized"] == "pass"
    assert status["derivative"] == "missing"
    wrong_status = {r.part: r.status for r in wrong.results}
    assert wrong_status["value"] == "fail"


# ==================================================================== entmax15
def _entmax() -> VectorFunction:
    vf = vectors.vector("entmax15")
    assert vf is not None
    return vf


EM = _entmax()


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # the entmax package's README example: entmax15([-2, 0, 0.5]) = [0, 0.3260, 0.6740]
        pytest.param([-2.0, 0.0, 0.5], [0.0, 0.3260073636615618, 0.6739926363384382], id="README"),
        pytest.param([0.0, 0.0], [0.5, 0.5], id="[0,0]"),
        pytest.param([5.0], [1.0], id="length 1"),
        pytest.param([5.0, 0.2, 0.1, 0.05], [1.0, 0.0, 0.0, 0.0], id="dominant: one-hot"),
        pytest.param([1.0, 1.0, 1.0, 1.0], [0.25] * 4, id="all equal"),
        pytest.param([np.inf, 1.0, np.inf], [0.5, 0.0, 0.5], id="+inf share"),
    ],
)
def test_entmax15_known_values(row: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(EM(np.array(row)), expected, rtol=4e-16, atol=0)


def test_entmax15_is_between_softmax_and_sparsemax() -> None:
    x = np.array([1.0, 0.8, 0.1, -1.0, -3.0])
    nonzero = [np.count_nonzero(f(x)) for f in (SM, EM, vectors.vector("softmax"))]
    assert nonzero == sorted(nonzero)
    assert nonzero[0] < nonzero[2]


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.float16], ids=lambda d: np.dtype(d).name
)
def test_entmax15_within_budget_on_hostile_rows(dtype: type) -> None:
    for x in _hostile_rows()[::3]:
        if np.abs(x).max() > np.finfo(dtype).max / 2:
            continue
        xd = x.astype(dtype)
        got = EM(xd)
        truth = EM.oracle_row([float(t) for t in xd])
        want = np.array([oracle.round_to(v, dtype) for v in truth], dtype=dtype)
        budget = contract.budget(EM, "value", dtype)
        assert contract.contract_ulp_error(got, want, dtype).max() <= budget, xd.tolist()
        if np.dtype(dtype) == np.float64:
            jac = EM.jacobian(xd)
            jtruth = EM.oracle_row([float(t) for t in xd], True)
            jwant = np.array([oracle.round_to(v) for v in jtruth]).reshape(jac.shape)
            assert contract.contract_ulp_error(jac, jwant).max() <= EM.ulp_budget[1], xd.tolist()


@pytest.mark.slow
@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.float16], ids=lambda d: np.dtype(d).name
)
def test_entmax15_value_and_jacobian_on_the_hard_rows(dtype: type) -> None:
    value = testing.assert_matches_reference(EM.forward, "entmax15", dtype=dtype)
    jac = testing.assert_matches_reference(EM.jacobian, "entmax15", dtype=dtype, derivative=True)
    for rep in (value, jac):
        assert not rep.wrong_nonfinite
        assert not rep.wrong_limits
        assert rep.nan_ok


def test_entmax15_long_row_axes_and_no_warning() -> None:
    from actref.hard_inputs import hard_rows

    x = np.random.default_rng(2).normal(size=100_000)
    p = EM(x)
    assert abs(p.sum() - 1) < 1e-12
    m = np.random.default_rng(5).normal(0, 2, size=(6, 40, 3))
    np.testing.assert_array_equal(np.moveaxis(EM(m, axis=0), 0, -1), EM(np.moveaxis(m, 0, -1)))
    with np.errstate(all="raise", under="ignore"):
        for dt in (np.float64, np.float32, np.float16):
            EM(hard_rows(dt))
            EM.jacobian(hard_rows(dt))


@pytest.mark.parametrize("row", [list(r) for r in EM.fd_rows])
def test_entmax15_jacobian_matches_finite_differences(row: list[float]) -> None:
    testing.assert_jacobian(EM.forward, EM.jacobian, np.array(row))


def test_entmax15_jvp_is_the_product_with_the_jacobian() -> None:
    rng = np.random.default_rng(4)
    x, v = rng.normal(size=(20, 6)), rng.normal(size=(20, 6))
    np.testing.assert_allclose(
        EM.jvp(x, v), np.einsum("bij,bj->bi", EM.jacobian(x), v), rtol=1e-12, atol=1e-15
    )


@pytest.mark.properties
@given(rows_strategy)
def test_entmax15_laws_hold(row: np.ndarray) -> None:
    for law in EM.laws:
        if law.name == "shift invariance":
            continue  # needs rows on a grid where + 64 is exact (verify's rows)
        assert not law(EM, row[None, :]), law.name


def test_verify_proves_entmax15() -> None:
    (report,) = verify.verify([EM])
    assert report.ok, report.failures
    assert report.laws_passed == report.laws_total == 6
