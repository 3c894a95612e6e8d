r"""Figures: one activation with its derivative, a grid of several, the gallery, softmax.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no
global state; files are rendered by Agg). Curves are evaluated vectorised with the
NumPy implementation (``act(x)``, ``act.grad(x)``); kinks are inserted into the grid
exactly, so a corner is drawn sharp and a jump is drawn as a jump, never as a steep
line. Rendering is deterministic: figures are built and saved inside the shipped
style file (:data:`STYLE`, applied after matplotlib's defaults are reset), at a fixed
size and DPI, with matplotlib's bundled DejaVu fonts, and :func:`save_figure` writes
no timestamps or version strings, so the same figure gives the same bytes.

>>> from actref import plotting
>>> fig = plotting.activation_figure("gelu")
>>> plotting.save_figure(fig, "gelu.png")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import numbers
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import matplotlib.style
import numpy as np
import sympy
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.mathtext import MathTextParser
from numpy.typing import ArrayLike, NDArray
from sympy.printing.latex import LatexPrinter

from actref import registry
from actref.registry import Activation, Kink
from actref.softmax import (
    log_softmax,
    log_softmax_jacobian,
    softmax,
    softmax_jacobian,
    softmax_jacobian_diag,
)

__all__ = [
    "CLASSIC",
    "DEFAULT_POINTS",
    "FORMATS",
    "STYLE",
    "activation_figure",
    "draw_activation",
    "formula",
    "gallery_figure",
    "grid_figure",
    "log_softmax_components_figure",
    "save_figure",
    "softmax_components_figure",
    "softmax_jacobian_figure",
    "style",
    "vector_figure",
]

STYLE: Final = Path(__file__).with_name("actref.mplstyle")
DEFAULT_POINTS: Final = 1001
MAX_POINTS: Final = 1_000_000
# File formats written deterministically, with the metadata that would carry a date
# or a version string blanked.
FORMATS: Final[Mapping[str, Mapping[str, None]]] = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Date": None, "Creator": None},
}
# The classic homework's figure: sigmoid, tanh, ReLU and leaky ReLU with slope 0.1.
CLASSIC: Final[tuple[tuple[str, Mapping[str, float]], ...]] = (
    ("sigmoid", {}),
    ("tanh", {}),
    ("relu", {}),
    ("leaky_relu", {"negative_slope": 0.1}),
)
SOFTMAX_SAMPLE: Final = (2.0, 1.0, 0.1, -1.0)

F_COLOR: Final = "C0"
DF_COLOR: Final = "C1"
KINK_COLOR: Final = "0.55"
ZERO_COLOR: Final = "0.35"

F64 = NDArray[np.float64]


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the shipped style on top of matplotlib's defaults, whatever the user's rc."""
    with matplotlib.style.context(STYLE, after_reset=True):
        yield


# ------------------------------------------------------------------------- validation
def _activation(act: Activation | str) -> Activation:
    if isinstance(act, Activation):
        return act
    return registry.get(act)


def _check_range(
    x_range: Sequence[float] | None, default: tuple[float, float]
) -> tuple[float, float]:
    if x_range is None:
        return default
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"x_range must be two numbers (lo, hi), got {x_range!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"x_range must be finite, got ({lo:g}, {hi:g})")
    if not lo < hi:
        raise ValueError(f"x_range must have lo < hi, got ({lo:g}, {hi:g})")
    if not math.isfinite(hi - lo):
        raise ValueError(f"x_range ({lo:g}, {hi:g}) is too wide: hi - lo overflows")
    return lo, hi


def _check_points(points: int) -> int:
    if isinstance(points, bool) or not isinstance(points, numbers.Integral):
        raise TypeError(f"points must be an integer, got {type(points).__name__}")
    if not 2 <= points <= MAX_POINTS:
        raise ValueError(f"points must be between 2 and {MAX_POINTS}, got {points}")
    return int(points)


