"""The gated linear units (glu, swiglu, geglu, reglu) and softmin: the table's value,
Jacobian and products against the mpmath oracle, finite differences and each other;
their laws as properties; torch's conventions; the grader naming them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import actref
from actref import testing, vectors, verify
from actref.cli import main
from actref.grading import grade_files
from actref.grading.rubric import Limits, Rubric, load_rubric
from actref.vectors import VectorFunction

GATED = [pytest.param(vf, id=vf.name) for vf in vectors.TABLE if vf.group == "gated"]
NEW = [
    pytest.param(vf, id=vf.name)
    for vf in vectors.TABLE
    if vf.figure in ("gated_figure", "normalising_figure")
]


def _vf(name: str) -> VectorFunction:
    vf = vectors.vector(name)
    assert vf is not None
    return vf


# ------------------------------------------------------------------ the oracle
@pytest.mark.slow
@pytest.mark.parametrize("vf", NEW)
@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.float16], ids=lambda d: np.dtype(d).name
)
def test_value_and_jacobian_within_budget_on_the_hard_rows(
    vf: VectorFunction, dtype: type
) -> None:
    value = testing.assert_matches_reference(vf.forward, vf.name, dtype=dtype)
    jac = testing.assert_matches_reference(vf.jacobian, vf.name, dtype=dtype, derivative=True)
    for rep in (value, jac):
        assert not rep.wrong_nonfinite
        assert not rep.wrong_limits
        assert rep.nan_ok
    if np.dtype(dtype) == np.float64:
        assert value.max_ulp <= vf.ulp_budget[0]
        assert jac.max_ulp <= vf.ulp_budget[1]


@pytest.mark.parametrize("vf", NEW)
def test_a_budget_above_4_says_why(vf: VectorFunction) -> None:
    assert max(vf.ulp_budget) <= 4 or vf.budget_reason


def test_glu_of_a_subnormal_gate_times_a_large_value_is_exact() -> None:
    # sigmoid(-709.78) is subnormal (the registry's kernel flushes it): the product is not
    row = np.array([709.7827128933841, 354.89135644669204, 177.44567822334602, -709.7827128933841])
    testing.assert_matches_reference(_vf("glu").forward, "glu", inputs=row[None, :])
    assert _vf("glu")(row)[1] > 1e-306


# ------------------------------------------------------- derivatives and products
ROWS = np.array([[0.3, -1.2, 2.5, 0.7, -0.4, 1.9], [4.0, -3.0, 0.25, -2.2, 1.1, 0.6]])


@pytest.mark.parametrize("vf", NEW)
def test_jacobian_matches_finite_differences(vf: VectorFunction) -> None:
    for row in ROWS:
        testing.assert_jacobian(vf.forward, vf.jacobian, row)


@pytest.mark.parametrize("vf", NEW)
def test_jvp_and_vjp_are_products_with_the_jacobian(vf: VectorFunction) -> None:
    rng = np.random.default_rng(3)
    jac = vf.jacobian(ROWS)
    v = rng.normal(size=ROWS.shape)
    u = rng.normal(size=(2, vf.out_size(ROWS.shape[-1])))
    np.testing.assert_allclose(
        vf.jvp(ROWS, v), np.einsum("bij,bj->bi", jac, v), rtol=1e-13, atol=1e-15
    )
    np.testing.assert_allclose(
        vf.vjp(ROWS, u), np.einsum("bi,bij->bj", u, jac), rtol=1e-13, atol=1e-15
    )


@pytest.mark.parametrize("vf", GATED)
def test_gated_jacobian_is_m_by_2m_and_diagonal_in_blocks(vf: VectorFunction) -> None:
    jac = vf.jacobian(ROWS)
    assert jac.shape == (2, 3, 6)
    off = jac.copy()
    idx = np.arange(3)
    off[:, idx, idx] = 0
    off[:, idx, 3 + idx] = 0
    assert not off.any()


# ---------------------------------------------------------------- torch's spelling
def test_glu_splits_like_torch() -> None:
    # torch.nn.GLU's documented example: a = first half, b = second half, a * sigmoid(b)
    got = _vf("glu")(np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]))
    np.testing.assert_allclose(got, [[0.9526, 1.9640], [4.9954, 5.9980]], atol=1e-4)


def test_glu_of_an_odd_axis_is_one_line() -> None:
    with pytest.raises(ValueError, match="odd length 3; it must split in two halves") as info:
        _vf("glu")(np.ones(3))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("vf", GATED)
def test_rows_along_any_axis_are_bitwise_the_last_axis(vf: VectorFunction) -> None:
    rng = np.random.default_rng(5)
    m = rng.normal(0, 30, size=(8, 5, 3))
    along0 = vf(m, axis=0)
    last = vf(np.moveaxis(m, 0, -1))
    assert along0.shape == (4, 5, 3)
    np.testing.assert_array_equal(np.moveaxis(along0, 0, -1), last)


@pytest.mark.parametrize("vf", NEW)
def test_huge_rows_and_narrow_dtypes(vf: VectorFunction) -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(0, 50, 100_000)
    y = vf(x)
    assert y.shape == (vf.out_size(100_000),)
    assert np.isfinite(y).all()
    for dt in (np.float32, np.float16):
        narrow = vf(x[:1000].astype(dt))
        assert narrow.dtype == dt
        np.testing.assert_array_equal(
            narrow, vf(x[:1000].astype(dt).astype(np.float64)).astype(dt)
        )


@pytest.mark.parametrize("vf", GATED)
def test_gated_infinities_and_nan_follow_ieee(vf: VectorFunction) -> None:
    # a = [2, inf, nan, -3, inf], b = [1, 1, 1, -inf, nan]: entrywise, as torch
    y = vf(np.array([2.0, np.inf, np.nan, -3.0, np.inf, 1.0, 1.0, 1.0, -np.inf, np.nan]))
    assert y[0] == vf(np.array([2.0, 1.0]))[0]
    assert y[1] == np.inf  # an infinite value through an open gate
    assert np.isnan(y[2])  # a nan value
    assert y[3] == 0.0  # a finite value through a closed gate (b = -inf)
    assert np.isnan(y[4])  # a nan gate


def test_softmin_is_softmax_of_the_negated_row_bitwise() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(0, 100, size=(50, 7))
    np.testing.assert_array_equal(actref.softmin(x), actref.softmax(-x))
    np.testing.assert_array_equal(actref.softmin(x, axis=0), actref.softmax(-x, axis=0))


# --------------------------------------------------------------------- laws
finite_rows = arrays(
    np.float64,
    st.sampled_from([2, 4, 6, 10]),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False),
)


@pytest.mark.properties
@given(finite_rows)
def test_glu_with_open_gates_gives_a(row: np.ndarray) -> None:
    a = row[: row.size // 2]
    np.testing.assert_array_equal(_vf("glu")(np.concatenate([a, np.full_like(a, np.inf)])), a)


@pytest.mark.properties
@pytest.mark.parametrize("vf", GATED)
@given(row=finite_rows)
def test_gated_laws_hold(vf: VectorFunction, row: np.ndarray) -> None:
    for law in vf.laws:
        assert not law(vf, row[None, :]), law.name


@pytest.mark.properties
@given(finite_rows)
def test_softmin_laws_hold(row: np.ndarray) -> None:
    vf = _vf("softmin")
    for law in vf.laws:
        if law.name == "shift invariance":
            continue  # needs rows on a grid where + 64 is exact (verify's rows)
        assert not law(vf, row[None, :]), law.name


# ------------------------------------------------------------------ verify and CLI
@pytest.mark.parametrize("vf", NEW)
def test_verify_proves_it(vf: VectorFunction) -> None:
    (report,) = verify.verify([vf])
    assert report.ok, report.failures
    assert report.laws_passed == report.laws_total >= 3


def test_verify_catches_swapped_halves() -> None:
    vf = _vf("glu")

    def swapped(x: np.ndarray, axis: int = -1) -> np.ndarray:
        a, b = np.split(np.asarray(x, dtype=float), 2, axis=axis)
        return vf(np.concatenate([b, a], axis=axis), axis=axis)

    (report,) = verify.verify([dataclasses.replace(vf, forward=swapped)])
    assert not report.ok
    assert any(f.startswith("value vs the oracle: glu(x=") for f in report.failures)


def test_verify_catches_a_wrong_jvp() -> None:
    vf = _vf("swiglu")
    (report,) = verify.verify([dataclasses.replace(vf, jvp=lambda x, v: 2 * vf.jvp(x, v))])
    assert any(f.startswith("products vs the Jacobian: swiglu jvp") for f in report.failures)


def test_list_groups_the_vector_functions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    normalising, gated = out.index("[normalising:"), out.index("[gated:")
    assert normalising < out.index("\nsoftmin ") < gated < out.index("\nglu ")


@pytest.mark.parametrize(
    "name",
    [vf.name for vf in vectors.TABLE if vf.figure in ("gated_figure", "normalising_figure")],
)
def test_show_and_plot(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", name]) == 0
    assert "Jacobian =" in capsys.readouterr().out
    target = tmp_path / f"{name}.png"
    assert main(["plot", name, "--points", "50", "--out", str(target)]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------- grading
GOOD = """
import numpy as np

