r"""Figures of the vector functions: each entry of :mod:`actref.vectors` names its
figure (a function here taking the entry, the range and the number of points).

softmax and log_softmax draw their components against one input, with a diagonal
Jacobian entry; the other normalising functions share :func:`normalising_figure`;
gated functions draw ``f([a, b])`` against the gate input ``b`` with its slope
(:func:`gated_figure`). Built and saved as :mod:`actref.plotting` builds its figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from actref.figure_style import (
    DEFAULT_POINTS,
    DF_COLOR,
    F_COLOR,
    SOFTMAX_SAMPLE,
    ZERO_COLOR,
    check_points,
    check_range,
    style,
)
from actref.softmax import (
    log_softmax,
    log_softmax_jacobian,
    softmax,
    softmax_jacobian,
    softmax_jacobian_diag,
)
from actref.vectors import VectorFunction, vector

__all__ = [
    "draw_slice",
    "gated_figure",
    "log_softmax_components_figure",
    "normalising_figure",
    "softmax_components_figure",
    "softmax_jacobian_figure",
    "vector_figure",
]

Range = Sequence[float] | None


def softmax_components_figure(
    x_range: Sequence[float] = (-6.0, 6.0), *, points: int = DEFAULT_POINTS
) -> Figure:
    r"""Components of :math:`s = \mathrm{softmax}([x, 0, -1])` against ``x``.

    With the diagonal Jacobian entry :math:`\partial s_0 / \partial x = s_0 (1 - s_0)`.
    """
    lo, hi = check_range(x_range, (-6.0, 6.0))
    points = check_points(points)
    x = np.linspace(lo, hi, points)
    inputs = np.stack([x, np.zeros_like(x), np.full_like(x, -1.0)], axis=-1)
    s = softmax(inputs)
    ds0 = softmax_jacobian_diag(inputs)[:, 0]
    with style():
        fig = Figure(figsize=(8.0, 5.0), layout="constrained")
        ax = fig.add_subplot()
        ax.axhline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
        ax.axvline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
        labels = ("$s_0$ (input $x$)", "$s_1$ (input $0$)", "$s_2$ (input $-1$)")
        for i, (label, color) in enumerate(zip(labels, ("C0", "C2", "C3"), strict=True)):
            ax.plot(x, s[:, i], color=color, label=label, zorder=3)
        ax.plot(
            x,
            ds0,
            color=DF_COLOR,
            ls="--",
            zorder=3,
            label=r"$\partial s_0/\partial x = s_0\,(1 - s_0)$",
        )
        ax.set_xlim(lo, hi)
        ax.set_xlabel("$x$")
        ax.set_ylabel("value")
        ax.set_title(
            r"$s = \mathrm{softmax}([x,\ 0,\ -1])$, components sum to 1"
            "\n"
            r"$s_i = e^{x_i} / (e^{x} + e^{0} + e^{-1})$"
        )
        ax.legend(loc="center left")
    return fig


def log_softmax_components_figure(
    x_range: Sequence[float] = (-6.0, 6.0), *, points: int = DEFAULT_POINTS
) -> Figure:
    r"""Components of :math:`\log s = \mathrm{log\_softmax}([x, 0, -1])` against ``x``.

    With the diagonal Jacobian entry :math:`\partial \log s_0 / \partial x = 1 - s_0`
    (summed from the other entries, accurate where :math:`s_0` is near 1).
    """
    lo, hi = check_range(x_range, (-6.0, 6.0))
    points = check_points(points)
    x = np.linspace(lo, hi, points)
    inputs = np.stack([x, np.zeros_like(x), np.full_like(x, -1.0)], axis=-1)
    logs = log_softmax(inputs)
    d0 = log_softmax_jacobian(inputs)[:, 0, 0]
    with style():
        fig = Figure(figsize=(8.0, 5.0), layout="constrained")
        ax = fig.add_subplot()
        ax.axhline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
        ax.axvline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
        labels = (r"$\log s_0$ (input $x$)", r"$\log s_1$ (input $0$)", r"$\log s_2$ (input $-1$)")
        for i, (label, color) in enumerate(zip(labels, ("C0", "C2", "C3"), strict=True)):
            ax.plot(x, logs[:, i], color=color, label=label, zorder=3)
        ax.plot(
            x, d0, color=DF_COLOR, ls="--", zorder=3,
            label=r"$\partial \log s_0/\partial x = 1 - s_0$",
        )  # fmt: skip
        ax.set_xlim(lo, hi)
        ax.set_xlabel("$x$")
        ax.set_ylabel("value")
        ax.set_title(
            r"$\log s = \mathrm{log\_softmax}([x,\ 0,\ -1])$, never $\log$ of a rounded $s$"
            "\n"
            r"$\log s_i = x_i - \log(e^{x} + e^{0} + e^{-1})$"
        )
        ax.legend(loc="lower center")
    return fig


def _minus(text: str) -> str:
    """A typographic minus sign, as the axis tick labels have."""
    return text.replace("-", "\N{MINUS SIGN}")


def softmax_jacobian_figure(x: ArrayLike = SOFTMAX_SAMPLE) -> Figure:
    r"""Heat map of :math:`J = \operatorname{diag}(s) - s s^\top` at the vector ``x``.

    ``x`` is a finite 1-D vector of 2 to 12 entries; each cell shows its value.
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1 or not 2 <= arr.size <= 12:
        raise ValueError(f"x must be a 1-D vector of 2 to 12 numbers, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must be finite")
    s = softmax(arr)
    jac = softmax_jacobian(arr)
    n = arr.size
    bound = float(np.max(np.abs(jac)))
    with style():
        fig = Figure(figsize=(7.0, 5.6), layout="constrained")
        ax = fig.add_subplot()
        image = ax.imshow(jac, cmap="RdBu_r", vmin=-bound, vmax=bound)
        for i in range(n):
            for j in range(n):
                value = float(jac[i, j])
                ax.text(
                    j,
                    i,
                    _minus(f"{value:.3f}"),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if abs(value) > 0.6 * bound else "black",
                )
        ticks = np.arange(n)
        ax.set_xticks(ticks, [f"$x_{j}$ = {_minus(f'{arr[j]:g}')}" for j in range(n)])
        ax.set_yticks(ticks, [f"$s_{i}$ = {s[i]:.3f}" for i in range(n)])
        ax.tick_params(axis="x", labelsize=9)
        ax.grid(False)
        ax.set_xlabel(r"with respect to $x_j$")
        ax.set_ylabel(r"component $s_i$")
        shown = _minus(", ".join(f"{v:g}" for v in arr))
        ax.set_title(
            rf"Jacobian of softmax at $x$ = ({shown})"
            "\n"
            r"$J_{ij} = \partial s_i/\partial x_j = s_i\,(\delta_{ij} - s_j)$"
        )
        fig.colorbar(image, ax=ax, shrink=0.85, label=r"$J_{ij}$")
    return fig


