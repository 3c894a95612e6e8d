"""The peers actref is measured against, behind one small adapter interface.

A peer maps function names (actref's elementwise ones, plus the vector functions of
:mod:`actref.vectors` over the last axis) to a forward and a derivative. Each peer is what its users would actually
write: the textbook NumPy formulas a student types, ``scipy.special`` where it has the
primitive, PyTorch's and JAX's own functions with autograd for derivatives. Functions
a peer does not have are simply absent. The derivative of ``softmax`` is its Jacobian
diagonal ``s (1 - s)``, written as each library's user would write it (autograd gives
vector-Jacobian products, not the diagonal).

Inputs go in as NumPy arrays; :meth:`Peer.to_native` converts once (outside any
timing), :meth:`Peer.call` runs on native arrays and :meth:`Peer.to_numpy` converts
back. NumPy floating-point warnings raised inside a peer are counted, never printed.

PyTorch and JAX are optional: import this module after setting the thread variables
(``benchmarks/run.py`` does), and a peer whose library is missing reports itself
unavailable.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

import actref
from actref import vectors

Fn = Callable[[Any], Any]

SQRT2 = math.sqrt(2.0)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_C = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
LEAKY = 0.01  # PyTorch's default negative_slope, as actref.get("leaky_relu")
LAMBD = 0.5
SQUAREPLUS_B = 4.0
# issue 15's defaults, as actref.get(name) has them
THRESHOLD, THRESHOLD_VALUE = 0.1, 20.0  # torch.nn.Threshold's documented example
RRELU_SLOPE = (0.125 + 1 / 3) / 2  # rrelu in evaluation mode, torch's lower and upper
PRELU_WEIGHT = 0.25
QUICK_GELU_C = 1.702
LAPLACE_MU, LAPLACE_SIGMA = 0.707107, 0.282095  # Hugging Face's LaplaceActivation
XIELU_AP, XIELU_AN, XIELU_B, XIELU_EPS = 0.8, 0.8, 0.5, -1e-6  # XIELUActivation, float64

# the vector functions (rows along the last axis), from actref's table
VECTOR_NAMES = tuple(vf.name for vf in vectors.TABLE)


@dataclass
class Impl:
    """One function of one peer: forward and (optional) derivative on native arrays."""

    forward: Fn | None
    grad: Fn | None = None


@dataclass
class Peer:
    """A library (or a way of writing the formulas) that has some of the functions."""

    name: str
    label: str
    impls: dict[str, Impl]
    to_native: Callable[[np.ndarray], Any] = lambda a: a
    to_numpy: Callable[[Any], np.ndarray] = np.asarray
    sync: Callable[[Any], Any] = lambda y: y
    version: str = ""
    fp_warnings: int = field(default=0)

    def has(self, fname: str, direction: str) -> bool:
        impl = self.impls.get(fname)
        return impl is not None and getattr(impl, direction) is not None

    def fn(self, fname: str, direction: str) -> Fn:
        """The native callable for timing (the caller silences NumPy warnings once)."""
        f: Fn = getattr(self.impls[fname], direction)
        sync = self.sync
        return lambda a: sync(f(a))

    def call(self, fname: str, direction: str, x: np.ndarray) -> np.ndarray:
        """Run on a NumPy array and return NumPy, counting NumPy FP warnings."""
        f: Fn = getattr(self.impls[fname], direction)
        native = self.to_native(x)

        def count(_kind: str, _flag: int) -> None:
            self.fp_warnings += 1

        # what NumPy warns about by default (underflow is ignored by default)
        with np.errstate(divide="call", over="call", invalid="call", under="ignore", call=count):
            out = self.to_numpy(self.sync(f(native)))
        return np.asarray(out)


# ------------------------------------------------------------------------------ actref
def actref_peer() -> Peer:
    impls = {}
    for act in actref.all_activations():
        impls[act.name] = Impl(act, act.grad)
    for vf in vectors.TABLE:
        impls[vf.name] = Impl(vf.forward)
    # softmax's derivative here is its Jacobian diagonal, as its users write it
    impls["softmax"] = Impl(actref.softmax, actref.softmax_jacobian_diag)
    return Peer("actref", "actref", impls, version=actref.__version__)


# ---------------------------------------------------------------------------- textbook
def _tb_sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


def _tb_softmax(x: Any) -> Any:
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def _tb_gated(x: Any, gate: Fn) -> Any:
    a, b = np.split(x, 2, axis=-1)
    return a * gate(b)


def _tb_sparsemax(x: Any) -> Any:
    """The sort-based threshold in plain float64, as the sparsemax papers' code has it."""
    z = x - x.max(axis=-1, keepdims=True)
    srt = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    cs = np.cumsum(srt, axis=-1)
    size = np.sum(1 + k * srt > cs, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cs, size - 1, axis=-1) - 1) / size
    return np.maximum(z - tau, 0.0)