# --------------------------------------------------------------------------- formulas
class _MathtextPrinter(LatexPrinter):  # type: ignore[misc]  # sympy is untyped
    """LaTeX that matplotlib's mathtext can typeset.

    mathtext has no ``cases`` environment and no ``\\text``: a Piecewise becomes
    ``e1 if c1, e2 if c2, e3 otherwise`` on one line (our Piecewise are all top level).
    """

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        parts = []
        for value, cond in expr.args:
            shown = self._print(value)
            if cond is sympy.true:
                parts.append(rf"{shown}\ \mathrm{{otherwise}}")
            else:
                parts.append(rf"{shown}\ \mathrm{{if}}\ {self._print(cond)}")
        return r",\quad ".join(parts)

    def _print_Abs(self, expr: sympy.Abs, exp: str | None = None) -> str:
        # mathtext's \left| \right| draws bars shorter than the x they enclose
        shown = rf"|{self._print(expr.args[0])}|"
        return rf"{shown}^{{{exp}}}" if exp is not None else shown

    def _print_Or(self, expr: sympy.Or) -> str:
        return r"\ \mathrm{or}\ ".join(self._print(a) for a in expr.args)

    def _print_And(self, expr: sympy.And) -> str:
        return r"\ \mathrm{and}\ ".join(self._print(a) for a in expr.args)


def _readable(expr: sympy.Expr) -> sympy.Expr:
    """Long exact rationals (SELU's constants, 44715/10⁶) shown as 6-digit decimals."""
    long = {r: sympy.Float(r, 6) for r in expr.atoms(sympy.Rational) if r.q > 1000}
    return expr.xreplace(long) if long else expr


@functools.cache
def _mathtext_parser() -> MathTextParser[Any]:
    return MathTextParser("path")


def _parses(text: str) -> bool:
    try:
        with style():
            _mathtext_parser().parse(text)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=256)
def _formula(expr: sympy.Expr) -> tuple[str, bool]:
    shown = _readable(expr)
    # display-style fractions: a title's \\frac would shrink the numerator to script size
    latex = _MathtextPrinter().doprint(shown).replace(r"\frac", r"\dfrac")
    # mathtext sets no space in "x \tanh", and a binary minus's spaces in "x \leq -3"
    latex = re.sub(r"(?<=[\w}]) (\\(?:tanh|log|operatorname|exp))", r"\\,\1", latex)
    latex = re.sub(r"(\\leq|\\geq|<|>) - ?(\d+|\\dfrac\{\d+\}\{\d+\})", r"\1 {-\2}", latex)
    text = f"$f(x) = {latex}$"
    if _parses(text):
        return text, True
    # mathtext could not typeset it: plain text still says what the function is
    return "f(x) = " + sympy.sstr(shown).replace("**", "^"), False


def formula(act: Activation | str) -> str:
    r"""``f(x) = ...`` for a title: mathtext from the SymPy expression, plain text if not.

    >>> formula("sigmoid")
    '$f(x) = \\dfrac{1}{1 + e^{- x}}$'
    """
    return _formula(_activation(act).display_expr)[0]


