"""Issue 15's activations hold the frameworks' derivative at their kinks, as measured.

How the numbers below were measured (2026-11-30, CPU, float64 unless said):
torch 2.14.1 (the PyPI wheel) with transformers 5.24.0, autograd of a 0-d tensor
(``t = torch.tensor(p, requires_grad=True); f(t).backward(); t.grad``); jax 0.10.2 with
``jax_enable_x64``, ``jax.grad(f)(p)``. float32 gave the same numbers, rounded.
keras 3.15.1 (jax backend) defines ``threshold(x, threshold, default_value)`` as torch's
Threshold (x above the threshold, default_value at or below it) and has no derivative of
its own (its backends').
"""

from __future__ import annotations

import numpy as np
import pytest

import actref
from actref import contract

# (function, parameters, x, the framework's derivative there, where measured)
MEASURED = [
    # torch.nn.Threshold(0.1, 20): 0 at x = threshold (and 0 below, 1 above)
    ("threshold", {"threshold": 0.1, "value": 20.0}, 0.1, 0.0, "torch"),
    ("threshold", {"threshold": 0.0, "value": 0.0}, 0.0, 0.0, "torch"),
    # F.rrelu(t, 1/8, 1/3, training=False): the slope at 0, 0.22916666666666666
    ("rrelu", {}, 0.0, 0.22916666666666666, "torch"),
    # nn.PReLU() (weight 0.25): the weight at 0
    ("prelu", {}, 0.0, 0.25, "torch"),
    # transformers ReLUSquaredActivation: 0 at 0
    ("relu2", {}, 0.0, 0.0, "torch"),
    # transformers ACT2FN["gelu_10"]: 0 at x = 10 (gelu(10.0) rounds to the clip)
    ("gelu_10", {}, 10.0, 0.0, "torch"),
    # transformers QuickGELUActivation: 1/2 at 0 (smooth)
    ("quick_gelu", {}, 0.0, 0.5, "torch"),
    # jax.nn.sparse_plus: 0 at -1, 1 at 1 (C^1: the one-sided values agree)
    ("sparse_plus", {}, -1.0, 0.0, "jax"),
    ("sparse_plus", {}, 1.0, 1.0, "jax"),
    # jax.nn.sparse_sigmoid = 0.5 clip(x + 1, 0, 2): the tie splits the gradient, 1/4
    ("sparse_sigmoid", {}, -1.0, 0.25, "jax"),
    ("sparse_sigmoid", {}, 1.0, 0.25, "jax"),
    # transformers XIELUActivation(dtype=torch.float64): at x = 0 the left piece, whose
    # min(x, eps) is eps there: b - a_n; at x = eps torch's min splits the gradient in
    # two: a_n (e^eps / 2 - 1) + b, the mean of the one-sided slopes
    ("xielu", {}, 0.0, -0.30000000000000004, "torch"),
    ("xielu", {}, -1e-6, 0.09999960000019997, "torch"),
]


@pytest.mark.parametrize(
    ("name", "params", "at", "expected", "framework"),
    [pytest.param(*m, id=f"{m[0]}'({m[2]!r}) = {m[3]!r} ({m[4]})") for m in MEASURED],
)
def test_derivative_at_kink_is_the_frameworks(
    name: str, params: dict[str, float], at: float, expected: float, framework: str
) -> None:
    act = actref.get(name, **params)
    # float32 only where the kink is a float32 (0.1 is not: float32(0.1) lies above it)
    dtypes = (np.float64, np.float32) if float(np.float32(at)) == at else (np.float64,)
    for dtype in dtypes:
        got = act.grad(np.array([at], dtype=dtype))[0]
        assert got == np.dtype(dtype).type(expected), (
            f"{act}'({at}) = {got}, {framework} gives {expected}"
        )
    # the declared kink carries the same value, and it lies between the one-sided slopes
    for kink in act.kinks:
        if kink.at == at:
            assert kink.grad == expected
            assert min(kink.left, kink.right) <= kink.grad <= max(kink.left, kink.right)