def _tb_entmax15(x: Any) -> Any:
    """The entmax package's exact threshold for alpha = 1.5, in plain float64."""
    z = (x - x.max(axis=-1, keepdims=True)) / 2
    srt = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    mean = np.cumsum(srt, axis=-1) / k
    mean_sq = np.cumsum(srt**2, axis=-1) / k
    delta = (1 - k * (mean_sq - mean**2)) / k
    tau = mean - np.sqrt(np.clip(delta, 0, None))
    size = np.sum(tau <= srt, axis=-1, keepdims=True)
    return np.maximum(z - np.take_along_axis(tau, size - 1, axis=-1), 0.0) ** 2


def _tb_gelu_tanh_grad(x: Any) -> Any:
    t = np.tanh(SQRT_2_OVER_PI * (x + GELU_C * x**3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * x**2)


def _tb_mish_grad(x: Any) -> Any:
    t = np.tanh(np.log(1 + np.exp(x)))
    return t + x * (1 - t**2) * _tb_sigmoid(x)


def _tb_elu(alpha: float) -> Impl:
    return Impl(
        lambda x: np.where(x > 0, x, alpha * (np.exp(x) - 1)),
        lambda x: np.where(x > 0, 1.0, alpha * np.exp(x)),
    )


def derived_impl(name: str) -> Impl:
    """The textbook formula of the elementwise function ``name``, derived: its exact SymPy
    expression (:attr:`actref.Activation.expr`, parameters at the registry's defaults)
    lambdified for NumPy (SciPy where NumPy lacks the function, as ``erf``), and the
    derivative likewise from ``sympy.diff`` of it (:attr:`actref.Activation.dexpr`).

    Why derived: a textbook formula *is* the definition typed without numerical care
    (``1 / (1 + exp(-x))``, ``log(1 + exp(x))``), and the expression is exactly that, so
    a function gets its textbook peer without anyone typing it again. The hand-written
    formulas in :func:`textbook_peer` stay where they differ from a literal transcription
    (``np.clip``, ``np.maximum``, the derivative a student would write).
    """
    act = actref.get(name)
    return Impl(_elementwise(act.sympy_numpy()), _elementwise(act.sympy_numpy_grad()))


def _elementwise(f: Fn) -> Fn:
    # a constant expression (identity's derivative, 1) lambdifies to a scalar
    return lambda x: np.broadcast_to(np.asarray(f(x)), np.shape(x))


def textbook_peer() -> Peer:
    """The formulas as a student writes them, straight from the definition: written by
    hand below, or, for an elementwise function without one, derived from its exact
    expression (:func:`derived_impl`)."""
    s = _tb_sigmoid
    impls = {
        "sigmoid": Impl(s, lambda x: s(x) * (1 - s(x))),
        "tanh": Impl(np.tanh, lambda x: 1 - np.tanh(x) ** 2),
        "relu": Impl(lambda x: np.maximum(0, x), lambda x: np.where(x > 0, 1.0, 0.0)),
        "leaky_relu": Impl(
            lambda x: np.where(x > 0, x, LEAKY * x), lambda x: np.where(x > 0, 1.0, LEAKY)
        ),
        "elu": _tb_elu(1.0),
        "selu": Impl(
            lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)),
            lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(x)),
        ),
        "celu": Impl(
            lambda x: np.maximum(0, x) + np.minimum(0, np.exp(x) - 1),
            lambda x: np.where(x > 0, 1.0, np.exp(x)),
        ),
        "gelu": Impl(
            lambda x: 0.5 * x * (1 + special.erf(x / SQRT2)),
            lambda x: 0.5 * (1 + special.erf(x / SQRT2)) + x * np.exp(-(x**2) / 2) * INV_SQRT_2PI,
        ),
        "gelu_tanh": Impl(
            lambda x: 0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (x + GELU_C * x**3))),
            _tb_gelu_tanh_grad,
        ),
        "silu": Impl(lambda x: x * s(x), lambda x: s(x) * (1 + x * (1 - s(x)))),
        "mish": Impl(lambda x: x * np.tanh(np.log(1 + np.exp(x))), _tb_mish_grad),
        "softplus": Impl(lambda x: np.log(1 + np.exp(x)), s),
        "log_sigmoid": Impl(lambda x: np.log(s(x)), lambda x: 1 - s(x)),
        "softsign": Impl(lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
        "hardsigmoid": Impl(
            lambda x: np.clip(x / 6 + 0.5, 0, 1),
            lambda x: np.where((x > -3) & (x < 3), 1 / 6, 0.0),
        ),
        "hardswish": Impl(
            lambda x: x * np.clip(x + 3, 0, 6) / 6,
            lambda x: np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (2 * x + 3) / 6)),
        ),
        "hardtanh": Impl(
            lambda x: np.clip(x, -1, 1), lambda x: np.where((x > -1) & (x < 1), 1.0, 0.0)
        ),
        "relu6": Impl(
            lambda x: np.minimum(np.maximum(0, x), 6),
            lambda x: np.where((x > 0) & (x < 6), 1.0, 0.0),
        ),
        "tanhshrink": Impl(lambda x: x - np.tanh(x), lambda x: np.tanh(x) ** 2),
        "softshrink": Impl(
            lambda x: np.where(x > LAMBD, x - LAMBD, np.where(x < -LAMBD, x + LAMBD, 0.0)),
            lambda x: np.where(np.abs(x) > LAMBD, 1.0, 0.0),
        ),
        "hardshrink": Impl(
            lambda x: np.where(np.abs(x) > LAMBD, x, 0.0),
            lambda x: np.where(np.abs(x) > LAMBD, 1.0, 0.0),
        ),
        "squareplus": Impl(
            lambda x: (x + np.sqrt(x * x + SQUAREPLUS_B)) / 2,
            lambda x: (1 + x / np.sqrt(x * x + SQUAREPLUS_B)) / 2,
        ),
        "identity": Impl(lambda x: x.copy(), np.ones_like),
        # issue 15
        "relu2": Impl(lambda x: np.maximum(0, x) ** 2, lambda x: 2 * np.maximum(0, x)),
        "quick_gelu": Impl(
            lambda x: x * s(QUICK_GELU_C * x),
            lambda x: s(QUICK_GELU_C * x) * (1 + QUICK_GELU_C * x * (1 - s(QUICK_GELU_C * x))),
        ),
        "threshold": Impl(
            lambda x: np.where(x > THRESHOLD, x, THRESHOLD_VALUE),
            lambda x: np.where(x > THRESHOLD, 1.0, 0.0),
        ),
        "rrelu": Impl(
            lambda x: np.where(x > 0, x, RRELU_SLOPE * x),
            lambda x: np.where(x > 0, 1.0, RRELU_SLOPE),
        ),
        "prelu": Impl(
            lambda x: np.where(x > 0, x, PRELU_WEIGHT * x),
            lambda x: np.where(x > 0, 1.0, PRELU_WEIGHT),
        ),
        "exponential": Impl(np.exp, np.exp),
        "sparse_plus": Impl(
            lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
            lambda x: np.clip((x + 1) / 2, 0, 1),
        ),
        "sparse_sigmoid": Impl(
            lambda x: np.clip((x + 1) / 2, 0, 1),
            lambda x: np.where((x > -1) & (x < 1), 0.5, 0.0),
        ),
        "gelu_10": Impl(
            lambda x: np.minimum(0.5 * x * (1 + special.erf(x / SQRT2)), 10.0),
            lambda x: np.where(
                x < 10,
                0.5 * (1 + special.erf(x / SQRT2)) + x * np.exp(-(x**2) / 2) * INV_SQRT_2PI,
                0.0,
            ),
        ),
        "laplace": Impl(
            # the normal CDF as textbooks write it (Hugging Face's 1 + erf cancels far left)
            lambda x: 0.5 * special.erfc(-(x - LAPLACE_MU) / (LAPLACE_SIGMA * SQRT2)),
            lambda x: (
                np.exp(-(((x - LAPLACE_MU) / LAPLACE_SIGMA) ** 2) / 2)
                * INV_SQRT_2PI
                / LAPLACE_SIGMA
            ),
        ),
        "xielu": Impl(
            lambda x: np.where(
                x > 0,
                XIELU_AP * x * x + XIELU_B * x,
                (np.expm1(np.minimum(x, XIELU_EPS)) - x) * XIELU_AN + XIELU_B * x,
            ),
            lambda x: np.where(
                x > 0,
                2 * XIELU_AP * x + XIELU_B,
                XIELU_AN * (np.where(x < XIELU_EPS, np.exp(x), 0.0) - 1) + XIELU_B,
            ),
        ),
        "softmax": Impl(_tb_softmax, lambda x: _tb_softmax(x) * (1 - _tb_softmax(x))),
        "log_softmax": Impl(lambda x: np.log(_tb_softmax(x))),
        "softmin": Impl(lambda x: _tb_softmax(-x)),
        "glu": Impl(lambda x: _tb_gated(x, _tb_sigmoid)),
        "swiglu": Impl(lambda x: _tb_gated(x, lambda b: b * _tb_sigmoid(b))),
        "geglu": Impl(lambda x: _tb_gated(x, lambda b: b * special.ndtr(b))),
        "reglu": Impl(lambda x: _tb_gated(x, lambda b: np.maximum(b, 0))),
        "sparsemax": Impl(_tb_sparsemax),
        "entmax15": Impl(_tb_entmax15),
    }
    for name in actref.names():
        if name not in impls:
            impls[name] = derived_impl(name)
    # keep the input dtype as a student's code would (np.where(.., 1.0, 0.0) gives float64)
    for impl in impls.values():
        for direction in ("forward", "grad"):
            f = getattr(impl, direction)
            if f is not None:
                setattr(impl, direction, _keep_dtype(f))
    return Peer("textbook", "textbook NumPy", impls, version=np.__version__)


