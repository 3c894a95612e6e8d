"""Name lookup: case, "-" and "_" ignored, the aliases users type, gelu's approximate=."""

from __future__ import annotations

import pytest

import actref
from actref import registry
from actref.cli import main


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("swish", "silu"),
        ("Swish", "silu"),
        ("SiLU", "silu"),
        ("logsigmoid", "log_sigmoid"),
        ("LogSigmoid", "log_sigmoid"),
        ("hard_tanh", "hardtanh"),
        ("Hardtanh", "hardtanh"),
        ("soft_sign", "softsign"),
        ("hard_silu", "hardswish"),
        ("hard-swish", "hardswish"),
        ("hard_sigmoid", "hardsigmoid"),
        ("ReLU6", "relu6"),
        ("LeakyReLU", "leaky_relu"),
        ("leaky-relu", "leaky_relu"),
        ("GELU", "gelu"),
        ("gelu_new", "gelu_tanh"),
        ("tanh_shrink", "tanhshrink"),
        ("logistic", "sigmoid"),
        ("linear", "identity"),
    ],
)
def test_names_users_type(typed: str, name: str) -> None:
    assert registry.canonical_name(typed) == name
    assert actref.get(typed).name == name


def test_every_alias_points_at_a_registered_function_and_shadows_none() -> None:
    keys = {registry._key(n) for n in actref.names()}
    for alias, target in registry.ALIASES.items():
        assert target in actref.names(), alias
        assert registry._key(alias) not in keys, alias


def test_every_registered_name_is_found_as_itself() -> None:
    for name in actref.names():
        assert actref.get(name).name == name
        assert actref.get(name.upper()).name == name


def test_parameters_pass_through_an_alias() -> None:
    act = actref.get("LeakyReLU", negative_slope=0.2)
    assert act.params == {"negative_slope": 0.2}


@pytest.mark.parametrize(
    ("approximate", "name"),
    [
        ("tanh", "gelu_tanh"),
        ("none", "gelu"),
        ("TANH", "gelu_tanh"),
        (True, "gelu_tanh"),
        (False, "gelu"),
    ],
)
def test_gelu_approximate_as_in_pytorch_and_jax(approximate: object, name: str) -> None:
    assert actref.get("gelu", approximate=approximate).name == name


def test_gelu_approximate_rejects_the_unknown_and_the_contradictory() -> None:
    with pytest.raises(
        ValueError, match=r"^gelu: approximate='erf' is not accepted; approximate "
    ):
        actref.get("gelu", approximate="erf")
    with pytest.raises(ValueError, match=r"approximate='none' contradicts the name$"):
        actref.get("gelu_tanh", approximate="none")
    assert actref.get("gelu_tanh", approximate="tanh").name == "gelu_tanh"
    with pytest.raises(ValueError, match=r"^relu has no parameter 'approximate'"):
        actref.get("relu", approximate="tanh")


def test_unknown_names_suggest_registered_ones() -> None:
    with pytest.raises(actref.UnknownActivationError) as info:
        actref.get("swishh")
    assert str(info.value).startswith("unknown activation 'swishh'; did you mean silu")
    with pytest.raises(TypeError, match=r"^activation name must be a string, got int$"):
        actref.get(3)  # type: ignore[arg-type]


def test_the_command_line_takes_the_same_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "Swish"]) == 0
    assert capsys.readouterr().out.startswith("silu: ")
