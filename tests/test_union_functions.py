"""Issue 15's elementwise activations: the identities that tie them to the catalogue
(exact where the arithmetic is), their parameters, their constants."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import actref
from actref import contract, oracle
from actref.hard_inputs import hard_inputs
from actref.kernels import constants as k

XS = hard_inputs(np.float64)
FINITE = XS[np.isfinite(XS)]


def test_relu2_is_relu_squared() -> None:
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(actref.get("relu2")(XS), actref.get("relu")(XS) ** 2)
        np.testing.assert_array_equal(
            actref.get("relu2").grad(FINITE), 2 * actref.get("relu")(FINITE)
        )


def test_threshold_with_threshold_0_value_0_is_relu() -> None:
    act = actref.get("threshold", threshold=0.0, value=0.0)
    np.testing.assert_array_equal(act(XS), actref.get("relu")(XS))
    np.testing.assert_array_equal(act.grad(XS), actref.get("relu").grad(XS))


def test_rrelu_is_leaky_relu_with_the_mean_slope() -> None:
    for lower, upper in ((0.125, 1 / 3), (0.0, 0.0), (0.3, 0.3), (0.0, 1.0)):
        act = actref.get("rrelu", lower=lower, upper=upper)
        leaky = actref.get("leaky_relu", negative_slope=(lower + upper) / 2)
        np.testing.assert_array_equal(act(XS), leaky(XS))
        np.testing.assert_array_equal(act.grad(XS), leaky.grad(XS))


def test_prelu_is_leaky_relu_with_the_weight() -> None:
    for weight in (0.25, -2.0, 3.0, 0.0):
        act, leaky = (
            actref.get("prelu", weight=weight),
            actref.get("leaky_relu", negative_slope=weight),
        )
        with np.errstate(over="ignore"):
            np.testing.assert_array_equal(act(FINITE), leaky(FINITE))
        np.testing.assert_array_equal(act.grad(XS), leaky.grad(XS))


def test_prelu_large_weight_far_left_overflows_silently_to_inf() -> None:
    act = actref.get("prelu", weight=4.0)
    assert act(np.array([-1e308]))[0] == -np.inf
    assert act(np.array([1e308, -1.0]))[1] == -4.0


def test_quick_gelu_minus_mirror_is_x() -> None:
    q = actref.get("quick_gelu")
    x = np.linspace(-30, 30, 6001)
    np.testing.assert_allclose(q(x) - q(-x), x, rtol=4e-16, atol=1e-300)


def test_quick_gelu_far_left_is_x_exp_1702x() -> None:
    # where e^t is subnormal and x e^t is not
    xs = np.array([-420.0, -417.5, -416.0, -300.0])
    truth = oracle.true_values(actref.get("quick_gelu").expr, xs)
    assert contract.contract_ulp_error(actref.get("quick_gelu")(xs), truth).max() <= 1


def test_sparse_sigmoid_is_sparse_plus_derivative() -> None:
    np.testing.assert_array_equal(
        actref.get("sparse_plus").grad(XS), actref.get("sparse_sigmoid")(XS)
    )


def test_sparse_plus_minus_mirror_is_x() -> None:
    sp = actref.get("sparse_plus")
    x = np.linspace(-3, 3, 6001)
    np.testing.assert_allclose(sp(x) - sp(-x), x, rtol=0, atol=4e-16)


def test_gelu_10_is_gelu_below_10_and_10_above() -> None:
    g10, g = actref.get("gelu_10"), actref.get("gelu")
    below = XS[XS < 10]
    np.testing.assert_array_equal(g10(below), g(below))
    np.testing.assert_array_equal(g10.grad(below), g.grad(below))
    above = XS[XS >= 10]
    assert (g10(above) == 10).all()
    assert (g10.grad(above) == 0).all()


def test_gelu_10_clip_lies_between_10_and_the_next_float() -> None:
    # gelu(x) = 10 at x0: the clip at x = 10 is exact at every float
    with mpmath.workdps(60):
        x0 = mpmath.findroot(lambda v: v / 2 * mpmath.erfc(-v / mpmath.sqrt(2)) - 10, 10)
        assert 10 < x0 < np.nextafter(10.0, 11.0)


def test_laplace_at_mu_is_one_half_and_symmetric() -> None:
    for mu, sigma in ((0.707107, 0.282095), (0.0, 1.0), (-3.0, 1e-6), (2.0, 5.0)):
        act = actref.get("laplace", mu=mu, sigma=sigma)
        assert act(np.array([mu]))[0] == 0.5
        d = np.linspace(0, 8 * sigma, 101)
        np.testing.assert_allclose(act(mu + d) + act(mu - d), 1.0, rtol=0, atol=1e-15)


def test_laplace_far_tails() -> None:
    act = actref.get("laplace")
    np.testing.assert_array_equal(act(np.array([-np.inf, -1e308, 1e308, np.inf])), [0, 0, 1, 1])
    np.testing.assert_array_equal(act.grad(np.array([-np.inf, 1e308, np.inf])), [0, 0, 0])


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("rrelu", {"lower": 0.5, "upper": 0.25}, "lower must be <= upper"),
        ("rrelu", {"upper": 1.5}, "upper must be a number between 0 and 1"),
        ("rrelu", {"lower": -0.1}, "lower must be a number between 0 and 1"),
        ("laplace", {"sigma": 0.0}, "sigma must be a number between 1e-6 and 1e6"),
        ("laplace", {"mu": 1e7}, "mu must be a number between -1e6 and 1e6"),
        ("threshold", {"value": float("inf")}, "value must be a finite real number"),
        ("prelu", {"weight": float("nan")}, "weight must be a finite real number"),
    ],
)
def test_parameters_outside_the_domain_are_refused(
    name: str, params: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        actref.get(name, **params)


@pytest.mark.parametrize(
    ("name", "value", "make"),
    [
        ("QUICK_GELU_C", (k.QUICK_GELU_C_HI, k.QUICK_GELU_C_LO), lambda: mpmath.mpf("1.702")),
        (
            "SILU_X0",
            (k.SILU_X0_HI, k.SILU_X0_LO),
            lambda: mpmath.findroot(lambda t: 1 + t + mpmath.exp(t), -1.28),
        ),
        ("SQRT2", (k.SQRT2_HI, k.SQRT2_LO), lambda: mpmath.sqrt(2)),
        ("SILU_T0", (k.SILU_T0, 0.0), None),
        ("INV_SQRT_PI", (k.INV_SQRT_PI, 0.0), lambda: 1 / mpmath.sqrt(mpmath.pi)),
    ],
)
def test_constants_are_correctly_rounded(
    name: str, value: tuple[float, float], make: object
) -> None:
    with mpmath.workprec(200):
        if make is None:
            exact = mpmath.exp(mpmath.findroot(lambda t: 1 + t + mpmath.exp(t), -1.28))
        else:
            exact = make()  # type: ignore[operator]
        hi = float(exact)
        assert value[0] == hi, name
        if value[1]:
            assert value[1] == float(exact - hi), name


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("ReLU-Squared", "relu2"),
        ("QuickGELU", "quick_gelu"),
        ("clipped_gelu", "gelu_10"),
        ("PReLU", "prelu"),
        ("RReLU", "rrelu"),
        ("exp", "exponential"),
        ("SparsePlus", "sparse_plus"),
        ("XIELU", "xielu"),
    ],
)
def test_other_spellings_find_the_function(alias: str, name: str) -> None:
    assert actref.get(alias).name == name


# parameters away from the defaults, over the accepted domains
PARAM_CASES = [
    ("threshold", {"threshold": -2.5, "value": 1e300}),
    ("threshold", {"threshold": 1e300, "value": -3.0}),
    ("rrelu", {"lower": 0.0, "upper": 1.0}),
    ("prelu", {"weight": -7.5}),
    ("prelu", {"weight": 1e10}),
    ("laplace", {"mu": 0.0, "sigma": 1.0}),
    ("laplace", {"mu": -1e6, "sigma": 1e-6}),
    ("laplace", {"mu": 3.0, "sigma": 1e6}),
    ("xielu", {"alpha_p": 0.80078125, "alpha_n": 0.80078125, "eps": -9.98377799987793e-07}),
    ("xielu", {"alpha_n": 2.0, "beta": 0.1, "eps": -0.01}),
    ("xielu", {"alpha_n": 1.0, "beta": 0.99}),
    ("xielu", {"alpha_p": 1e6, "alpha_n": 1e6, "beta": 1e-6, "eps": -1e-12}),
    ("relu", {"negative_slope": 0.1, "max_value": 6.0, "threshold": 1.0}),
    ("relu", {"negative_slope": -3.0, "threshold": 0.3}),
    ("relu", {"max_value": 1e-300}),
]


@pytest.mark.slow
@pytest.mark.parametrize("part", ["value", "derivative"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("name", "params"),
    [pytest.param(n, p, id=f"{n}({p})") for n, p in PARAM_CASES],
)
def test_ulp_error_with_parameters(
    name: str, params: dict[str, float], dtype: type, part: str
) -> None:
    act = actref.get(name, **params)
    top = float(np.finfo(dtype).max)
    xs = hard_inputs(dtype, [kink.at for kink in act.kinks if abs(kink.at) <= top])
    expr = act.expr if part == "value" else act.dexpr
    truth = oracle.true_values(expr, xs, dtype)
    with np.errstate(over="ignore"):  # the final cast of a float32 beyond its range
        got = act(xs) if part == "value" else act.grad(xs)
    err = contract.contract_ulp_error(got, truth, dtype)
    budget = contract.budget(act, part, dtype)  # type: ignore[arg-type]
    bad = contract.findings(
        contract.label(name, part),  # type: ignore[arg-type]
        xs,
        got,
        truth,
        err,
        params=contract.params_text(act.params),
        budget=budget,
        limit=3,
    )
    assert not bad, "; ".join(f.describe() for f in bad)