def _keep_dtype(f: Fn) -> Fn:
    def g(x: Any) -> Any:
        return np.asarray(f(x)).astype(x.dtype, copy=False)

    return g


# ------------------------------------------------------------------------------- scipy
def _sp_softmax_diag(x: Any) -> Any:
    sm = special.softmax(x, axis=-1)
    return sm * (1 - sm)


def scipy_peer() -> Peer:
    """What a user of ``scipy.special`` writes: expit, log_expit, ndtr, softmax."""
    import scipy

    ex = special.expit
    impls = {
        "sigmoid": Impl(ex, lambda x: ex(x) * (1 - ex(x))),
        "log_sigmoid": Impl(special.log_expit, lambda x: 1 - ex(x)),
        "softplus": Impl(lambda x: -special.log_expit(-x), ex),
        "silu": Impl(lambda x: x * ex(x), lambda x: ex(x) * (1 + x * (1 - ex(x)))),
        "gelu": Impl(
            lambda x: x * special.ndtr(x),
            lambda x: special.ndtr(x) + x * np.exp(-0.5 * x * x) * INV_SQRT_2PI,
        ),
        "mish": Impl(lambda x: x * np.tanh(-special.log_expit(-x))),
        "softmax": Impl(lambda x: special.softmax(x, axis=-1), _sp_softmax_diag),
        "log_softmax": Impl(lambda x: special.log_softmax(x, axis=-1)),
    }
    for impl in impls.values():
        for direction in ("forward", "grad"):
            f = getattr(impl, direction)
            if f is not None:
                setattr(impl, direction, _keep_dtype(f))
    return Peer("scipy", "scipy.special", impls, version=scipy.__version__)


