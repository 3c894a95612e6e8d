"""`actref compare MODULE:FUNC --as NAME`: the conformance report from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actref.cli import main

KERNELS = """
import math
import numpy as np
from scipy.special import erf

def naive_gelu(x):
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))

def good_tanh(x):
    return np.tanh(x)

def scalar_tanh(x):
    return math.tanh(x)

def relu_grad(x):
    return np.heaviside(x, 0.0)  # nan stays nan

def relu_grad_nan_to_0(x):
    return (x > 0).astype(x.dtype)

def broken(x):
    raise RuntimeError("not implemented yet")

NOT_A_FUNCTION = 3
"""


@pytest.fixture
def kernels(tmp_path: Path) -> str:
    path = tmp_path / "cli_compare_kernels.py"
    path.write_text(KERNELS)
    return str(path)


def test_within_the_bound_exits_0(kernels: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", f"{kernels}:good_tanh", "--as", "tanh", "--max-ulp", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tanh: float64, ")
    assert out.rstrip().endswith("OK: every entry within 2 ULP")


def test_a_broken_bound_exits_1_naming_the_worst(
    kernels: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["compare", f"{kernels}:naive_gelu", "--as", "gelu", "--dtype", "float32"]
    assert main([*argv, "--max-ulp", "2"]) == 1
    out = capsys.readouterr().out
    fail = out[out.index("FAIL: ") :].splitlines()
    assert fail[0].startswith("FAIL: ")
    assert fail[0].endswith(" of 1904 entries off by more than 2 ULP:")
    assert fail[1] == "  gelu(x=-inf) = nan, expected 0.0 (error inf ULP)"
    assert fail[2].startswith("  gelu(x=-8.399999618530273) = -0.0, expected -1.875")
    assert len(fail) == 6
    # without a bound it is a report only
    assert main(argv) == 0


def test_json_and_md(kernels: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compare", f"{kernels}:naive_gelu", "--as", "gelu", "--atol", "1e-15"]
    assert main([*argv, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["failures"] == 1  # the limit at -inf: the tails are within 1e-15
    assert data["bound"] == {"max_ulp": None, "atol": 1e-15, "rtol": None}
    assert data["wrong_limits"][0]["x"] == "-inf"
    assert main([*argv, "--format", "md"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("## gelu: float64")
    assert "## verdict" in out


def test_derivative_params_and_kinks(kernels: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compare", f"{kernels}:relu_grad", "--as", "relu", "--derivative", "--max-ulp", "0"]
    assert main(argv) == 0
    assert "kink: relu'(x=0.0) = 0.0; convention 0" in capsys.readouterr().out
    argv = ["compare", f"{kernels}:relu_grad", "--as", "leaky_relu", "--derivative"]
    assert main([*argv, "--param", "negative_slope=0.1", "--max-ulp", "1"]) == 1
    out = capsys.readouterr().out
    assert ", negative_slope=0.1) = 0.0, expected 0.1 (error " in out
    argv = ["compare", f"{kernels}:relu_grad_nan_to_0", "--as", "relu", "--derivative"]
    assert main([*argv, "--max-ulp", "0"]) == 1
    assert (
        "FAIL: 1 of 1906 entries off by more than 0 ULP:\n  relu'(x=nan) = 0.0, expected nan"
        in (capsys.readouterr().out)
    )


def test_scalar_functions_are_called_per_number(
    kernels: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", f"{kernels}:scalar_tanh", "--as", "tanh", "--max-ulp", "1"]) == 0
    assert "called one Python number at a time" in capsys.readouterr().out


def test_a_module_on_the_path(
    kernels: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(Path(kernels).parent)
    monkeypatch.syspath_prepend(str(Path(kernels).parent))
    assert main(["compare", "cli_compare_kernels:good_tanh", "--as", "tanh"]) == 0
    assert main(["compare", "numpy:tanh", "--as", "tanh", "--max-ulp", "2"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{k}", "--as", "tanh"], "compare '{k}' is not MODULE:FUNC (e.g. mykernels:gelu)"),
        (["{k}:nope", "--as", "tanh"], "compare '{k}:nope': '{k}' has no attribute 'nope'"),
        (
            ["{k}:NOT_A_FUNCTION", "--as", "tanh"],
            "compare '{k}:NOT_A_FUNCTION' is not a function (it is int)",
        ),
        (
            ["no_such_module_xyz:f", "--as", "tanh"],
            (
                "compare 'no_such_module_xyz:f': importing 'no_such_module_xyz' failed "
                "(ModuleNotFoundError: No module named 'no_such_module_xyz')"
            ),
        ),
        (["{k}:good_tanh", "--as", "tanhh"], "unknown activation 'tanhh'; did you mean tanh"),
        (
            ["{k}:good_tanh", "--as", "tanh", "--max-ulp", "-1"],
            "--max-ulp '-1' is not accepted; give a finite number >= 0",
        ),
        (
            ["{k}:good_tanh", "--as", "tanh", "--dtype", "int8"],
            "--dtype 'int8' is not known; accepted: float64, float32, float16",
        ),
        (
            ["{k}:good_tanh", "--as", "tanh", "--format", "csv"],
            "--format 'csv' is not known; accepted: text, json, md",
        ),
        (
            ["{k}:good_tanh", "--as", "elu", "--param", "alpha=x"],
            "parameter alpha='x' is not a number",
        ),
        (
            ["{k}:broken", "--as", "tanh"],
            "{k}:broken failed: RuntimeError: not implemented yet",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    kernels: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["compare", *(a.replace("{k}", kernels) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("actref compare: error: " + message.replace("{k}", kernels))