# ------------------------------------------------------------- the table's figures
def vector_figure(name: str, x_range: Range = None, *, points: int = DEFAULT_POINTS) -> Figure:
    """The figure of a vector function of :mod:`actref.vectors`, by name."""
    vf = vector(name)
    if vf is None:
        raise ValueError(f"no figure for the vector function {name!r}")
    draw = globals()[vf.figure]
    fig: Figure = draw(vf, x_range, points)
    return fig


def softmax_components(vf: VectorFunction, x_range: Range, points: int) -> Figure:
    """:func:`softmax_components_figure` as the table calls it."""
    return softmax_components_figure(
        x_range if x_range is not None else (-6.0, 6.0), points=points
    )


def log_softmax_components(vf: VectorFunction, x_range: Range, points: int) -> Figure:
    """:func:`log_softmax_components_figure` as the table calls it."""
    lo_hi = x_range if x_range is not None else (-6.0, 6.0)
    return log_softmax_components_figure(lo_hi, points=points)


def normalising_figure(vf: VectorFunction, x_range: Range, points: int) -> Figure:
    r"""Components of :math:`f([x, 0, -1])` against ``x``, with the Jacobian entry
    :math:`\partial f_0/\partial x` (a normalising function: they sum to 1)."""
    lo, hi = check_range(x_range, (-6.0, 6.0))
    points = check_points(points)
    x = np.linspace(lo, hi, points)
    inputs = np.stack([x, np.zeros_like(x), np.full_like(x, -1.0)], axis=-1)
    y = vf(inputs)
    x_d0, d0 = _break_jumps(x, vf.jacobian(inputs)[:, 0, 0])
    name = vf.name.replace("_", r"\_")
    with style():
        fig = Figure(figsize=(8.0, 5.0), layout="constrained")
        ax = fig.add_subplot()
        ax.axhline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
        ax.axvline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
        labels = ("$f_0$ (input $x$)", "$f_1$ (input $0$)", "$f_2$ (input $-1$)")
        for i, (label, color) in enumerate(zip(labels, ("C0", "C2", "C3"), strict=True)):
            ax.plot(x, y[:, i], color=color, label=label, zorder=3)
        ax.plot(
            x_d0, d0, color=DF_COLOR, ls="--", zorder=3, label=r"$\partial f_0/\partial x$"
        )  # fmt: skip
        ax.set_xlim(lo, hi)
        ax.set_xlabel("$x$")
        ax.set_ylabel("value")
        ax.set_title(
            rf"$f = \mathrm{{{name}}}([x,\ 0,\ -1])$, components sum to 1"
            "\n"
            f"${vf.latex}$"
        )
        ax.legend(loc="center left")
    return fig


