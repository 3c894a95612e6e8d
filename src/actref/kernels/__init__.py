"""The NumPy kernels, one module per family, each kernel declared as regions and run by
:mod:`actref.kernels.engine`.

``actref.kernels.NAME`` and ``actref.kernels.NAME_grad`` are collected here from the
family modules (:data:`FAMILIES`), never listed: every public ``NAME`` of a family
module with a ``NAME_grad`` beside it is a kernel pair (a :class:`~actref.kernels.engine.Kernel`
or a function choosing between kernels, as ``relu`` does), so a kernel added to a family
module is exported with no edit here. The catalogue takes its kernels from the family
modules themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from actref.kernels.constants import SELU_ALPHA as SELU_ALPHA
from actref.kernels.constants import SELU_SCALE as SELU_SCALE

#: The family modules, as :mod:`actref.catalogue` has one per family.
FAMILIES: tuple[str, ...] = (
    "algebraic",
    "exponential",
    "gaussian",
    "hyperbolic",
    "logistic",
    "piecewise",
)


def _pairs(module: ModuleType) -> dict[str, Callable[..., Any]]:
    """``NAME`` and ``NAME_grad`` for every public ``NAME`` of ``module`` that has both."""
    found = vars(module)
    out: dict[str, Callable[..., Any]] = {}
    for name, value in found.items():
        grad = found.get(name + "_grad")
        if name.startswith("_") or isinstance(value, type | ModuleType):
            continue
        if callable(value) and callable(grad):
            out[name], out[name + "_grad"] = value, grad
    return out


def _collect() -> dict[str, Callable[..., Any]]:
    kernels: dict[str, Callable[..., Any]] = {}
    for family in FAMILIES:
        for name, fn in _pairs(importlib.import_module(f"{__name__}.{family}")).items():
            if kernels.setdefault(name, fn) is not fn:  # the same kernel imported is fine
                raise ImportError(f"actref.kernels: two kernels are named {name!r}")
    return kernels


_KERNELS = _collect()
# a kernel named as its family (exponential) replaces the submodule's attribute, as the
# explicit re-exports did: importlib.import_module("actref.kernels.exponential") is the module
globals().update(_KERNELS)

__all__ = ["SELU_ALPHA", "SELU_SCALE", *sorted(_KERNELS)]  # noqa: PLE0604 (collected above)