# values measured the same way: the framework's function at a few points
MEASURED_VALUES = [
    ("rrelu", {}, -1.0, -0.22916666666666666),  # torch, training=False
    ("threshold", {"threshold": 0.1, "value": 20.0}, 0.1, 20.0),  # torch, x = threshold
    # transformers XIELUActivation(dtype=torch.float64): the jump at 0, a_n expm1(eps);
    # torch's float64 is 1 ULP from the correctly rounded values held here
    # (-7.999996000001333e-07, -7.699996000001334e-07)
    ("xielu", {}, 0.0, -7.999996000001334e-07),
    ("xielu", {}, -1e-7, -7.699996000001335e-07),
]


@pytest.mark.parametrize(("name", "params", "at", "expected"), MEASURED_VALUES)
def test_value_is_the_frameworks(
    name: str, params: dict[str, float], at: float, expected: float
) -> None:
    got = actref.get(name, **params)(np.array([at]))[0]
    assert contract.ulp_error(got, expected)[()] <= 1


def test_xielu_slopes_away_from_the_kinks_are_torchs() -> None:
    # measured as above: xielu'(1e-300) = 0.5, xielu'(-1) = -0.005696447062846166
    act = actref.get("xielu")
    assert act.grad(np.array([1e-300]))[0] == 0.5
    assert act.grad(np.array([-1.0]))[0] == pytest.approx(-0.005696447062846166, rel=4e-16)


# keras.activations.relu(x, negative_slope, max_value, threshold), keras 3.15.1 with the
# jax (0.10.2) and torch (2.14.1) backends, x = [0, 1, 6, -1, 3]: the same values on both
KERAS_RELU_VALUES = [
    ({"negative_slope": 0.1}, [0.0, 1.0, 6.0, -0.1, 3.0]),
    ({"max_value": 6.0}, [0.0, 1.0, 6.0, 0.0, 3.0]),
    ({"threshold": 1.0}, [0.0, 0.0, 6.0, 0.0, 3.0]),
    ({"negative_slope": 0.1, "max_value": 6.0, "threshold": 1.0}, [-0.1, 0.0, 6.0, -0.2, 3.0]),
]


@pytest.mark.parametrize(("params", "expected"), KERAS_RELU_VALUES)
def test_relu_with_keras_parameters_is_keras_relu(
    params: dict[str, float], expected: list[float]
) -> None:
    got = actref.get("relu", **params)(np.array([0.0, 1.0, 6.0, -1.0, 3.0]))
    np.testing.assert_array_equal(got, expected)


def test_relu_keras_derivative_conventions() -> None:
    # keras' own derivatives differ by backend and by path: at x = threshold = 1 it gives
    # 0 even with negative_slope = 0.1 (its where() picks 0 and relu'(0) = 0), which is
    # no subgradient (the slopes there are 0.1 and 1); at max_value = 6 it gives 0 alone
    # (relu6) and 0.5 with a threshold (clip's tie); leaky (threshold 0) gives jax 1,
    # torch 0.1. The reference takes torch's leaky_relu and hardtanh conventions: the
    # slope at the threshold, 0 at max_value.
    act = actref.get("relu", negative_slope=0.1, max_value=6.0, threshold=1.0)
    np.testing.assert_array_equal(act.grad(np.array([1.0, 6.0])), [0.1, 0.0])
    assert [(k.at, k.grad, k.continuous) for k in act.kinks] == [
        (1.0, 0.1, False),
        (6.0, 0.0, True),
    ]
    assert actref.get("relu", negative_slope=0.1).grad(np.array([0.0]))[0] == 0.1


def test_relu_defaults_are_plain_relu_bit_for_bit() -> None:
    from actref.hard_inputs import hard_inputs
    from actref.kernels.piecewise import _plain_relu as relu
    from actref.kernels.piecewise import _plain_relu_grad as relu_grad

    act = actref.get("relu")
    assert str(act) == "relu"
    assert act.kinks == actref.get("relu", negative_slope=0.0, threshold=0.0).kinks
    for dtype in (np.float64, np.float32, np.float16):
        x = hard_inputs(dtype)
        assert act(x).tobytes() == relu(x).tobytes()
        assert act.grad(x).tobytes() == relu_grad(x).tobytes()
