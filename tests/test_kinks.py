"""Kinks derived from the SymPy expression equal the ones written by hand before.

Until issue 14 every entry declared ``kinks_of=lambda ...: (Kink(at, grad, left,
right),)`` by hand. :data:`HAND_WRITTEN` keeps those declarations verbatim, as the
expected values, for several parameter values each; ``act.kinks`` is now derived from
the expression (breakpoints, the one-sided derivatives of the pieces on either side,
continuity of the value, and the derivative of the branch that holds at the point).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sympy

import actref
from actref import symbolic as sym
from actref.registry import Kink, derive_kinks

# SELU's float constants, as PyTorch multiplies them (not the exact product, rounded)
_SA = 1.0507009873554805 * 1.6732632423543772

HAND_WRITTEN: dict[str, Callable[..., tuple[Kink, ...]]] = {
    "relu": lambda **_: (Kink(0.0, 0.0, 0.0, 1.0),),  # keras' defaults
    "leaky_relu": lambda negative_slope: (
        (Kink(0.0, negative_slope, negative_slope, 1.0),) if negative_slope != 1 else ()
    ),
    "elu": lambda alpha: (Kink(0.0, alpha, alpha, 1.0),) if alpha != 1 else (),
    # the one override (``kink_grad``): PyTorch's selu'(0), and its slope left of 0, is
    # the float product of the rounded constants, one ULP below the exact one rounded
    "selu": lambda: (Kink(0.0, _SA, _SA, 1.0507009873554805),),
    "hardsigmoid": lambda: (Kink(-3.0, 0.0, 0.0, 1 / 6), Kink(3.0, 0.0, 1 / 6, 0.0)),
    "hardswish": lambda: (Kink(-3.0, 0.0, 0.0, -0.5), Kink(3.0, 1.0, 1.5, 1.0)),
    "hardtanh": lambda min_val, max_val: (
        Kink(min_val, 0.0, 0.0, 1.0),
        Kink(max_val, 0.0, 1.0, 0.0),
    ),
    "relu6": lambda: (Kink(0.0, 0.0, 0.0, 1.0), Kink(6.0, 0.0, 1.0, 0.0)),
    "softshrink": lambda lambd: (
        (Kink(-lambd, 0.0, 1.0, 0.0), Kink(lambd, 0.0, 0.0, 1.0))
        if lambd > 0
        else (Kink(0.0, 0.0, 1.0, 1.0),)
    ),
    "hardshrink": lambda lambd: (
        (
            Kink(-lambd, 0.0, 1.0, 0.0, continuous=False),
            Kink(lambd, 0.0, 0.0, 1.0, continuous=False),
        )
        if lambd > 0
        else (Kink(0.0, 0.0, 1.0, 1.0),)
    ),
}

PARAMS: dict[str, list[dict[str, float]]] = {
    "leaky_relu": [{"negative_slope": s} for s in (0.01, 0.1, 0.3, 1.0, -0.5, 2.0, 0.0)],
    "elu": [{"alpha": a} for a in (1.0, 0.5, 0.1, 2.0, 1e3)],
    "celu": [{"alpha": a} for a in (1.0, 0.5, 3.0)],
    "hardtanh": [
        {"min_val": lo, "max_val": hi}
        for lo, hi in ((-1.0, 1.0), (-2.0, 0.3), (0.0, 6.0), (-0.1, -0.05), (0.25, 1e5))
    ],
    "softshrink": [{"lambd": v} for v in (0.5, 0.0, 0.3, 2.0, 1e-300, 1e5)],
    "hardshrink": [{"lambd": v} for v in (0.5, 0.0, 0.3, 2.0, 1e-300, 1e5)],
    "softplus": [{"beta": b} for b in (1.0, 0.5, 10.0)],
    "squareplus": [{"b": b} for b in (4.0, 1.0, 0.01)],
}


# the entries without a hand-written kink before issue 14
SMOOTH = (
    "sigmoid", "tanh", "celu", "gelu", "gelu_tanh", "silu", "mish", "softplus",
    "log_sigmoid", "softsign", "tanhshrink", "squareplus", "identity",
)  # fmt: skip


def _cases(names: Any = (*HAND_WRITTEN, *SMOOTH)) -> list[Any]:
    out = []
    for name in sorted(names):
        for params in PARAMS.get(name, [{}]):
            label = ",".join(f"{k}={v:g}" for k, v in params.items())
            out.append(pytest.param(name, params, id=f"{name}({label})"))
    return out


@pytest.mark.parametrize(("name", "params"), _cases())
def test_kinks_are_the_hand_written_ones(name: str, params: dict[str, float]) -> None:
    act = actref.get(name, **params)
    expected = HAND_WRITTEN[name](**act.params) if name in HAND_WRITTEN else ()
    assert act.kinks == expected


@pytest.mark.parametrize(("name", "params"), _cases(actref.names()))
def test_kinks_are_breakpoints_where_something_changes(
    name: str, params: dict[str, float]
) -> None:
    """Every kink is a breakpoint; a breakpoint that is not a kink is a smooth join."""
    act = actref.get(name, **params)
    assert {k.at for k in act.kinks} <= set(act.breakpoints)
    for k in act.kinks:
        assert not (k.continuous and k.left == k.right == k.grad), k


def test_selu_is_the_only_override() -> None:
    """Everywhere else PyTorch's value is the expression's own derivative at the point."""
    assert [a.name for a in actref.all_activations() if a.kink_grad] == ["selu"]
    assert all(a.kinks_of is None for a in actref.all_activations())


def test_kinks_of_any_expression() -> None:
    """|x| (Abs), a jump (Piecewise) and max(x, 2x - 1) (Max), from the expression alone."""
    x = sym.x
    assert derive_kinks(sympy.Abs(x)) == (Kink(0.0, 0.0, -1.0, 1.0),)
    jump = sympy.Piecewise((x + 1, x >= 1), (x, True))
    assert derive_kinks(jump) == (Kink(1.0, 1.0, 1.0, 1.0, continuous=False),)
    # sympy.diff of Max is written with Heaviside, which is 1/2 at 0: the mean slope
    assert derive_kinks(sympy.Max(x, 2 * x - 1)) == (Kink(1.0, 1.5, 1.0, 2.0),)
    assert derive_kinks(x**2) == ()


def test_kinks_are_cached_per_bound_expression() -> None:
    act = actref.get("hardtanh", min_val=-2.0, max_val=0.5)
    assert act.kinks is actref.get("hardtanh", min_val=-2.0, max_val=0.5).kinks
