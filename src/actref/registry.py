"""The registry: the catalogue's activations by name.

:mod:`actref.catalogue` declares every activation once, as a short entry
(:mod:`actref.activation` holds their types); this module looks them up by name, alias
or spelling (:func:`get`, :func:`names`, :func:`canonical_name`) and reads parameters
from the command line (:func:`parse_params`). Tests, plots, ``verify``, the grader and
the docs iterate :func:`all_activations`; no other place lists the names.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actref.activation import (
    Activation,
    Kink,
    Law,
    NumpyFn,
    Param,
    Resolver,
    derive_kinks,
)
from actref.catalogue import TABLE

# the elementwise index (the vector functions below are moving to actref.vectors)
__all__ = [
    "ALIASES",
    "Activation",
    "Kink",
    "Law",
    "NumpyFn",
    "Param",
    "Resolver",
    "UnknownActivationError",
    "all_activations",
    "canonical_name",
    "derive_kinks",
    "get",
    "names",
    "parse_params",
]


class UnknownActivationError(LookupError, ValueError):
    """No activation is registered under the requested name."""


_BY_NAME: dict[str, Activation] = {act.name: act for act in TABLE}

# Names users type for the same function (PyTorch, JAX, Keras, papers), normalised as
# _key does. Spellings that differ only in case, "-" and "_" (hard_tanh, logsigmoid,
# soft_sign, relu_6) need no entry here.
ALIASES: dict[str, str] = {
    "swish": "silu",
    "hard_silu": "hardswish",  # jax.nn.hard_silu is hard_swish
    "logistic": "sigmoid",
    "linear": "identity",
    "gelu_new": "gelu_tanh",  # Hugging Face
    "gelu_pytorch_tanh": "gelu_tanh",
    "approximate_gelu": "gelu_tanh",
    "gelu_approximate": "gelu_tanh",
}

# approximate= as in torch.nn.functional.gelu ("none", "tanh") and jax.nn.gelu (bool)
_GELU_APPROXIMATE = {"none": "gelu", "tanh": "gelu_tanh", False: "gelu", True: "gelu_tanh"}


def _key(name: str) -> str:
    """A name as lookup compares it: lower case, without ``-`` and ``_``."""
    return name.lower().replace("-", "").replace("_", "")


_BY_KEY: dict[str, str] = {
    **{_key(alias): target for alias, target in ALIASES.items()},
    **{_key(n): n for n in _BY_NAME},
}


def names() -> list[str]:
    """Every registered activation name, sorted."""
    return sorted(_BY_NAME)


def all_activations() -> list[Activation]:
    """Every registered activation with its default parameters, sorted by name."""
    return [_BY_NAME[n] for n in names()]


def canonical_name(name: str) -> str:
    """The registered name for ``name``, ignoring case, ``-`` and ``_``, aliases
    resolved (``"Swish"`` → ``"silu"``, ``"hard-tanh"`` → ``"hardtanh"``).

    >>> canonical_name("LogSigmoid")
    'log_sigmoid'
    """
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a string, got {type(name).__name__}")
    found = name if name in _BY_NAME else _BY_KEY.get(_key(name))
    if found is None:
        vf = vector(name)
        if vf is not None:
            raise UnknownActivationError(
                f"{name!r} is a function of a whole vector, not an elementwise activation: "
                f"use actref.{vf.name} (`actref list` shows both kinds)"
            )
        known = {**_BY_KEY, **{_key(v.name): v.name for v in VECTOR_TABLE}}
        close = difflib.get_close_matches(_key(name), list(known), n=6, cutoff=0.5)
        suggestions = list(dict.fromkeys(known[c] for c in close))[:3]
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise UnknownActivationError(
            f"unknown activation {name!r}{hint} (all {len(_BY_NAME)} elementwise and "
            f"{len(VECTOR_TABLE)} vector functions: `actref list`)"
        )
    return found


def get(name: str, **params: Any) -> Activation:
    """The activation ``name`` with ``params`` bound (PyTorch's defaults otherwise).

    The name is matched ignoring case, ``-`` and ``_``, with the aliases users type
    (:data:`ALIASES`: swish → silu, hard_silu → hardswish, ...). GELU takes
    ``approximate`` as PyTorch (``"none"``, ``"tanh"``) and JAX (``False``, ``True``) do:
    ``get("gelu", approximate="tanh")`` is ``gelu_tanh``.

    >>> get("leaky_relu", negative_slope=0.1)(-1.0)
    array(-0.1)
    >>> get("GELU", approximate="tanh").name
    'gelu_tanh'
    """
    canonical = canonical_name(name)
    if "approximate" in params and canonical in ("gelu", "gelu_tanh"):
        approximate = params.pop("approximate")
        key = approximate.lower() if isinstance(approximate, str) else approximate
        if not isinstance(key, str | bool) or key not in _GELU_APPROXIMATE:
            raise ValueError(
                f"gelu: approximate={approximate!r} is not accepted; approximate must be "
                "'none' or 'tanh' (or False / True)"
            )
        target = _GELU_APPROXIMATE[key]
        if canonical == "gelu_tanh" and target == "gelu":
            raise ValueError(f"{name}: approximate={approximate!r} contradicts the name")
        canonical = target
    act = _BY_NAME[canonical]
    return act.with_params(**params) if params else act


def parse_params(pairs: Sequence[str]) -> Mapping[str, float]:
    """``["alpha=0.5", ...]`` from the command line as floats; never evaluates text."""
    out: dict[str, float] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"parameter {pair!r} is not KEY=VALUE (e.g. alpha=0.5)")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"parameter {key}={value!r} is not a number") from None
    return out


# -------------------------------------------------------------- vector functions
@dataclass(frozen=True)
class VectorFunction:
    """A function of a whole vector along an axis (the softmax family): its value, its
    full Jacobian, its formulas and its float64 ULP budget, declared once for ``actref
    list/show/plot/verify``."""

    name: str
    summary: str
    forward: Callable[..., NDArray[np.floating]]  # f(x, axis=-1)
    jacobian: Callable[..., NDArray[np.floating]]  # (..., n, n) along the last axis
    formula: str  # plain text, as ``actref show`` prints it
    derivative: str
    latex: str
    dlatex: str
    ulp_budget: float

    def __call__(self, x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
        return self.forward(x, axis=axis)


def _vector_table() -> tuple[VectorFunction, ...]:
    # the module, not the function actref re-exports under the same name; it imports
    # numeric only: no cycle
    sm = importlib.import_module("actref.softmax")

    return (
        VectorFunction(
            name="softmax",
            summary="exp(x_i) / sum_j exp(x_j): a probability vector (components sum to 1)",
            forward=sm.softmax,
            jacobian=sm.softmax_jacobian,
            formula="s_i(x) = exp(x_i) / (exp(x_1) + ... + exp(x_n))",
            derivative="ds_i/dx_j = s_i (delta_ij - s_j)   (J = diag(s) - s s^T)",
            latex=r"s_i(x) = \frac{e^{x_i}}{\sum_{j=1}^{n} e^{x_j}}",
            dlatex=r"\frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j)",
            ulp_budget=4.0,
        ),
        VectorFunction(
            name="log_softmax",
            summary="x_i - log sum_j exp(x_j): the log of softmax, never through log(s)",
            forward=sm.log_softmax,
            jacobian=sm.log_softmax_jacobian,
            formula="log s_i(x) = x_i - log(exp(x_1) + ... + exp(x_n))",
            derivative="d log s_i/dx_j = delta_ij - s_j   (J = I - 1 s^T)",
            latex=r"\log s_i(x) = x_i - \log \sum_{j=1}^{n} e^{x_j}",
            dlatex=r"\frac{\partial \log s_i}{\partial x_j} = \delta_{ij} - s_j",
            ulp_budget=4.0,
        ),
    )


VECTOR_TABLE: tuple[VectorFunction, ...] = _vector_table()
_VECTOR_BY_KEY = {_key(v.name): v for v in VECTOR_TABLE}


def vector_names() -> list[str]:
    """Every registered vector function (softmax family), sorted."""
    return sorted(v.name for v in VECTOR_TABLE)


def vector(name: str) -> VectorFunction | None:
    """The vector function ``name`` (case, ``-`` and ``_`` ignored), or None."""
    return _VECTOR_BY_KEY.get(_key(name)) if isinstance(name, str) else None