# ------------------------------------------------------------------------------- torch
def torch_peer() -> Peer | None:
    """PyTorch's functions on CPU tensors, one thread; derivatives by autograd."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(1)

    def autograd(f: Fn) -> Fn:
        def g(t: Any) -> Any:
            t = t.detach().requires_grad_(True)
            y = f(t)
            (d,) = torch.autograd.grad(y, t, torch.ones_like(y))
            return d

        return g

    def softmax_diag(t: Any) -> Any:
        sm = torch.softmax(t, dim=-1)
        return sm * (1 - sm)

    forwards: dict[str, Fn] = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, LEAKY),
        "elu": F.elu,
        "selu": F.selu,
        "celu": F.celu,
        "gelu": F.gelu,
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "silu": F.silu,
        "mish": F.mish,
        "softplus": F.softplus,
        "log_sigmoid": F.logsigmoid,
        "softsign": F.softsign,
        "hardsigmoid": F.hardsigmoid,
        "hardswish": F.hardswish,
        "hardtanh": F.hardtanh,
        "relu6": F.relu6,
        "tanhshrink": F.tanhshrink,
        "softshrink": lambda t: F.softshrink(t, LAMBD),
        "hardshrink": lambda t: F.hardshrink(t, LAMBD),
        # issue 15: what torch ships (relu2 and quick_gelu as Hugging Face writes them)
        "threshold": lambda t: F.threshold(t, THRESHOLD, THRESHOLD_VALUE),
        "rrelu": lambda t: F.rrelu(t, 0.125, 1 / 3, training=False),
        "prelu": lambda t: F.prelu(t, torch.tensor([PRELU_WEIGHT], dtype=t.dtype)),
        "exponential": torch.exp,
        "relu2": lambda t: torch.square(torch.relu(t)),
        "quick_gelu": lambda t: t * torch.sigmoid(QUICK_GELU_C * t),
        "gelu_10": lambda t: torch.clip(F.gelu(t), -10, 10),
        # as erfc: Hugging Face's 0.5 (1 + erf(z)), and torch.special.ndtr (2.14.1), lose
        # 6 digits at z = -5
        "laplace": lambda t: 0.5 * torch.special.erfc(-(t - LAPLACE_MU) / (LAPLACE_SIGMA * SQRT2)),
    }
    # Hugging Face's XIELUActivation._xielu_python, its parameters in float64
    forwards["xielu"] = lambda t: torch.where(
        t > 0,
        XIELU_AP * t * t + XIELU_B * t,
        (torch.expm1(torch.minimum(t, torch.tensor(XIELU_EPS, dtype=t.dtype))) - t) * XIELU_AN
        + XIELU_B * t,
    )
    impls = {name: Impl(_no_grad(torch, f), autograd(f)) for name, f in forwards.items()}
    impls["softmax"] = Impl(lambda t: torch.softmax(t, dim=-1), softmax_diag)
    impls["log_softmax"] = Impl(lambda t: torch.log_softmax(t, dim=-1))
    impls["softmin"] = Impl(_no_grad(torch, lambda t: F.softmin(t, dim=-1)))
    impls["glu"] = Impl(_no_grad(torch, lambda t: F.glu(t, dim=-1)))
    for name, gate in (("swiglu", F.silu), ("geglu", F.gelu), ("reglu", F.relu)):
        # no torch builtin: what a model's code writes (a, b = x.chunk(2, -1))
        impls[name] = Impl(_no_grad(torch, lambda t, g=gate: _chunked(t, g)))
    return Peer(
        "torch",
        "PyTorch",
        impls,
        to_native=lambda a: torch.from_numpy(np.ascontiguousarray(a)),
        to_numpy=lambda t: t.detach().numpy(),
        version=torch.__version__,
    )


def _chunked(t: Any, gate: Fn) -> Any:
    a, b = t.chunk(2, dim=-1)
    return a * gate(b)


def _no_grad(torch: Any, f: Fn) -> Fn:
    def g(t: Any) -> Any:
        with torch.no_grad():
            return f(t)

    return g


# --------------------------------------------------------------------------------- jax
def jax_peer() -> Peer | None:
    """JAX's functions, jit-compiled on CPU; derivatives by ``vmap(grad(f))``."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    nn = jax.nn

    def softmax_diag(a: Any) -> Any:
        sm = nn.softmax(a, axis=-1)
        return sm * (1 - sm)

    forwards: dict[str, Fn] = {
        "sigmoid": nn.sigmoid,
        "tanh": jnp.tanh,
        "relu": nn.relu,
        "leaky_relu": lambda a: nn.leaky_relu(a, LEAKY),
        "elu": nn.elu,
        "selu": nn.selu,
        "celu": nn.celu,
        "gelu": lambda a: nn.gelu(a, approximate=False),
        "gelu_tanh": lambda a: nn.gelu(a, approximate=True),
        "silu": nn.silu,
        "softplus": nn.softplus,
        "log_sigmoid": nn.log_sigmoid,
        "softsign": nn.soft_sign,
        "hardsigmoid": nn.hard_sigmoid,
        "hardswish": nn.hard_swish,
        "hardtanh": nn.hard_tanh,
        "relu6": nn.relu6,
    }
    if hasattr(nn, "mish"):
        forwards["mish"] = nn.mish
    if hasattr(nn, "squareplus"):
        forwards["squareplus"] = lambda a: nn.squareplus(a, SQUAREPLUS_B)
    for name in ("sparse_plus", "sparse_sigmoid"):  # issue 15
        if hasattr(nn, name):
            forwards[name] = getattr(nn, name)
    forwards["exponential"] = jnp.exp
    impls: dict[str, Impl] = {}
    for name, f in forwards.items():
        # elementwise: the derivative of the scalar function, mapped over a flat array
        impls[name] = Impl(jax.jit(f), jax.jit(jax.vmap(jax.grad(f))))
    impls["softmax"] = Impl(jax.jit(lambda a: nn.softmax(a, axis=-1)), jax.jit(softmax_diag))
    impls["log_softmax"] = Impl(jax.jit(lambda a: nn.log_softmax(a, axis=-1)))
    impls["softmin"] = Impl(jax.jit(lambda a: nn.softmax(-a, axis=-1)))
    impls["glu"] = Impl(jax.jit(lambda a: nn.glu(a, axis=-1)))
    return Peer(
        "jax",
        "JAX (jit)",
        impls,
        to_native=lambda a: jax.device_put(jnp.asarray(a)),
        to_numpy=lambda a: np.asarray(a),
        sync=lambda a: a.block_until_ready(),
        version=jax.__version__,
    )


def all_peers() -> list[Peer]:
    """actref first, then every peer whose library is installed."""
    peers = [actref_peer(), textbook_peer(), scipy_peer()]
    for make in (torch_peer, jax_peer):
        peer = make()
        if peer is not None:
            peers.append(peer)
    return peers
