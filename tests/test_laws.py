"""Property laws, run generically over the registry (ids are names).

The identities are declared per function in the registry (``act.laws``); bounds,
monotonicity and kinks come from its other fields. Tolerances come from the ULP
budgets (see :mod:`actref.laws`), never tuned.
"""

from __future__ import annotations

import dataclasses
import math

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import actref
from actref import contract, laws, oracle
from actref import finite_diff as fd
from actref.registry import Activation
from actref.symbolic import x as X
from tests import strategies as st_

pytestmark = pytest.mark.properties

EPS = float(np.finfo(np.float64).eps)

ALL = [pytest.param(act, id=act.name) for act in actref.all_activations()]


# ------------------------------------------------------------- declared identities
@pytest.mark.parametrize(("act", "law"), st_.LAWS)
@given(xs=st_.arrays())
def test_declared_law(act: Activation, law: laws.Law, xs: np.ndarray) -> None:
    result = laws.check_law(act, law, xs)
    assert result.ok, result.describe()


def test_every_function_declares_a_law() -> None:
    assert all(act.laws for act in actref.all_activations())


def test_a_false_law_is_caught() -> None:
    """The machinery can fail: tanh is not even."""
    tanh = actref.get("tanh")
    even = laws.Law(
        "tanh(-x) = tanh(x)",
        lambda a, v, other: a(-v),
        lambda a, v, other: a(v),
        lambda a, v, other: np.abs(a(v)),
    )
    result = laws.check_law(tanh, even, np.array([0.0, 0.5, 2.0]))
    assert not result.ok
    assert "tanh(-x) = tanh(x) fails at x=2.0" in result.describe()


# what each law called by name before issue 14 (``uses=`` written by hand)
HAND_WRITTEN_USES = {
    ("sigmoid", 1): ("tanh",),
    ("tanh", 1): ("sigmoid",),
    ("leaky_relu", 1): ("relu",),
    ("selu", 0): ("elu",),
    ("celu", 0): ("elu",),
    ("gelu_tanh", 2): ("tanh",),
    ("silu", 1): ("sigmoid",),
    ("silu", 2): ("sigmoid",),
    ("mish", 0): ("tanh", "softplus"),
    ("softplus", 1): ("sigmoid",),
    ("softplus", 2): ("log_sigmoid",),
    ("log_sigmoid", 1): ("softplus",),
    ("log_sigmoid", 2): ("sigmoid",),
    ("hardsigmoid", 1): ("relu6",),
    ("hardswish", 0): ("hardsigmoid",),
    ("hardtanh", 0): ("relu",),
    ("relu6", 1): ("relu",),
    ("tanhshrink", 1): ("tanh",),
    ("tanhshrink", 2): ("tanh",),
    ("hardshrink", 1): ("softshrink",),
}


def test_uses_are_what_a_law_resolves() -> None:
    """Derived, they are the ones written by hand before (entries added since aside)."""
    pinned = {name for name, _ in HAND_WRITTEN_USES} | {
        "relu", "elu", "gelu", "softsign", "softshrink", "squareplus", "identity",
    }  # fmt: skip
    found = {
        (act.name, i): laws.uses(act, law)
        for act in actref.all_activations()
        if act.name in pinned
        for i, law in enumerate(act.laws)
        if laws.uses(act, law)
    }
    assert found == HAND_WRITTEN_USES


def test_a_law_reaches_others_through_the_resolver_it_is_given() -> None:
    """A broken tanh handed to sigmoid's law makes it fail, and tanh's budget counts."""
    sig = actref.get("sigmoid")
    law = sig.laws[1]  # sigmoid(x) = (1 + tanh(x/2)) / 2
    pts = np.array([0.3, 1.0, 2.0])
    assert laws.check_law(sig, law, pts).ok
    tanh = actref.get("tanh")
    broken = dataclasses.replace(tanh, forward_fn=lambda v: tanh.forward_fn(v) * (1 + 1e-12))

    def other(name: str, **params: float) -> Activation:
        return broken if name == "tanh" else actref.get(name, **params)

    assert not laws.check_law(sig, law, pts, other).ok
    generous = dataclasses.replace(broken, ulp_budget=(1e5, 4))
    assert laws.check_law(sig, law, pts, lambda name, **_: generous).ok