# ------------------------------------------------------------------------------ curves
def _segments(act: Activation, lo: float, hi: float, points: int) -> tuple[F64, F64, F64]:
    """``x``, ``f(x)``, ``f'(x)`` with every kink inside (lo, hi) inserted exactly.

    The arrays are split into pieces at each kink; the piece left of a kink ends at its
    left limits, the next begins at its right limits, and a NaN row between them makes
    matplotlib lift the pen. Where ``f`` is continuous its two limits are equal, so the
    corner is drawn as a corner.
    """
    base = np.linspace(lo, hi, points)
    kinks = sorted((k for k in act.kinks if lo < k.at < hi), key=lambda k: k.at)
    edges = [lo, *(k.at for k in kinks), hi]
    xs: list[F64] = []
    fs: list[F64] = []
    dfs: list[F64] = []
    for i, (a, b) in enumerate(itertools.pairwise(edges)):
        inner = base[(base > a) & (base < b)]
        seg = np.concatenate(([a], inner, [b]))
        f = np.asarray(act(seg), dtype=np.float64)
        df = np.asarray(act.grad(seg), dtype=np.float64)
        if i > 0:  # starts at a kink: right limits
            k = kinks[i - 1]
            f[0] = float(act(np.nextafter(a, math.inf))) if not k.continuous else f[0]
            df[0] = k.right
        if i < len(kinks):  # ends at a kink: left limits
            k = kinks[i]
            f[-1] = float(act(np.nextafter(b, -math.inf))) if not k.continuous else f[-1]
            df[-1] = k.left
        if i > 0:
            xs.append(np.array([np.nan]))
            fs.append(np.array([np.nan]))
            dfs.append(np.array([np.nan]))
        xs.append(seg)
        fs.append(f)
        dfs.append(df)
    return np.concatenate(xs), np.concatenate(fs), np.concatenate(dfs)


def _curve_without_breaks(x: F64, y: F64, joined: Sequence[bool]) -> tuple[F64, F64]:
    """Drop the NaN separators at the kinks where the curve has no jump (``joined``).

    The two copies of the kink point then meet as one polyline vertex, so the corner
    is mitred like any other vertex instead of two line caps.
    """
    sep = np.flatnonzero(np.isnan(x))
    drop = [s for s, j in zip(sep, joined, strict=True) if j]
    # the duplicated kink point: keep one copy
    drop += [s + 1 for s, j in zip(sep, joined, strict=True) if j]
    keep = np.ones(x.shape, dtype=bool)
    keep[drop] = False
    return x[keep], y[keep]


# ---------------------------------------------------------------------------- drawing
def _mark_kinks(
    ax: Axes, act: Activation, kinks: Sequence[Kink], derivative: bool, ms: float
) -> None:
    for k in kinks:
        ax.axvline(k.at, color=KINK_COLOR, lw=0.8, ls=":", zorder=1)
        fk = float(act(k.at))
        ax.plot([k.at], [fk], "o", color=F_COLOR, mec="black", mew=0.8, ms=ms, zorder=4)
        if not k.continuous:
            for limit in (
                float(act(np.nextafter(k.at, -math.inf))),
                float(act(np.nextafter(k.at, math.inf))),
            ):
                if limit != fk:
                    ax.plot(
                        [k.at], [limit], "o", mfc="white", mec=F_COLOR, mew=1.2, ms=ms, zorder=4
                    )
        if derivative:
            ax.plot([k.at], [k.grad], "o", color=DF_COLOR, mec="black", mew=0.8, ms=ms, zorder=4)
            for limit in dict.fromkeys((k.left, k.right)):  # in order, without repeats
                if limit != k.grad:
                    ax.plot(
                        [k.at], [limit], "o", mfc="white", mec=DF_COLOR, mew=1.2, ms=ms, zorder=4
                    )


def _legend_handles(derivative: bool, with_kinks: bool) -> list[Line2D]:
    handles = [Line2D([], [], color=F_COLOR, label="$f(x)$")]
    if derivative:
        handles.append(Line2D([], [], color=DF_COLOR, ls="--", label="$f'(x)$"))
    if with_kinks:
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color="0.4",
                mec="black",
                mew=0.8,
                label="kink: value used (PyTorch)",
            )
        )
        handles.append(
            Line2D(
                [], [], ls="", marker="o", mfc="white", mec="0.4", mew=1.2, label="one-sided limit"
            )
        )
    return handles


