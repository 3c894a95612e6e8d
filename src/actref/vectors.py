"""The table of vector functions: functions of a whole vector along an axis.

Each entry carries everything the rest of the package needs, so nothing else tests a
name: the value along any axis, the full Jacobian and the Jacobian-vector products
along the last axis, the exact row oracle, the laws, its group, its figure, its
formulas and its float64 ULP budget (value, Jacobian) with the reason when above 4.
``actref list/show/plot/verify``, :mod:`actref.testing`, the grader and the benchmark
iterate :data:`TABLE`.

>>> from actref import vectors
>>> vectors.vector("Log-Softmax").name
'log_softmax'
>>> vectors.vector("glu")([1.0, 2.0, 0.0, 40.0]).tolist()
[0.5, 2.0]
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from actref import vector_laws as vl
from actref import vector_oracle as vo
from actref.hard_inputs import hard_rows
from actref.kernels import gated as gk
from actref.kernels import sparse as sk
from actref.naming import key

# the module, not the function actref re-exports under the same name
sm = importlib.import_module("actref.softmax")

__all__ = ["GROUPS", "GROUP_DESCRIPTIONS", "TABLE", "VectorFunction", "vector", "vector_names"]

Group = Literal["normalising", "gated"]
#: The groups, in the order ``actref list`` and the gallery show them.
GROUPS: tuple[Group, ...] = ("normalising", "gated")
#: One line on each group, as ``actref list`` and the gallery head it.
GROUP_DESCRIPTIONS: dict[Group, str] = {
    "normalising": "of a whole vector, onto probabilities",
    "gated": "x split in halves [a, b], a times a gate of b",
}
Array = NDArray[np.floating]

# where the Jacobian is held against finite differences: no kink, no support boundary
FD_ROWS = (
    (1.0, 2.0, 3.0, 4.5),
    (-5.0, 0.0, 5.0, 0.5),
    (0.5, -0.25, 2.0, 1.5),
    (30.0, 0.0, -30.0, 2.0),
)


@dataclass(frozen=True)
class VectorFunction:
    """One function of a whole vector along an axis, declared once."""

    name: str
    summary: str
    group: Group
    forward: Callable[..., Array]  # f(x, axis=-1)
    jacobian: Callable[[ArrayLike], Array]  # (..., m, n) along the last axis
    jvp: Callable[[ArrayLike, ArrayLike], Array]  # J v, (..., m)
    vjp: Callable[[ArrayLike, ArrayLike], Array]  # u^T J, (..., n)
    oracle_row: Callable[..., list[Any]]  # (row, derivative=False, dps=40) -> mpmath
    laws: tuple[vl.VectorLaw, ...]
    figure: str  # a function of actref.vector_figures taking (vf, x_range, points)
    formula: str  # plain text, as ``actref show`` prints it
    derivative: str
    latex: str
    dlatex: str
    ulp_budget: tuple[float, float] = (4.0, 4.0)  # float64: value, Jacobian
    budget_reason: str = ""  # why, where a budget is above 4
    halves: bool = False  # the output has half the entries (gated functions)
    fd_rows: tuple[tuple[float, ...], ...] = FD_ROWS
    hard_rows: Callable[[DTypeLike], Array] = hard_rows
    # which frameworks ship it, under which names (as actref.activation.Activation's)
    shipped: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )

    def __call__(self, x: ArrayLike, axis: int = -1) -> Array:
        return self.forward(x, axis=axis)

    def out_size(self, n: int) -> int:
        """Entries of the result for ``n`` inputs along the axis."""
        return n // 2 if self.halves else n

    def accepts(self, n: int) -> bool:
        """Whether a row of ``n`` entries is in the domain (gated: even, at least 2)."""
        return n >= 2 and n % 2 == 0 if self.halves else n >= 1


def _normalising_laws() -> tuple[vl.VectorLaw, ...]:
    return (vl.sums_to_one(), vl.bounded(0.0, 1.0), vl.shift_invariant())


def _gated(
    name: str,
    gate: str,
    what: str,
    gate_tex: str,
    open_law: vl.VectorLaw,
    budget: tuple[float, float] = (4.0, 4.0),
    reason: str = "",
    shipped: Mapping[str, tuple[str, ...]] | None = None,
) -> VectorFunction:
    kw: dict[str, Any] = {"gate": gate, "name": name}
    return VectorFunction(
        name=name,
        summary=f"a * {what}(b) with x = [a, b] split in halves (torch's glu order)",
        group="gated",
        forward=functools.partial(gk.gated, **kw),
        jacobian=functools.partial(gk.gated_jacobian, **kw),
        jvp=functools.partial(gk.gated_jvp, **kw),
        vjp=functools.partial(gk.gated_vjp, **kw),
        oracle_row=functools.partial(vo.gated_row, gate=gate),
        laws=(open_law, vl.gate_closed(), vl.linear_in_value()),
        figure="gated_figure",
        formula=f"y_i = a_i * {what}(b_i),  x = [a_1..a_m, b_1..b_m]",
        derivative=(
            f"dy_i/da_i = {what}(b_i),  dy_i/db_i = a_i * {what}'(b_i),  0 elsewhere (J is m x 2m)"
        ),
        latex=rf"y_i = a_i\,{gate_tex}(b_i),\quad x = [a, b]",
        dlatex=(
            rf"\frac{{\partial y_i}}{{\partial a_i}} = {gate_tex}(b_i),\quad"
            rf"\frac{{\partial y_i}}{{\partial b_i}} = a_i\,{gate_tex}'(b_i)"
        ),
        halves=True,
        ulp_budget=budget,
        budget_reason=reason,
        shipped=shipped or {},
    )


def _times_b(a: NDArray[np.float64], b: float) -> NDArray[np.float64]:
    return a * b


def _table() -> tuple[VectorFunction, ...]:
    large = 1000.0  # silu, gelu and relu are exactly b there: f([a, b]) = a b
    return (
        VectorFunction(
            name="softmax",
            shipped={
                "torch": ("nn.Softmax", "F.softmax"),
                "jax": ("softmax",),
                "keras": ("softmax",),
            },
            summary="exp(x_i) / sum_j exp(x_j): a probability vector (components sum to 1)",
            group="normalising",
            forward=sm.softmax,
            jacobian=sm.softmax_jacobian,
            jvp=sm.softmax_jvp,
            vjp=sm.softmax_vjp,
            oracle_row=vo.softmax_row,
            laws=_normalising_laws(),
            figure="softmax_components",
            formula="s_i(x) = exp(x_i) / (exp(x_1) + ... + exp(x_n))",
            derivative="ds_i/dx_j = s_i (delta_ij - s_j)   (J = diag(s) - s s^T)",
            latex=r"s_i(x) = \frac{e^{x_i}}{\sum_{j=1}^{n} e^{x_j}}",
            dlatex=r"\frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j)",
        ),
        VectorFunction(
            name="log_softmax",
            shipped={
                "torch": ("nn.LogSoftmax", "F.log_softmax"),
                "jax": ("log_softmax",),
                "keras": ("log_softmax",),
            },
            summary="x_i - log sum_j exp(x_j): the log of softmax, never through log(s)",
            group="normalising",
            forward=sm.log_softmax,
            jacobian=sm.log_softmax_jacobian,
            jvp=sm.log_softmax_jvp,
            vjp=sm.log_softmax_vjp,
            oracle_row=vo.log_softmax_row,
            laws=(vl.exp_sums_to_one(), vl.bounded(-np.inf, 0.0), vl.shift_invariant()),
            figure="log_softmax_components",
            formula="log s_i(x) = x_i - log(exp(x_1) + ... + exp(x_n))",
            derivative="d log s_i/dx_j = delta_ij - s_j   (J = I - 1 s^T)",
            latex=r"\log s_i(x) = x_i - \log \sum_{j=1}^{n} e^{x_j}",
            dlatex=r"\frac{\partial \log s_i}{\partial x_j} = \delta_{ij} - s_j",
        ),
        VectorFunction(
            name="softmin",
            shipped={"torch": ("nn.Softmin", "F.softmin")},
            summary="softmax(-x): weights that favour the smallest entries (sum to 1)",
            group="normalising",
            forward=sm.softmin,
            jacobian=sm.softmin_jacobian,
            jvp=sm.softmin_jvp,
            vjp=sm.softmin_vjp,
            oracle_row=vo.softmin_row,
            laws=(*_normalising_laws(), vl.mirror_of(sm.softmax, "softmax")),
            figure="normalising_figure",
            formula="s_i(x) = exp(-x_i) / (exp(-x_1) + ... + exp(-x_n))",
            derivative="ds_i/dx_j = -s_i (delta_ij - s_j)   (J = s s^T - diag(s))",
            latex=r"s_i(x) = \frac{e^{-x_i}}{\sum_{j=1}^{n} e^{-x_j}}",
            dlatex=r"\frac{\partial s_i}{\partial x_j} = -s_i\,(\delta_{ij} - s_j)",
        ),
        VectorFunction(
            name="sparsemax",
            shipped={"keras": ("sparsemax",)},
            summary="[x - tau]_+: the Euclidean projection onto the simplex (exact zeros)",
            group="normalising",
            forward=sk.sparsemax,
            jacobian=sk.sparsemax_jacobian,
            jvp=sk.sparsemax_jvp,
            vjp=sk.sparsemax_jvp,
            oracle_row=vo.sparsemax_row,
            laws=(
                *_normalising_laws(),
                vl.support_is_above_threshold(),
                vl.one_hot_when_dominant(),
                vl.order_preserving(),
            ),
            figure="normalising_figure",
            formula=(
                "s_i(x) = max(x_i - tau, 0), tau = (sum_{j<=K} x_(j) - 1) / K, "
                "K = max{k : 1 + k x_(k) > sum_{j<=k} x_(j)}  (x_(1) >= x_(2) >= ...)"
            ),
            derivative="ds_i/dx_j = [i in S] ([i = j] - [j in S] / |S|)   (S: s > 0)",
            latex=r"s_i(x) = [x_i - \tau(x)]_+,\quad \sum_i s_i = 1",
            dlatex=r"\frac{\partial s_i}{\partial x_j} = [i \in S]\,(\delta_{ij} - [j \in S]/|S|)",
            fd_rows=(
                (0.1, 0.2, 0.35, -0.4),
                (1.0, 0.6, 0.5, -2.0),
                (0.0, 0.0, 0.0, 0.0),
                (3.0, 0.2, 0.1, 0.05),
            ),
        ),
        VectorFunction(
            name="entmax15",
            summary="[x/2 - tau]_+^2: 1.5-entmax, between softmax and sparsemax (exact zeros)",
            group="normalising",
            forward=sk.entmax15,
            jacobian=sk.entmax15_jacobian,
            jvp=sk.entmax15_jvp,
            vjp=sk.entmax15_jvp,
            oracle_row=vo.entmax15_row,
            laws=(
                *_normalising_laws(),
                vl.entmax_threshold(),
                vl.one_hot_when_dominant(2.0),
                vl.order_preserving(),
            ),
            figure="normalising_figure",
            formula=(
                "p_i(x) = max(x_i/2 - tau, 0)^2, tau = M_K - sqrt(1/K - V_K): M_k, V_k the "
                "mean and variance of the k largest x/2, K = #{k : M_k - sqrt(...) <= x_(k)/2}"
            ),
            derivative="dp_i/dx_j = g_i delta_ij - g_i g_j / sum(g),  g = sqrt(p)",
            latex=r"p_i(x) = [x_i/2 - \tau(x)]_+^2,\quad \sum_i p_i = 1",
            dlatex=r"J = \operatorname{diag}(g) - \frac{g g^\top}{\sum_j g_j},\quad g = \sqrt{p}",
            fd_rows=(
                (0.1, 0.2, 0.35, -0.4),
                (1.0, 0.6, 0.5, -2.0),
                (0.0, 0.0, 0.0, 0.0),
                (5.0, 0.2, 0.1, 0.05),
            ),
        ),
        _gated(
            "glu",
            "sigmoid",
            "sigmoid",
            r"\sigma",
            vl.gate_open(np.inf, lambda a, _: a, "b -> +inf gives a"),
            shipped={"torch": ("nn.GLU", "F.glu"), "jax": ("glu",), "keras": ("glu",)},
        ),
        _gated(
            "swiglu",
            "silu",
            "silu",
            r"\mathrm{silu}",
            vl.gate_open(large, _times_b, "large b gives a b"),
            (5.0, 5.0),
            "silu's own budget (4 ULP, value and slope) plus one rounding of the product "
            "a silu(b); 4 measured on the hard rows",
        ),
        _gated(
            "geglu",
            "gelu",
            "gelu",
            r"\mathrm{gelu}",
            vl.gate_open(large, _times_b, "large b gives a b"),
            (9.0, 5.0),
            "gelu's own budget (8 ULP value, 4 slope: the registry's) plus one rounding "
            "of the product a gelu(b); 5 and 4 measured on the hard rows",
        ),
        _gated(
            "reglu",
            "relu",
            "relu",
            r"\mathrm{relu}",
            vl.gate_open(large, _times_b, "large b gives a b"),
        ),
    )


#: Every vector function, in the order ``actref list`` shows them within a group.
TABLE: tuple[VectorFunction, ...] = _table()
_BY_KEY = {key(v.name): v for v in TABLE}


def vector_names() -> list[str]:
    """Every vector function's name, sorted."""
    return sorted(v.name for v in TABLE)


def vector(name: str) -> VectorFunction | None:
    """The vector function ``name`` (case, ``-`` and ``_`` ignored), or None."""
    return _BY_KEY.get(key(name)) if isinstance(name, str) else None
