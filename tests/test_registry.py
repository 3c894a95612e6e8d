"""The registry: names, parameters, errors and the facts it declares."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

import actref
from actref.registry import UnknownActivationError
from actref.symbolic import x

ALL = [pytest.param(act, id=act.name) for act in actref.all_activations()]

PYTORCH_CATALOGUE = {
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "celu", "gelu", "gelu_tanh",
    "silu", "mish", "softplus", "log_sigmoid", "softsign", "hardsigmoid", "hardswish",
    "hardtanh", "relu6", "tanhshrink", "softshrink", "hardshrink", "squareplus", "identity",
}  # fmt: skip


def test_names_are_sorted_and_hold_pytorchs_catalogue() -> None:
    """Every PyTorch activation is there; a new entry needs no edit here."""
    assert actref.names() == sorted(set(actref.names()))
    assert set(actref.names()) >= PYTORCH_CATALOGUE


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(UnknownActivationError, match=r"'gelux'.*did you mean gelu"):
        actref.get("gelux")


def test_unknown_name_is_a_value_error_and_a_lookup_error() -> None:
    with pytest.raises(ValueError, match="unknown activation"):
        actref.get("nope")
    with pytest.raises(LookupError):
        actref.get("nope")


def test_leaky_relu_binds_its_slope() -> None:
    act = actref.get("leaky_relu", negative_slope=0.1)
    assert act.params == {"negative_slope": 0.1}
    np.testing.assert_array_equal(act([-2.0, 0.0, 3.0]), [-0.2, 0.0, 3.0])
    # the truth uses the float's binary value, which is what NumPy multiplies by; the
    # displayed formula the decimal as typed
    assert act.expr == sympy.Piecewise((x, x > 0), (sympy.Rational(0.1) * x, True))
    assert sympy.Rational(0.1) != sympy.Rational(1, 10)
    assert act.display_expr == sympy.Piecewise((x, x > 0), (x / 10, True))


def test_truth_at_a_float_threshold_keeps_the_kink() -> None:
    # with max_val read as 3/10, fl(0.3) < 3/10 would be inside and hardtanh' = 1 there
    act = actref.get("hardtanh", max_val=0.3)
    assert float(act.dexpr.subs(x, sympy.Rational(0.3))) == act.grad(0.3) == 0.0


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("elu", {"alpha": -1.0}, r"alpha=-1.0 is not accepted; alpha must be a finite number > 0"),
        ("softplus", {"beta": 0}, "beta must be a number between 1e-100 and 1e100"),
        ("softplus", {"beta": 1e101}, r"beta=1e\+101 is not accepted; beta must be a number"),
        ("softshrink", {"lambd": -0.5}, "lambd must be a finite number >= 0"),
        ("leaky_relu", {"negative_slope": math.nan}, "negative_slope must be a finite"),
        ("leaky_relu", {"negative_slope": "0.1"}, "negative_slope='0.1' is not accepted"),
        ("hardtanh", {"min_val": 2.0}, "min_val must be < max_val"),
        (
            "relu",
            {"alpha": 1.0},
            "relu has no parameter 'alpha'; its parameters: negative_slope, max_value, threshold",
        ),
        ("identity", {"alpha": 1.0}, "identity has no parameter 'alpha'; its parameters: none"),
        ("elu", {"beta": 1.0}, "elu has no parameter 'beta'; its parameters: alpha"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else "",
)
def test_bad_parameter_names_the_parameter(
    name: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        actref.get(name, **params)


@pytest.mark.parametrize("act", ALL)
def test_derivative_is_sympy_diff_of_the_expression(act: actref.Activation) -> None:
    assert act.dexpr == sympy.diff(act.expr, x)
    assert act.expr.free_symbols <= {x}


@pytest.mark.parametrize("act", ALL)
def test_kink_convention_matches_numpy_and_sympy(act: actref.Activation) -> None:
    for kink in act.kinks:
        assert float(act.grad(kink.at)) == kink.grad
        assert float(act.dexpr.subs(x, sympy.Rational(kink.at))) == pytest.approx(
            kink.grad, rel=1e-15
        )
        assert min(kink.left, kink.right) <= kink.grad <= max(kink.left, kink.right)


@pytest.mark.parametrize(
    ("name", "point", "grad"),
    [
        ("relu", 0.0, 0.0),
        ("leaky_relu", 0.0, 0.01),
        ("relu6", 0.0, 0.0),
        ("relu6", 6.0, 0.0),
        ("hardtanh", -1.0, 0.0),
        ("hardtanh", 1.0, 0.0),
        ("hardsigmoid", -3.0, 0.0),
        ("hardsigmoid", 3.0, 0.0),
        ("hardswish", -3.0, 0.0),
        ("hardswish", 3.0, 1.0),
        ("softshrink", 0.5, 0.0),
        ("hardshrink", -0.5, 0.0),
        ("selu", 0.0, 1.0507009873554805 * 1.6732632423543772),
    ],
    ids=lambda v: str(v),
)
def test_pytorch_kink_values(name: str, point: float, grad: float) -> None:
    """The measured PyTorch 2.13 conventions (see REFERENCES.md)."""
    assert float(actref.get(name).grad(point)) == pytest.approx(grad, rel=1e-15)


@pytest.mark.parametrize("act", ALL)
def test_numpy_matches_lambdified_sympy_on_a_grid(act: actref.Activation) -> None:
    """A consistency check that catches a wrong formula on either side.

    The lambdified SymPy expressions are textbook formulas that cancel (``1 + erf``
    far left), so they are compared loosely; accuracy is measured against the oracle.
    """
    lo, hi = act.plot_range
    grid = np.linspace(lo, hi, 401)
    kinks = {k.at for k in act.kinks}
    grid = grid[~np.isin(grid, list(kinks))]
    np.testing.assert_allclose(act(grid), act.sympy_numpy()(grid), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        act.grad(grid),
        np.broadcast_to(act.sympy_numpy_grad()(grid), grid.shape),
        rtol=1e-9,
        atol=1e-12,
    )


def test_public_api_names_of_design_md_resolve_after_import_actref() -> None:
    """DESIGN.md's contract: these are reachable as attributes of the package."""
    import numpy as np

    d = actref.finite_diff.derivative(actref.get("tanh"), np.array([0.5]))
    assert float(d.df[0]) == pytest.approx(1 - np.tanh(0.5) ** 2, rel=1e-8)
    jac = actref.finite_diff.jacobian(actref.softmax, np.array([0.0, 1.0]))
    np.testing.assert_allclose(jac.df, actref.softmax_jacobian([0.0, 1.0]), atol=1e-8)
    assert callable(actref.finite_diff.check_derivative)
    assert callable(actref.oracle.true_values)
    assert actref.hard_inputs.hard_inputs(np.float32).dtype == np.float32
    for name in actref.__all__:
        assert hasattr(actref, name)


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("sigmoid", {}, ()),
        ("celu", {}, (0.0,)),  # a smooth join, not a kink
        ("softsign", {}, (0.0,)),  # |x|
        ("relu6", {}, (0.0, 6.0)),
        ("hardtanh", {"min_val": -2.0, "max_val": 0.3}, (-2.0, 0.3)),
        ("softshrink", {"lambd": 0.25}, (-0.25, 0.25)),
    ],
)
def test_breakpoints_are_where_the_formula_changes(
    name: str, params: dict[str, float], expected: tuple[float, ...]
) -> None:
    act = actref.get(name, **params)
    assert act.breakpoints == expected
    assert {k.at for k in act.kinks} <= set(act.breakpoints)
