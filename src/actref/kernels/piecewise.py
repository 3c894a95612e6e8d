r"""The piecewise family: identity, the ReLUs, hardtanh, the hard sigmoid and swish, the
shrinks, and their derivatives.

Each is a piecewise-linear (hardswish: piecewise-quadratic) function whose pieces meet
at kinks. Each kernel is one closed form valid on the whole line, the definition as
PyTorch writes it (:math:`\max(0, x)`, a clamp, :math:`x - \mathrm{clamp}(x, -\lambda,
\lambda)`), so no kernel switches formulas: the kinks are where the closed form's
``max``/``min`` or comparison changes sides, exactly.

Exactness. ``max``, ``min`` and comparisons are exact in every float format, and so is
a product by 0 or 1; ``x - c`` and ``a x`` are rounded once. Every kernel is therefore
correctly rounded in float64 except hardsigmoid, hardswish and hardswish' (``x + 3`` is
rounded before the division by 6: 1-2 ULP). A kernel runs natively in float16/32
(``exact_in``) when it is exact there: when its parameters are representable in that
format (a bound or threshold beyond float16's range would be cast to inf with an
overflow warning, issue 14) — leaky_relu also when rounding its slope costs at most 1/2
ULP (:func:`slope_native`). Otherwise it is computed in float64 and rounded once.
identity, relu, relu6 and hardtanh are a single pass over ``x`` (a copy, a max, a
clamp): ``one_pass``, the engine runs them on the whole array; so are identity' and
leaky_relu' (a constant; a comparison and a max over its bools), in float64.

Derivatives at the kinks are PyTorch's (the registry's ``Kink`` lists): relu'(0) = 0,
leaky_relu'(0) = the slope, 0 at both ends of hardtanh', relu6' and hardsigmoid',
hardswish'(-3) = 0 and hardswish'(3) = 1, the shrinks' 0 at :math:`\pm\lambda`
(:math:`\lambda = 0` included). They come from strict comparisons, so the kinks need
no region of their own.

nan. ``max``, ``min`` and arithmetic propagate nan, so the values need nothing. The
derivatives are written as indicators, Iverson brackets such as ``[0 < x < 6]``
(comparisons: false for nan) combined by exact sums and products; they are declared
``nan_blind`` and the engine puts nan back. (``heaviside`` and ``where`` would keep nan
themselves, but on unpredictable masks they cost 30x a comparison: measured 300 us
against 10 us a block.)
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from actref.kernels.engine import Region, kernel
from actref.kernels.validate import FArray


def _any_dtype(dt: np.dtype[Any], *params: float) -> bool:
    """Comparisons and max/min with 0 and small integers: exact in every float format."""
    return True


def representable(dt: np.dtype[Any], *values: float) -> bool:
    """Whether every value is exactly representable in the float dtype ``dt``."""
    with np.errstate(over="ignore"):  # a value beyond dt's range is not representable
        return all(float(dt.type(v)) == v for v in values)


def slope_native(dt: np.dtype[Any], a: float) -> bool:
    r"""Whether ``fl(fl(a) x)`` in ``dt`` is within 1 ULP of :math:`a x` (0 <= a <= 1).

    The product is rounded once (1/2 ULP); rounding ``a`` to ``dt`` adds
    :math:`|a - fl(a)|/|a| \cdot 2^p` ULP at most (p bits of precision), kept <= 1/2.
    0.01 adds 0.37 ULP in float32, 0.44 in float16. ``a > 1`` could overflow.
    """
    if not 0.0 <= a <= 1.0:
        return False
    with np.errstate(under="ignore"):
        err = abs(float(dt.type(a)) - a)
    return err <= a * 2.0 ** -(np.finfo(dt).nmant + 2)


def _inside(x: FArray, lo: float, hi: float) -> FArray:
    """[lo < x < hi]: 1 on the open interval, 0 outside and at both ends."""
    return (x > lo) & (x < hi)


def _exact(name: str, formula: Any, why: str, exact_in: Any = _any_dtype, **kw: Any) -> Any:
    """A kernel of one closed form, exact or rounded once (0 ULP measured)."""
    return kernel(name, Region(math.inf, formula, why, 0.0), exact_in=exact_in, **kw)


def _indicator(name: str, formula: Any, why: str, exact_in: Any = _any_dtype) -> Any:
    """A derivative made of comparisons: exact; the engine puts nan back."""
    return _exact(name, formula, why, exact_in, nan_blind=True)


# ------------------------------------------------------------------------ identity
identity = _exact("identity", lambda x: x.copy(), "x itself (a copy)", one_pass=True)
identity_grad = _exact("identity'", lambda x: 1.0, "1", nan_blind=True, one_pass=True)

# -------------------------------------------------------------------------- ReLUs
# the two kernels relu (below) chooses between, private: relu and relu_grad are the pair
_plain_relu = _exact(
    "relu", lambda x: np.maximum(x, 0.0), "max(x, 0): exact, nan propagates", one_pass=True
)
_plain_relu_grad = _indicator("relu'", lambda x: x > 0.0, "[x > 0]: PyTorch's relu'(0) = 0")

relu6 = _exact("relu6", lambda x: x.clip(0.0, 6.0), "clamp(x, 0, 6): exact", one_pass=True)
relu6_grad = _indicator(
    "relu6'", lambda x: _inside(x, 0.0, 6.0), "[0 < x < 6]: 0 at both kinks, as PyTorch"
)


def _leaky_relu(x: FArray, a: float) -> FArray:
    if a == 0.0:
        return np.maximum(x, 0.0)  # 0 * -inf is nan
    # a x is x's partner on the other side of 0: the larger of the two for a <= 1
    # (negative slopes included), the smaller for a > 1
    return np.maximum(x, a * x) if a <= 1.0 else np.minimum(x, a * x)


leaky_relu = kernel(
    "leaky_relu",
    Region(
        math.inf,
        _leaky_relu,
        "max(x, a x) (min for a > 1): no branch, a x rounded once",
        0.0,
    ),
    # |a| > 1: a x overflows where it is the result (inf, rightly) or where x is
    # chosen instead (max(x, -inf) = x): not warned (issue 14)
    absorbs_overflow=True,
    exact_in=slope_native,
)


def _leaky_relu_grad(x: FArray, a: float) -> FArray:
    right = x > 0.0
    if 0.0 <= a <= 1.0:
        return np.maximum(right, a)  # max(1, a) = 1 right of 0, max(0, a) = a left
    return right + a * ~right


leaky_relu_grad = _exact(
    "leaky_relu'",
    _leaky_relu_grad,
    "[x > 0] + a [x <= 0] (one term is 0: exact), as max([x > 0], a) for 0 <= a <= 1;"
    " PyTorch's leaky_relu'(0) = a",
    exact_in=representable,
    nan_blind=True,
    one_pass=True,
)

# ------------------------------------------------------------------------ hardtanh
hardtanh = _exact(
    "hardtanh",
    lambda x, lo, hi: x.clip(lo, hi),
    "clamp(x, min_val, max_val): exact; a bound beyond float16/32's range is"
    " computed in float64 and rounded once (inf), never cast with a warning",
    exact_in=representable,
    one_pass=True,
)
hardtanh_grad = _indicator(
    "hardtanh'",
    _inside,
    "[min_val < x < max_val]: 0 at both ends, as PyTorch",
    exact_in=representable,
)

# ---------------------------------------------------------------- hard sigmoid, swish
hardsigmoid = kernel(
    "hardsigmoid",
    Region(
        math.inf,
        lambda x: (x + 3.0).clip(0.0, 6.0) / 6.0,
        "relu6(x + 3) / 6: x + 3 is exact where the result nears 0 (Sterbenz), two"
        " roundings elsewhere (worst measured on 380k points in (-3, 3): x = 2.9996)",
        1.0,
    ),
)
hardsigmoid_grad = _indicator(
    "hardsigmoid'", lambda x: _inside(x, -3.0, 3.0) / 6.0, "[-3 < x < 3] / 6: 0 at ±3"
)


def _hardswish(x: FArray) -> FArray:
    xc = np.maximum(x, -3.0)  # hardswish is 0 from -3 down: -inf * 0 is never formed
    return xc * (np.minimum(xc + 3.0, 6.0) / 6.0)  # xc * 6 would overflow first


hardswish = kernel(
    "hardswish",
    Region(
        math.inf,
        _hardswish,
        "x hardsigmoid(x): exact outside (-3, 3) (x times 0 or 1), three roundings"
        " inside (worst measured on 380k points: x = 8.5e-7); x (x + 3) / 6 would"
        " overflow first",
        2.0,
    ),
)


def _hardswish_grad(x: FArray) -> FArray:
    xc = x.clip(-3.0, 3.0)  # 2x + 3 finite everywhere; nan stays
    return (2.0 * xc + 3.0) / 6.0 * _inside(x, -3.0, 3.0) + (x >= 3.0)


hardswish_grad = kernel(
    "hardswish'",
    Region(
        math.inf,
        _hardswish_grad,
        "(2x + 3) / 6 [-3 < x < 3] + [x >= 3] (PyTorch's 0 at -3, 1 at 3): one term is"
        " 0, so the sum is exact; 2x + 3 is exact near its zero -3/2 (Sterbenz)",
        1.0,
    ),
)

# ------------------------------------------------------------------------- shrinks
softshrink = _exact(
    "softshrink",
    lambda x, lam: x - x.clip(-lam, lam),
    "x - clamp(x, -lambd, lambd): x -+ lambd rounded once, exactly 0 inside",
    exact_in=representable,
)
hardshrink = _exact(
    "hardshrink",
    lambda x, lam: x * (np.abs(x) > lam),
    "x [|x| > lambd]: a product by 0 or 1; nan * 0 stays nan",
    exact_in=representable,
)


softshrink_grad = _indicator(
    "softshrink'",
    lambda x, lam: np.abs(x) > lam,
    "[|x| > lambd]: 0 at ±lambd (and at 0 for lambd = 0), as PyTorch",
    exact_in=representable,
)
hardshrink_grad = _indicator(
    "hardshrink'",
    lambda x, lam: np.abs(x) > lam,
    "[|x| > lambd]: 0 at the jumps ±lambd, as PyTorch",
    exact_in=representable,
)


# ------------------------------------------------- formulas other families use too
def nothing(x: Any, *_: float) -> Any:
    """0 where the region holds (a constant piece)."""
    return np.zeros_like(x)


def one_keep_nan(x: Any, *_: float) -> Any:
    """1 where the region holds, nan for nan (the last region takes nan)."""
    return np.where(np.isnan(x), x, 1.0)


def same(x: Any, *_: float) -> Any:
    """x itself (an identity piece)."""
    return x


def just_above(v: float) -> float:
    """The region end that puts ``x <= v`` on the left: ``x < nextafter(v, inf)``."""
    return math.nextafter(v, math.inf)


# ============================================================ issue 15: rectifiers
# Each piece is exact or one rounding (a product by the parameter): within 0.5 ULP.

relu2 = kernel(
    "relu2",
    Region(
        math.inf,
        lambda x: np.square(np.maximum(x, 0.0)),
        "relu(x)^2: one rounding; overflows to inf only where x^2 does (absorbed)",
        0.5,
    ),
    absorbs_overflow=True,
)
relu2_grad = kernel(
    "relu2'",
    Region(math.inf, lambda x: 2.0 * np.maximum(x, 0.0), "2 relu(x): exact", 0.0),
    absorbs_overflow=True,
)

# threshold(x) = x for x > threshold, value otherwise (torch.nn.Threshold)
threshold = kernel(
    "threshold",
    Region(
        lambda threshold, value: just_above(threshold),
        lambda x, threshold, value: np.full_like(x, value),
        "x <= threshold: the constant value",
        0.0,
    ),
    Region(math.inf, same, "x > threshold: x itself", 0.0),
)
threshold_grad = kernel(
    "threshold'",
    Region(
        lambda threshold, value: just_above(threshold),
        nothing,
        "x <= threshold: 0 (torch: 0 at x = threshold too)",
        0.0,
    ),
    Region(math.inf, one_keep_nan, "x > threshold: 1", 0.0),
)


def _times(slope: float, x: Any) -> Any:
    # slope 0 gives 0 at x = -inf too (the limit), not 0 * inf = nan
    return slope * x if slope != 0 else np.zeros_like(x)


def _slope_below(slope: Any, name: str) -> tuple[Any, Any]:
    """A leaky rectifier with slope ``slope(*params)`` for x <= 0 and its derivative."""
    fwd = kernel(
        name,
        Region(
            0.0,
            lambda x, *p: _times(slope(*p), x),
            "x < 0: slope x, one rounding (and rrelu's (lower + upper) / 2 one more;"
            " overflow to -inf where the product does)",
            1.0,
        ),
        Region(math.inf, same, "x >= 0: x", 0.0),
        absorbs_overflow=True,
    )
    grad = kernel(
        name + "'",
        Region(
            just_above(0.0),
            lambda x, *p: np.full_like(x, slope(*p)),
            "x <= 0: the slope (torch's value at 0)",
            0.0,
        ),
        Region(math.inf, one_keep_nan, "x > 0: 1", 0.0),
    )
    return fwd, grad


def rrelu_slope(lower: float, upper: float) -> float:
    """RReLU's slope in evaluation mode, as torch computes it: (lower + upper) / 2."""
    return (lower + upper) / 2


