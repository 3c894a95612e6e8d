"""The registry: the catalogue's activations by name.

:mod:`actref.catalogue` declares every activation once, as a short entry
(:mod:`actref.activation` holds their types); this module looks them up by name, alias
or spelling (:func:`get`, :func:`names`, :func:`canonical_name`) and reads parameters
from the command line (:func:`parse_params`). Tests, plots, ``verify``, the grader and
the docs iterate :func:`all_activations`; no other place lists the names.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from actref import naming, vectors
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

# the elementwise index (the vector functions: actref.vectors)
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
    # issue 15
    "relu_squared": "relu2",  # Primer's "squared ReLU"
    "squared_relu": "relu2",
    "relu_square": "relu2",
    "gelu_quick": "quick_gelu",
    "clipped_gelu": "gelu_10",  # Hugging Face's ClippedGELUActivation(-10, 10)
    "randomized_leaky_relu": "rrelu",
    "parametric_relu": "prelu",
    "exp": "exponential",
}

# approximate= as in torch.nn.functional.gelu ("none", "tanh") and jax.nn.gelu (bool)
_GELU_APPROXIMATE = {"none": "gelu", "tanh": "gelu_tanh", False: "gelu", True: "gelu_tanh"}


_key = naming.key  # the one normalisation (actref.naming), shared with the vector table


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
        vf = vectors.vector(name)
        if vf is not None:
            raise UnknownActivationError(
                f"{name!r} is a function of a whole vector, not an elementwise activation: "
                f"use actref.vectors.vector({vf.name!r}) (`actref list` shows both kinds)"
            )
        known = {**_BY_KEY, **{_key(v.name): v.name for v in vectors.TABLE}}
        close = difflib.get_close_matches(_key(name), list(known), n=6, cutoff=0.5)
        suggestions = list(dict.fromkeys(known[c] for c in close))[:3]
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise UnknownActivationError(
            f"unknown activation {name!r}{hint} (all {len(_BY_NAME)} elementwise and "
            f"{len(vectors.TABLE)} vector functions: `actref list`)"
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
