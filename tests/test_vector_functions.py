"""The softmax family as first-class functions: the registry's vector table, and
``actref list/show/plot/verify`` on it — including verify catching a wrong one."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

import actref
from actref import vectors, verify
from actref.cli import main


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_the_table_holds_the_family(name: str) -> None:
    vf = vectors.vector(name)
    assert vf is not None
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 0.0]])
    np.testing.assert_array_equal(vf(x), getattr(actref, name)(x))
    assert vf.jacobian(x).shape == (2, 3, 3)


def test_names_ignore_case_and_dashes() -> None:
    assert vectors.vector("Log-Softmax") is vectors.vector("log_softmax")
    assert vectors.vector("relu") is None
    assert {"log_softmax", "softmax", "softmin", "glu"} <= set(vectors.vector_names())


def test_log_softmax_jacobian_is_delta_minus_s_without_cancellation() -> None:
    x = np.array([40.0, 0.0])
    vf = vectors.vector("log_softmax")
    assert vf is not None
    jac = vf.jacobian(x)
    s1 = 1.0 / (1.0 + np.exp(40.0))  # 1 - s_0 = s_1, about 4.2e-18: no cancellation
    assert jac[0, 0] == pytest.approx(s1, rel=1e-15)
    assert jac[0, 1] == pytest.approx(-s1, rel=1e-15)
    assert jac[1, 0] == -1.0
    assert jac[1, 1] == pytest.approx(1.0 - s1, rel=1e-15)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_verify_proves_the_family(name: str) -> None:
    vf = vectors.vector(name)
    assert vf is not None
    (report,) = verify.verify([vf])
    assert report.ok, report.failures
    assert report.value_ulp.worst <= vf.ulp_budget[0]
    assert report.laws_passed == report.laws_total == 3


def _softmax() -> vectors.VectorFunction:
    vf = vectors.vector("softmax")
    assert vf is not None
    return vf


def _naive_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(np.asarray(x, dtype=np.float64))
    return e / e.sum(axis=axis, keepdims=True)


def _jacobian_without_diagonal(x: np.ndarray) -> np.ndarray:
    s = actref.softmax(x)
    return -s[..., :, None] * s[..., None, :]


def test_verify_catches_an_unshifted_softmax() -> None:
    vf = dataclasses.replace(_softmax(), forward=_naive_softmax)
    with np.errstate(all="ignore"):
        (report,) = verify.verify([vf])
    assert not report.ok
    assert any(f.startswith("value vs the oracle: softmax(x=") for f in report.failures)


def test_verify_catches_a_jacobian_missing_its_diagonal() -> None:
    vf = dataclasses.replace(_softmax(), jacobian=_jacobian_without_diagonal)
    (report,) = verify.verify([vf])
    assert not report.ok
    assert any(f.startswith("Jacobian vs finite differences:") for f in report.failures)
    assert any(f.startswith("Jacobian vs the oracle:") for f in report.failures)


def test_list_shows_the_vector_functions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "vector functions (of a whole vector, along an axis):" in out
    assert "\nsoftmax      exp(x_i) / sum_j exp(x_j)" in out


def test_show_prints_the_formula_and_the_jacobian(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "softmax"]) == 0
    out = capsys.readouterr().out
    assert "s_i(x) = exp(x_i) / (exp(x_1) + ... + exp(x_n))" in out
    assert "ds_i/dx_j = s_i (delta_ij - s_j)" in out
    assert main(["show", "log_softmax", "--latex"]) == 0
    assert r"\delta_{ij} - s_j" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "softmax", "--param", "a=1"], "softmax takes no parameters"),
        (["plot", "softmax", "relu"], "softmax is a function of a whole vector: plot it alone"),
    ],
    ids=["show-param", "plot-grid"],
)
def test_vector_misuse_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_plot_writes_the_vector_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "ls.png"
    assert main(["plot", "log_softmax", "--points", "50", "--out", str(target)]) == 0
    assert capsys.readouterr().out == f"{target}\n"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_verify_names_the_family_and_reports_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "softmax", "log_softmax", "--format", "json", "-q"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert [d["function"] for d in docs] == ["softmax", "log_softmax"]
    assert all(d["ok"] and d["vector"] for d in docs)


def test_a_vector_function_asked_as_elementwise_says_where_it_is() -> None:
    with pytest.raises(actref.UnknownActivationError, match="a function of a whole vector"):
        actref.get("softmax")
    with pytest.raises(actref.UnknownActivationError, match="did you mean softmax"):
        actref.get("softmx")


# ------------------------------------------------------------ the table is complete
TABLE = [pytest.param(vf, id=vf.name) for vf in vectors.TABLE]


@pytest.mark.parametrize("vf", TABLE)
def test_every_entry_carries_what_the_package_needs(vf: vectors.VectorFunction) -> None:
    from actref import vector_figures

    assert vf.group in vectors.GROUPS
    assert callable(getattr(vector_figures, vf.figure))
    assert vf.laws
    assert all((vf.formula, vf.derivative, vf.latex, vf.dlatex))
    assert max(vf.ulp_budget) <= 4 or vf.budget_reason
    row = [float(v) for v in vf.fd_rows[0]]
    n, k = len(row), vf.out_size(len(row))
    assert len(vf.oracle_row(row)) == k
    assert len(vf.oracle_row(row, True)) == k * n
    x = np.array(row)
    assert vf(x).shape == (k,)
    assert vf.jacobian(x).shape == (k, n)
    assert vf.jvp(x, np.ones(n)).shape == (k,)
    assert vf.vjp(x, np.ones(k)).shape == (n,)


def test_no_module_tests_a_vector_function_by_name() -> None:
    root = Path(__file__).resolve().parent.parent
    sources = [*(root / "src" / "actref").rglob("*.py"), *(root / "benchmarks").glob("*.py")]
    for path in sources:
        text = path.read_text()
        for name in vectors.vector_names():
            for pattern in (f'== "{name}"', f'!= "{name}"', f"== '{name}'"):
                assert pattern not in text, f"{path.name} tests {pattern}"