def test_law_tolerance_follows_the_budget() -> None:
    """A 1e-13 relative slip passes only once the budget allows ~450 ULPs."""
    sig = actref.get("sigmoid")
    slipped = dataclasses.replace(sig, forward_fn=lambda v: sig.forward_fn(v) * (1 + 1e-13))
    law = sig.laws[0]  # sigmoid(-x) = 1 - sigmoid(x)
    pts = np.array([0.3, 1.0, 2.0])
    assert not laws.check_law(slipped, law, pts).ok
    assert laws.check_law(dataclasses.replace(slipped, ulp_budget=(1000, 4)), law, pts).ok


# ----------------------------------------------------------------- generic laws
@pytest.mark.parametrize("act", st_.ALL)
@given(xs=st_.arrays(st.floats(allow_nan=False, allow_infinity=False)))
def test_bounds_hold_everywhere(act: Activation, xs: np.ndarray) -> None:
    result = laws.check_bounds(act, xs)
    assert result.ok, result.describe()


def _extremes(act: Activation) -> tuple[float, float]:
    """The exact infimum and supremum: limits at ±inf, kinks, critical points."""
    f = sympy.lambdify(X, act.expr, "mpmath")
    df = sympy.lambdify(X, act.dexpr, "mpmath")
    values = [
        oracle.evaluate(act.expr, -math.inf),
        oracle.evaluate(act.expr, math.inf),
    ] + [f(mpmath.mpf(k.at)) for k in act.kinks]
    lo, hi = act.plot_range
    with mpmath.workdps(40):
        for start in np.linspace(lo, hi, 9):
            try:
                root = mpmath.findroot(df, mpmath.mpf(start))
            except (ValueError, ZeroDivisionError, TypeError):
                continue
            if mpmath.im(root) == 0 and abs(df(root)) < mpmath.mpf(10) ** -30:
                values.append(f(root))
    finite = [v for v in values if mpmath.isfinite(v)]
    return float(min(values, key=float)), float(max(values, key=float)) if finite else 0.0


@pytest.mark.parametrize(
    "act",
    [
        pytest.param(a, id=a.name)
        for a in actref.all_activations()
        if a.bounds != (-math.inf, math.inf)
    ],
)
def test_declared_bounds_are_the_true_extremes(act: Activation) -> None:
    """Computed, not guessed: each finite bound is the exact inf/sup rounded outward."""
    inf, sup = _extremes(act)
    lo, hi = act.bounds
    if math.isfinite(lo):
        assert lo <= inf, f"{act.name}: declared lower bound {lo!r} above the minimum {inf!r}"
        assert inf - lo <= 2 * EPS * max(1.0, abs(lo)), (
            f"{act.name}: bound {lo!r} not tight ({inf!r})"
        )
    if math.isfinite(hi):
        assert sup <= hi
        assert hi - sup <= 2 * EPS * max(1.0, abs(hi))


@pytest.mark.parametrize("act", st_.INCREASING)
@given(xs=st_.arrays(st.floats(allow_nan=False), max_size=32))
def test_monotone(act: Activation, xs: np.ndarray) -> None:
    result = laws.check_monotone(act, xs)
    assert result.ok, result.describe()


@pytest.mark.parametrize("act", st_.WITH_KINKS)
def test_continuity_and_one_sided_derivatives_at_kinks(act: Activation) -> None:
    result = laws.check_kinks(act)
    assert result.ok, result.describe()


def test_hardshrink_jump_is_detected() -> None:
    """Declaring hardshrink continuous at ±lambd is a false law, and it is caught."""
    act = actref.get("hardshrink")
    kinks = tuple(dataclasses.replace(k, continuous=True) for k in act.kinks)
    lying = dataclasses.replace(act, kinks_of=lambda **_: kinks)
    assert not laws.check_kinks(lying).ok
    assert all(not k.continuous for k in act.kinks)


def test_wrong_one_sided_derivative_is_detected() -> None:
    act = actref.get("relu")
    kinks = (dataclasses.replace(act.kinks[0], right=2.0),)
    assert not laws.check_kinks(dataclasses.replace(act, kinks_of=lambda **_: kinks)).ok


@pytest.mark.parametrize("act", ALL)
def test_limits_at_infinity(act: Activation) -> None:
    """f(±inf) and f'(±inf) are the exact limits (sympy.limit), correctly rounded."""
    for sign in (-1.0, 1.0):
        x = sign * math.inf
        want = oracle.round_to(oracle.evaluate(act.expr, x))
        got = float(act(x))
        err = contract.ulp_error(got, want)
        assert err <= act.ulp_budget[0], f"{act.name}(x={x}) = {got!r}, expected {want!r}"
        dwant = oracle.round_to(oracle.evaluate(act.dexpr, x))
        dgot = float(act.grad(x))
        derr = contract.ulp_error(dgot, dwant)
        assert derr <= act.ulp_budget[1], f"{act.name}'(x={x}) = {dgot!r}, expected {dwant!r}"


