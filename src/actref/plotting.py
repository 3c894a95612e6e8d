r"""Figures: one activation with its derivative, a grid of several, the gallery; the
figures of vector functions live in :mod:`actref.vector_figures` (re-exported here).

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

import functools
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.mathtext import MathTextParser
from numpy.typing import NDArray
from sympy.printing.latex import LatexPrinter

from actref import registry
from actref.figure_style import (
    CLASSIC,
    DEFAULT_POINTS,
    DF_COLOR,
    F_COLOR,
    FORMATS,
    KINK_COLOR,
    STYLE,
    ZERO_COLOR,
    check_points,
    check_range,
    style,
)
from actref.registry import Activation, Kink
from actref.vector_figures import (
    draw_slice,
    log_softmax_components_figure,
    softmax_components_figure,
    softmax_jacobian_figure,
    vector_figure,
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

F64 = NDArray[np.float64]


# ------------------------------------------------------------------------- validation
def _activation(act: Activation | str) -> Activation:
    if isinstance(act, Activation):
        return act
    return registry.get(act)


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
    lo, hi = check_range(x_range, act.plot_range)
    points = check_points(points)
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
    vector_functions: bool | None = None,
) -> Figure:
    """The catalogue: every registered activation (default: default parameters, each on
    its own ``plot_range``; or ``acts``) grouped by family (:mod:`actref.families`),
    then — with ``vector_functions`` (default: when ``acts`` is None) and the
    derivative — every vector function as a one-input slice, by the vector table's
    groups; six small panels a row, one shared legend.
    """
    from actref import families, vectors

    resolved = _resolved(acts) if acts is not None else registry.all_activations()
    if not resolved:
        raise ValueError("acts must name at least one activation")
    sections: list[tuple[str, list[Any]]] = [
        (f"{name}: {families.description(name)}", group)
        for name, group in families.grouped(resolved)
    ]
    if (acts is None if vector_functions is None else vector_functions) and derivative:
        sections += [
            (
                f"{group}: {vectors.GROUP_DESCRIPTIONS[group]} ({_SLICES[group]})",
                [v for v in vectors.TABLE if v.group == group],
            )
            for group in vectors.GROUPS
        ]
    ncols = 6
    # one more slot for the legend, after the last group
    rows = [-(-(len(g) + (i == len(sections) - 1)) // ncols) for i, (_, g) in enumerate(sections)]
    heading = 0.35
    with style():
        fig = Figure(
            figsize=(3.0 * ncols, sum(2.45 * r + heading for r in rows)), layout="constrained"
        )
        subs = fig.subfigures(len(sections), 1, squeeze=False, height_ratios=rows)[:, 0]
        with_kinks = any(act.kinks for act in resolved)
        for i, (sub, (title, group)) in enumerate(zip(subs, sections, strict=True)):
            axes = sub.subplots(rows[i], ncols, squeeze=False)
            for ax, act in zip(axes.flat, group, strict=False):
                if isinstance(act, Activation):
                    draw_activation(
                        ax,
                        act,
                        x_range=x_range,
                        points=points,
                        derivative=derivative,
                        title="name",
                        legend=False,
                    )
                else:
                    draw_slice(ax, act, points)
                ax.set_xlabel("")
                ax.set_ylabel("")
                ax.title.set_fontsize(9)
                ax.tick_params(labelsize=7)
            for ax in axes.flat[len(group) :]:
                ax.set_axis_off()
            sub.suptitle(title, x=0.005, ha="left", fontsize=10)
            if i == len(sections) - 1:
                axes.flat[len(group)].legend(
                    handles=_legend_handles(derivative, with_kinks), loc="center", fontsize=9
                )
        what = "every activation $f$" + (" and its derivative $f'$" if derivative else "")
        fig.suptitle(f"actref: {what}", fontsize=12)
    return fig


# how a gallery panel slices each group's functions (vector_figures.draw_slice)
_SLICES = {"normalising": "one input varied, the others held", "gated": "drawn at a = 1"}


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