def draw_activation(
    ax: Axes,
    act: Activation | str,
    *,
    x_range: Sequence[float] | None = None,
    points: int = DEFAULT_POINTS,
    derivative: bool = True,
    title: str = "full",
    legend: bool = True,
) -> None:
    """Draw ``act`` (and its derivative) on ``ax``: curves, zero lines, kinks, labels.

    ``title`` is ``"full"`` (name, parameters and formula), ``"name"`` or ``"none"``.
    Call it inside :func:`style` so the panel gets the shipped style.
    """
    act = _activation(act)
    lo, hi = _check_range(x_range, act.plot_range)
    points = _check_points(points)
    if title not in ("full", "name", "none"):
        raise ValueError(f"title must be 'full', 'name' or 'none', got {title!r}")
    x, f, df = _segments(act, lo, hi, points)
    kinks = [k for k in act.kinks if lo <= k.at <= hi]
    inner = [k for k in kinks if lo < k.at < hi]

    ax.axhline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
    if lo < 0.0 < hi:
        ax.axvline(0.0, color=ZERO_COLOR, lw=0.8, zorder=1)
    xf, yf = _curve_without_breaks(x, f, [k.continuous for k in inner])
    ax.plot(xf, yf, color=F_COLOR, zorder=3)
    if derivative:
        xd, yd = _curve_without_breaks(x, df, [k.left == k.right for k in inner])
        ax.plot(xd, yd, color=DF_COLOR, ls="--", zorder=3)
    _mark_kinks(ax, act, kinks, derivative, ms=6.0 if title == "full" else 4.5)

    ax.set_xlim(lo, hi)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$, $f'(x)$" if derivative else "$f(x)$")
    if title == "full":
        # the formula is the title and the name a text just above it: as two lines of
        # one title, a descender of the name (leaky_relu's "_") touches a tall fraction
        # bottom, not baseline: a fraction's denominator hangs below the baseline
        ax.set_title(formula(act), verticalalignment="bottom")
        ax.annotate(
            str(act),
            xy=(0.5, 1.0),
            xycoords=ax.title,
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
        )
    elif title == "name":
        ax.set_title(str(act))
    if legend:
        ax.legend(handles=_legend_handles(derivative, bool(kinks)), loc="best")


def _resolved(
    acts: Sequence[Activation | str | tuple[str, Mapping[str, float]]],
) -> list[Activation]:
    out = []
    for a in acts:
        if isinstance(a, tuple):
            name, params = a
            out.append(registry.get(name, **params))
        else:
            out.append(_activation(a))
    return out


# ---------------------------------------------------------------------------- figures
def activation_figure(
    act: Activation | str,
    *,
    x_range: Sequence[float] | None = None,
    points: int = DEFAULT_POINTS,
    derivative: bool = True,
) -> Figure:
    """One activation with its derivative on shared axes.

    Parameters
    ----------
    act : Activation or str
        The function (with bound parameters) or its registry name.
    x_range : (lo, hi), optional
        Finite, ``lo < hi``; default the function's ``plot_range``.
    points : int
        Grid points, 2 to 1 000 000 (kinks are added exactly).
    derivative : bool
        Also draw ``f'``.
    """
    with style():
        fig = Figure(figsize=(8.0, 5.0), layout="constrained")
        draw_activation(
            fig.add_subplot(), act, x_range=x_range, points=points, derivative=derivative
        )
    return fig