def glu(x):
    a, b = np.split(np.asarray(x, dtype=float), 2, axis=-1)
    return a * (0.5 + 0.5 * np.tanh(b / 2))

def glu_derivative(x):
    a, b = np.split(np.asarray(x, dtype=float), 2, axis=-1)
    s = 0.5 + 0.5 * np.tanh(b / 2)
    m = a.shape[-1]
    return np.concatenate([np.diag(s), np.diag(a * s * (1 - s))], axis=1).reshape(m, 2 * m)
"""
WRONG = """
import numpy as np

def glu(x):
    a, b = np.split(np.asarray(x, dtype=float), 2, axis=-1)
    return b / (1 + np.exp(-a))   # the halves swapped
"""


def _rubric(tmp_path: Path, name: str) -> Rubric:
    path = tmp_path / "rubric.toml"
    path.write_text(f'[[function]]\nreference = "{name}"\n')
    limits = Limits(call_timeout=1.5, import_timeout=4.0, submission_timeout=30.0, memory_mb=512)
    return dataclasses.replace(load_rubric(str(path)), limits=limits)


def test_a_rubric_grades_glu(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "wrong.py").write_text(WRONG)
    good, wrong = grade_files(
        [str(tmp_path / "good.py"), str(tmp_path / "wrong.py")], _rubric(tmp_path, "glu")
    )
    assert good is not None
    assert wrong is not None
    assert good.score == good.max_score
    status = {r.part: r.status for r in wrong.results}
    assert status["value"] == "fail"
    assert status["derivative"] == "missing"
    message = next(r.message for r in wrong.results if r.part == "value")
    assert message.startswith("glu(x=[1.0, 2.0]) = [")