# -------------------------------------------------- derivative vs finite differences
@pytest.mark.parametrize("act", ALL)
@given(data=st.data())
def test_derivative_matches_finite_differences(act: Activation, data: st.DataObject) -> None:
    xs = data.draw(st_.points_near_kinks(act))
    check = fd.check_derivative(act, act.grad, xs, kinks=act.breakpoints)
    assert check.ok, check.worst.describe(act.name)


# ---------------------------------------------------------------- NumPy vs SymPy
@pytest.mark.slow
@pytest.mark.parametrize("act", ALL)
@given(xs=st_.arrays(st_.reals(-40, 40), max_size=6))
def test_numpy_matches_sympy_within_budget(act: Activation, xs: np.ndarray) -> None:
    """NumPy against the SymPy expression evaluated exactly (the oracle), in ULPs."""
    for part, expr, fn in (("value", act.expr, act), ("derivative", act.dexpr, act.grad)):
        want = oracle.true_values(expr, xs)
        got = np.asarray(fn(xs), dtype=np.float64)
        err = contract.contract_ulp_error(got, want)
        budget = contract.budget(act, part)
        label = contract.label(act.name, part)
        bad = contract.findings(label, xs, got, want, err, budget=budget, limit=1)
        assert not bad, bad[0].describe()


@pytest.mark.parametrize("act", st_.ALL)
@given(xs=st_.arrays(st_.reals(-8, 8)))
def test_numpy_matches_lambdified_sympy(act: Activation, xs: np.ndarray) -> None:
    """Both forms agree where the textbook SymPy form does not cancel (|x| <= 8):
    its own error is then a few ULPs of max(1, |f|), plus the budget of ours."""
    kinks = np.array([k.at for k in act.kinks])
    xs = xs[~np.isin(xs, kinks)]
    for ours, theirs in ((act, act.sympy_numpy()), (act.grad, act.sympy_numpy_grad())):
        a = np.asarray(ours(xs), dtype=np.float64)
        b = np.broadcast_to(np.asarray(theirs(xs), dtype=np.float64), xs.shape)
        # 64 ULPs of max(1, |value|): the textbook form's cancellation in 1 + erf or
        # 1 + exp loses at most log2(e^8) ~ 12 bits below 1 -- bounded by 2^12 eps
        tol = 2**12 * EPS * np.maximum(1.0, np.abs(b))
        assert np.all(np.abs(a - b) <= tol), (
            f"{act.name} at x={xs[np.argmax(np.abs(a - b) - tol)]!r}"
        )


# ======================================================================== softmax
def N_EPS(n: int) -> float:
    """Relative error of softmax: exp within 4 ULP, an n-term sum, a division."""
    return (4 + 2 * n) * EPS


@given(x=st_.softmax_vectors(lo=-1e3, hi=1e3))
def test_softmax_sums_to_one_and_stays_in_unit_interval(x: np.ndarray) -> None:
    s = actref.softmax(x)
    assert np.all((s >= 0) & (s <= 1))
    assert abs(s.sum() - 1) <= N_EPS(x.size)


@given(x=st_.dyadic_vectors(), c=st.integers(-(2**20), 2**20))
def test_softmax_shift_invariance(x: np.ndarray, c: int) -> None:
    """Dyadic inputs make x + c exact, so the shift by the max cancels exactly."""
    np.testing.assert_array_equal(actref.softmax(x + c), actref.softmax(x))
    np.testing.assert_array_equal(actref.log_softmax(x + c), actref.log_softmax(x))


@given(x=st_.softmax_vectors(), data=st.data())
def test_softmax_permutation_equivariance(x: np.ndarray, data: st.DataObject) -> None:
    perm = np.array(data.draw(st.permutations(range(x.size))))
    s, sp = actref.softmax(x), actref.softmax(x[perm])
    # only the summation order changes: (n - 1) roundings of the sum, relative
    assert np.all(np.abs(sp - s[perm]) <= 2 * x.size * EPS * s[perm])