def grid_figure(
    acts: Sequence[Activation | str | tuple[str, Mapping[str, float]]] = CLASSIC,
    *,
    x_range: Sequence[float] | None = None,
    points: int = DEFAULT_POINTS,
    derivative: bool = True,
) -> Figure:
    """Several activations, one panel each, with name, parameters and formula.

    The default is the classic homework's 2×2: sigmoid, tanh, ReLU, leaky ReLU (0.1).
    """
    resolved = _resolved(acts)
    if not resolved:
        raise ValueError("acts must name at least one activation")
    n = len(resolved)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3 if n <= 9 else 4
    nrows = -(-n // ncols)
    with style():
        fig = Figure(figsize=(5.2 * ncols, 3.9 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax, act in zip(axes.flat, resolved, strict=False):
            draw_activation(ax, act, x_range=x_range, points=points, derivative=derivative)
        for ax in axes.flat[n:]:
            ax.set_axis_off()
    return fig


def gallery_figure(
    acts: Sequence[Activation | str] | None = None,
    *,
    x_range: Sequence[float] | None = None,
    points: int = DEFAULT_POINTS,
    derivative: bool = True,
) -> Figure:
    """The catalogue: every registered activation (default: default parameters, each on
    its own ``plot_range``, or ``acts``) grouped by family (:mod:`actref.families`),
    six small panels a row, one shared legend.
    """
    from actref import families

    resolved = _resolved(acts) if acts is not None else registry.all_activations()
    if not resolved:
        raise ValueError("acts must name at least one activation")
    groups = families.grouped(resolved)
    ncols = 6
    # one more slot for the legend, after the last group
    rows = [-(-(len(g) + (i == len(groups) - 1)) // ncols) for i, (_, g) in enumerate(groups)]
    heading = 0.35
    with style():
        fig = Figure(
            figsize=(3.0 * ncols, sum(2.45 * r + heading for r in rows)), layout="constrained"
        )
        subs = fig.subfigures(len(groups), 1, squeeze=False, height_ratios=rows)[:, 0]
        with_kinks = any(act.kinks for _, g in groups for act in g)
        for i, (sub, (name, group)) in enumerate(zip(subs, groups, strict=True)):
            axes = sub.subplots(rows[i], ncols, squeeze=False)
            for ax, act in zip(axes.flat, group, strict=False):
                draw_activation(
                    ax,
                    act,
                    x_range=x_range,
                    points=points,
                    derivative=derivative,
                    title="name",
                    legend=False,
                )
                ax.set_xlabel("")
                ax.set_ylabel("")
                ax.title.set_fontsize(9)
                ax.tick_params(labelsize=7)
            for ax in axes.flat[len(group) :]:
                ax.set_axis_off()
            sub.suptitle(f"{name}: {families.description(name)}", x=0.005, ha="left", fontsize=10)
            if i == len(groups) - 1:
                axes.flat[len(group)].legend(
                    handles=_legend_handles(derivative, with_kinks), loc="center", fontsize=9
                )
        what = "every activation $f$" + (" and its derivative $f'$" if derivative else "")
        fig.suptitle(f"actref: {what}", fontsize=12)
    return fig


def softmax_components_figure(
    x_range: Sequence[float] = (-6.0, 6.0), *, points: int = DEFAULT_POINTS
) -> Figure:
    r"""Components of :math:`s = \mathrm{softmax}([x, 0, -1])` against ``x``.

    With the diagonal Jacobian entry :math:`\partial s_0 / \partial x = s_0 (1 - s_0)`.
    """
    lo, hi = _check_range(x_range, (-6.0, 6.0))
    points = _check_points(points)
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
    lo, hi = _check_range(x_range, (-6.0, 6.0))
    points = _check_points(points)
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


def vector_figure(
    name: str, x_range: Sequence[float] | None = None, *, points: int = DEFAULT_POINTS
) -> Figure:
    """The figure of a vector function of the registry's table, by name."""
    figures = {
        "softmax": softmax_components_figure,
        "log_softmax": log_softmax_components_figure,
    }
    if name not in figures:
        raise ValueError(f"no figure for the vector function {name!r}")
    return figures[name](x_range if x_range is not None else (-6.0, 6.0), points=points)


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


# ------------------------------------------------------------------------------ files
def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (.png, .pdf or .svg) deterministically; return the path.

    No timestamp or version string is written, and the shipped style is applied while
    rendering, so the same figure gives the same bytes on every run.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        accepted = ", ".join(f".{f}" for f in FORMATS)
        got = f"extension {path.suffix!r}" if path.suffix else "no extension"
        raise ValueError(f"cannot write {path}: {got}; accepted: {accepted}")
    metadata: dict[str, Any] = dict(FORMATS[fmt])
    with style():
        fig.savefig(path, format=fmt, metadata=metadata)
    return path
