"""``actref verify``: passes on accurate functions, fails naming function and input."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from actref import kernels as num
from actref import registry
from actref.cli import main

# already accurate on main (the whole catalogue is the lead's run after merging)
ACCURATE = ["relu", "tanh", "elu", "hardtanh", "softshrink"]


def test_verify_passes_on_accurate_functions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", *ACCURATE]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[0] == "function"
    for name in ACCURATE:
        row = next(line for line in lines if line.startswith(name + " "))
        assert row.rstrip().endswith("ok")
    assert f"{len(ACCURATE)} of {len(ACCURATE)} functions verified" in out


def test_verify_json_is_a_list_of_objects(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "relu", "tanh", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["function"] for d in data] == ["relu", "tanh"]
    tanh = data[1]
    assert tanh["ok"] is True
    assert tanh["value_ulp"]["worst"] <= tanh["value_ulp"]["budget"]
    assert tanh["laws_passed"] == tanh["laws_total"] > 0
    assert tanh["fd_ok"] is True
    assert tanh["failures"] == []


def _patched(monkeypatch: pytest.MonkeyPatch, name: str, **changes: object) -> None:
    act = registry.get(name)
    monkeypatch.setitem(registry._BY_NAME, name, dataclasses.replace(act, **changes))


def test_perturbed_derivative_fails_naming_function_and_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _patched(monkeypatch, "tanh", grad_fn=lambda v: num.tanh_grad(v) * (1 + 1e-6))
    assert main(["verify", "relu", "tanh"]) == 1
    out = capsys.readouterr().out
    assert "FAIL tanh: derivative vs finite differences (float64): tanh'(x=" in out
    assert "FAIL relu" not in out
    assert "failed: tanh" in out


def test_wrong_subgradient_at_a_kink_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _patched(monkeypatch, "relu", grad_fn=lambda v, *p: np.where(v == 0, 2.0, num.relu_grad(v)))
    assert main(["verify", "relu"]) == 1
    out = capsys.readouterr().out
    assert "relu'(x=0.0) = 2.0, expected 0, the convention at the kink" in out


def test_another_subgradient_than_the_convention_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reference holds its own convention exactly (issue 14): relu'(0) = 0.5 is a
    subgradient, but not PyTorch's value."""
    _patched(monkeypatch, "relu", grad_fn=lambda v, *p: np.where(v == 0, 0.5, num.relu_grad(v)))
    assert main(["verify", "relu"]) == 1
    out = capsys.readouterr().out
    assert "relu'(x=0.0) = 0.5, expected 0, the convention at the kink" in out
    assert "PyTorch's convention" in out


def test_inaccurate_value_fails_with_ulps(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _patched(monkeypatch, "elu", forward_fn=lambda v, alpha: num.elu(v, alpha) * (1 + 1e-12))
    assert main(["verify", "elu", "--format", "json"]) == 1
    (row,) = json.loads(capsys.readouterr().out)
    assert row["ok"] is False
    assert float(row["value_ulp"]["worst"]) > 4  # "inf" where 1.8e308 * (1 + 1e-12) overflows
    assert any(f.startswith("value vs SymPy (oracle): elu(x=") for f in row["failures"])


def test_unknown_name_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "relu", "gelux"]) == 2
    err = capsys.readouterr().err
    assert "unknown activation 'gelux'" in err
    assert err.count("\n") == 1


def test_verify_in_processes_gives_the_reports_of_one_process() -> None:
    import actref
    from actref import vectors
    from actref.verify import verify

    acts = [
        actref.get("relu"),
        actref.get("leaky_relu", negative_slope=0.1),
        actref.get("sigmoid"),
        vectors.vector("softmax"),
    ]
    alone = verify(acts, jobs=1)
    shared = verify(acts, jobs=2)
    strip = lambda r: {**r.as_json(), "seconds": 0}
    assert [strip(r) for r in shared] == [strip(r) for r in alone]
    assert [r.function for r in shared] == ["relu", "leaky_relu", "sigmoid", "softmax"]