@given(x=st_.softmax_vectors(lo=-1e4, hi=1e4))
def test_log_softmax_is_log_of_softmax_and_finite(x: np.ndarray) -> None:
    ls = actref.log_softmax(x)
    assert np.all(np.isfinite(ls))
    s = actref.softmax(x)
    ok = s > np.finfo(np.float64).tiny  # where softmax is a normal float
    with np.errstate(divide="ignore"):
        logs = np.log(s)
    tol = N_EPS(x.size) + 2 * EPS * np.abs(ls)
    assert np.all(np.abs(ls[ok] - logs[ok]) <= tol[ok])


def test_log_softmax_has_no_minus_inf_where_softmax_underflows() -> None:
    ls = actref.log_softmax(np.array([0.0, -1000.0]))
    assert ls[1] == -1000.0
    assert actref.softmax(np.array([0.0, -1000.0]))[1] == 0.0


@given(x=st_.softmax_vectors(lo=-20, hi=20))
def test_softmax_jacobian_matches_finite_differences(x: np.ndarray) -> None:
    jac = fd.jacobian(actref.softmax, x)
    analytic = actref.softmax_jacobian(x)
    assert np.all(np.abs(jac.df - analytic) <= 4 * jac.error + N_EPS(x.size))


@given(x=st_.softmax_vectors(lo=-100, hi=100))
def test_softmax_jacobian_structure(x: np.ndarray) -> None:
    n = x.size
    s = actref.softmax(x)
    jac = actref.softmax_jacobian(x)
    diag = actref.softmax_jacobian_diag(x)
    np.testing.assert_array_equal(np.diagonal(jac), diag)
    # diag = s (1 - s): the library's is correctly rounded to a few ULP, the float
    # product carries the roundings of s, 1 - s and the product (1 - s cancels near 1)
    assert np.all(np.abs(diag - s * (1 - s)) <= 8 * EPS * (s + diag))
    np.testing.assert_array_equal(jac, jac.T)  # s_i s_j == s_j s_i in IEEE arithmetic
    # rows sum to s_i (1 - sum s): zero up to the sum's rounding
    tol = (3 * n + 6) * EPS
    assert np.all(np.abs(jac.sum(axis=0)) <= tol)
    assert np.all(np.abs(jac @ np.ones(n)) <= tol)
    # positive semi-definite: eigvalsh is backward stable, |J| <= 1/2
    assert np.linalg.eigvalsh(jac).min() >= -10 * n * EPS


@given(x=st_.softmax_vectors(max_size=6, lo=-10, hi=10))
def test_softmax_temperature_limits(x: np.ndarray) -> None:
    # T -> 0: one-hot at the argmax when the max is unique by a margin
    order = np.sort(x)
    if x.size > 1 and order[-1] - order[-2] > 1e-3:
        t_small = (order[-1] - order[-2]) / 800  # exp(-800) underflows to 0
        s = actref.softmax(x / t_small)
        np.testing.assert_array_equal(s, np.eye(x.size)[np.argmax(x)])
    # T -> inf: uniform
    s = actref.softmax(x / 1e300)
    assert np.all(np.abs(s - 1 / x.size) <= N_EPS(x.size) / x.size)


@given(x=st_.softmax_vectors(lo=-1e4, hi=1e4))
def test_logsumexp_is_the_log_normaliser(x: np.ndarray) -> None:
    """log_softmax = x - logsumexp(x), and logsumexp lies in [max, max + log n]."""
    lse = float(actref.logsumexp(x))
    assert x.max() <= lse <= x.max() + math.log(x.size) * (1 + 4 * EPS) + 4 * EPS * abs(x.max())
    # x - lse rounds at the scale of |x| + |lse|
    tol = N_EPS(x.size) * (1 + abs(lse) + np.abs(x))
    assert np.all(np.abs(actref.log_softmax(x) - (x - lse)) <= tol)


def test_logsumexp_extremes_and_keepdims() -> None:
    x = np.array([[1000.0, 1000.0], [-np.inf, -np.inf], [np.inf, 0.0]])
    out = actref.logsumexp(x, axis=-1, keepdims=True)
    assert out.shape == (3, 1)
    assert out[0, 0] == pytest.approx(1000.0 + math.log(2), rel=4 * EPS)
    assert out[1, 0] == -np.inf
    assert out[2, 0] == np.inf
    assert actref.logsumexp(np.array([[0.0], [math.log(3.0)]]), axis=0) == pytest.approx(
        math.log(4.0), rel=4 * EPS
    )