rrelu, rrelu_grad = _slope_below(rrelu_slope, "rrelu")


# keras' relu(x, negative_slope, max_value, threshold): negative_slope (x - threshold) at
# or below the threshold, x above it, capped at max_value (threshold >= 0). Derivative
# as torch's leaky_relu and hardtanh: negative_slope at the threshold, 0 at max_value.
def _cap(s: float, m: float, t: float) -> float:
    # only the last region may run to inf: without a cap, the largest float and inf
    # go to the last one, which gives them back
    return m if math.isfinite(m) else sys.float_info.max


_keras_relu = kernel(
    "relu",
    Region(
        lambda s, m, t: just_above(t),
        lambda x, s, m, t: _times(s, x - t),
        "x <= threshold: slope (x - threshold), two roundings",
        1.0,
    ),
    Region(_cap, same, "threshold < x < max_value: x", 0.0),
    Region(
        math.inf,
        lambda x, s, m, t: np.minimum(x, m),
        "x >= max_value: max_value (no cap: the largest float and inf themselves)",
        0.0,
    ),
    absorbs_overflow=True,
)
_keras_relu_grad = kernel(
    "relu'",
    Region(
        lambda s, m, t: just_above(t),
        lambda x, s, m, t: np.full_like(x, s),
        "x <= threshold: the slope (torch's leaky_relu at 0)",
        0.0,
    ),
    Region(_cap, lambda x, s, m, t: np.ones_like(x), "x inside: 1", 0.0),
    Region(
        math.inf,
        lambda x, s, m, t: np.where(np.isnan(x), x, 0.0 if math.isfinite(m) else 1.0),
        "x >= max_value: 0 (torch's hardtanh); no cap: 1",
        0.0,
    ),
)


