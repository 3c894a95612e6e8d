"""The command line as a user meets it: output, and one-line errors with exit status 2."""

from __future__ import annotations

import pytest

import actref
from actref.cli import main


def test_list_shows_every_function_with_parameters_and_kinks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in actref.names():
        assert f"\n{name} " in out
    assert "negative_slope=0.01" in out
    assert "0 (f'=0.01)" in out


def test_show_prints_formula_and_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "leaky_relu", "--param", "negative_slope=0.1", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\frac{x}{10}" in out
    assert r"\frac{1}{10}" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "gelux"], "unknown activation 'gelux'; did you mean gelu"),
        (["show", "elu", "--param", "alpha=-1"], "alpha must be a finite number > 0"),
        (["show", "elu", "--param", "alpha"], "is not KEY=VALUE"),
        (["show", "elu", "--param", "alpha=__import__('os')"], "is not a number"),
        (["show", "relu", "--param", "alpha=1"], "relu has no parameter 'alpha'"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_ctrl_c_is_one_line_and_status_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from actref import registry

    def interrupted() -> list[object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(registry, "all_activations", interrupted)
    assert main(["list"]) == 130
    assert capsys.readouterr().err == "\nactref list: interrupted\n"