def _break_jumps(x: NDArray[np.floating], y: NDArray[np.floating]) -> tuple[Any, Any]:
    """A jump of a derivative (reglu at 0, sparsemax where the support changes) drawn
    as a jump, not as a vertical line: nan between the two sides."""
    jumps = np.flatnonzero(np.abs(np.diff(y)) > 0.1) + 1
    return np.insert(x, jumps, np.nan), np.insert(y, jumps, np.nan)


def gated_figure(vf: VectorFunction, x_range: Range, points: int) -> Figure:
    r"""``f([a, b])`` against the gate input ``b`` for ``a = 1`` and ``a = -1/2``, with
    :math:`\partial f/\partial b` at ``a = 1`` (the gate's own slope)."""
    lo, hi = check_range(x_range, (-6.0, 6.0))
    points = check_points(points)
    b = np.linspace(lo, hi, points)
    ones = np.ones_like(b)
    y1 = vf(np.stack([ones, b], axis=-1))[:, 0]
    y2 = vf(np.stack([-0.5 * ones, b], axis=-1))[:, 0]
    slope = vf.jacobian(np.stack([ones, b], axis=-1))[:, 0, 1]
    b_slope, slope = _break_jumps(b, slope)
    with style():
        fig = Figure(figsize=(8.0, 5.0), layout="constrained")
        ax = fig.add_subplot()
        ax.axhline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
        ax.axvline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
        ax.plot(b, y1, color=F_COLOR, label="$f([1,\\ b])$", zorder=3)
        ax.plot(b, y2, color="C2", label="$f([-1/2,\\ b])$", zorder=3)
        ax.plot(
            b_slope, slope, color=DF_COLOR, ls="--", zorder=3,
            label=r"$\partial f([1,\ b])/\partial b$",
        )  # fmt: skip
        ax.set_xlim(lo, hi)
        ax.set_xlabel("gate input $b$")
        ax.set_ylabel("value")
        ax.set_title(
            rf"$\mathrm{{{vf.name}}}([a,\ b])$: $x$ split in halves, value $a$, gate $b$"
            "\n"
            f"${vf.latex}$"
        )
        ax.legend(loc="upper left")
    return fig


def draw_slice(ax: Any, vf: VectorFunction, points: int = DEFAULT_POINTS) -> None:
    r"""A gallery panel: one input of ``vf`` varied, the rest held — ``f([x, 0])_0``
    with :math:`\partial f_0/\partial x` for a normalising function, ``f([1, x])`` with
    :math:`\partial f/\partial b` for a gated one — on [-6, 6]."""
    x = np.linspace(-6.0, 6.0, check_points(points))
    if vf.group == "gated":
        rows = np.stack([np.ones_like(x), x], axis=-1)
        title, col = f"{vf.name}([1, x])", 1
    else:
        rows = np.stack([x, np.zeros_like(x)], axis=-1)
        title, col = f"{vf.name}([x, 0])[0]", 0
    y = vf(rows)[:, 0]
    x_d, d = _break_jumps(x, vf.jacobian(rows)[:, 0, col])
    ax.axhline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
    ax.axvline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
    ax.plot(x, y, color=F_COLOR, zorder=3)
    ax.plot(x_d, d, color=DF_COLOR, ls="--", zorder=3)
    ax.set_xlim(-6.0, 6.0)
    ax.set_title(title)