def relu(
    x: Any, negative_slope: float = 0.0, max_value: float = math.inf, threshold: float = 0.0
) -> Any:
    """relu with keras' parameters; with their defaults (0, inf, 0) today's relu kernel,
    bit for bit."""
    if negative_slope == 0 and max_value == math.inf and threshold == 0:
        return _plain_relu(x)
    return _keras_relu(x, negative_slope, max_value, threshold)


def relu_grad(
    x: Any, negative_slope: float = 0.0, max_value: float = math.inf, threshold: float = 0.0
) -> Any:
    """relu' with keras' parameters (see :func:`relu`)."""
    if negative_slope == 0 and max_value == math.inf and threshold == 0:
        return _plain_relu_grad(x)
    return _keras_relu_grad(x, negative_slope, max_value, threshold)


prelu, prelu_grad = _slope_below(lambda weight: weight, "prelu")

# ================================================================ issue 15: sparse
# jax.nn.sparse_plus and sparse_sigmoid (Blondel et al. 2020): piecewise polynomials,
# C^1 and C^0. (x + 1) is exact on [-2, -0.5] (Sterbenz) and one rounding elsewhere.
sparse_plus = kernel(
    "sparse_plus",
    Region(-1.0, nothing, "x <= -1: 0", 0.0),
    Region(1.0, lambda x: 0.25 * np.square(x + 1.0), "(x + 1)^2 / 4", 2.0),
    Region(math.inf, same, "x >= 1: x", 0.0),
)
sparse_plus_grad = kernel(
    "sparse_plus'",
    Region(-1.0, nothing, "x <= -1: 0", 0.0),
    Region(1.0, lambda x: 0.5 * (x + 1.0), "(x + 1) / 2", 0.5),
    Region(math.inf, one_keep_nan, "x >= 1: 1", 0.0),
)
sparse_sigmoid = kernel(
    "sparse_sigmoid",
    Region(-1.0, nothing, "x <= -1: 0", 0.0),
    Region(1.0, lambda x: 0.5 * (x + 1.0), "(x + 1) / 2", 0.5),
    Region(math.inf, one_keep_nan, "x >= 1: 1", 0.0),
)
sparse_sigmoid_grad = kernel(
    "sparse_sigmoid'",
    Region(-1.0, nothing, "x < -1: 0", 0.0),
    Region(
        just_above(-1.0),
        lambda x: np.full_like(x, 0.25),
        "x = -1: 1/4 (jax: clip's tie splits the gradient, half of 1/2)",
        0.0,
    ),
    Region(1.0, lambda x: np.full_like(x, 0.5), "-1 < x < 1: 1/2", 0.0),
    Region(just_above(1.0), lambda x: np.full_like(x, 0.25), "x = 1: 1/4 (jax)", 0.0),
    Region(math.inf, lambda x: np.where(np.isnan(x), x, 0.0), "x > 1: 0", 0.0),
)
