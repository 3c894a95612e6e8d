"""The feedback figures as SVG text, drawn in the package's style without matplotlib.

A class of a hundred gets a few hundred figures; matplotlib renders one in about
0.1 s, more than grading the submission, so ``--feedback-dir`` would triple the
grading time. These figures are simple -- two panels of lines, a grid, ticks, a
legend, a few marks -- and written here as SVG (about a millisecond each), with the
colours, font, line widths, grid and spines of ``actref.mplstyle`` (read from the
style file itself) and matplotlib's tick placement (:class:`MaxNLocator`). Every text
in them is XML-escaped.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.ticker import MaxNLocator

from actref.plotting import STYLE


@dataclass(frozen=True)
class Style:
    """What the figures take from ``actref.mplstyle``."""

    colors: tuple[str, ...]
    grid: str
    grid_width: float
    line_width: float
    font: str
    font_size: float
    title_size: float
    tick_size: float
    legend_size: float


@functools.cache
def style() -> Style:
    """The package's style, read once from its file."""
    rc = matplotlib.rc_params_from_file(STYLE, use_default_template=False)
    colors = tuple(str(c) for c in rc["axes.prop_cycle"].by_key()["color"])
    return Style(
        colors,
        str(rc["grid.color"]),
        float(rc["grid.linewidth"]),
        float(rc["lines.linewidth"]),
        ", ".join([*rc["font.sans-serif"], "sans-serif"]),
        float(rc["font.size"]),
        float(rc["axes.titlesize"]),
        float(rc["xtick.labelsize"]),
        float(rc["legend.fontsize"]),
    )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _num(v: float) -> str:
    return f"{v:.1f}"


def _label(v: float) -> str:
    text = f"{v:.6g}"
    return text.replace("-", "\u2212")  # the style's unicode minus


@dataclass(frozen=True)
class Series:
    """One line (``marker=""``) or set of marks (``marker="x"``) in a panel."""

    x: Sequence[float]
    y: Sequence[float]
    color: str
    width: float
    label: str
    dashed: bool = False
    alpha: float = 1.0
    marker: str = ""


@dataclass(frozen=True)
class Panel:
    """One axes: its title, limits, series and notes (texts inside the axes)."""

    title: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    series: tuple[Series, ...]
    center_note: str = ""
    corner_note: str = ""


def _path(xs: Sequence[float], ys: Sequence[float], sx: Any, sy: Any) -> str:
    """``M x y L ...``, a new ``M`` after every gap (nan)."""
    parts: list[str] = []
    pen_down = False
    for x, y in zip(xs, ys, strict=True):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{_num(sx(x))} {_num(sy(y))}")
        pen_down = True
    return " ".join(parts)


def _panel(p: Panel, left: float, top: float, w: float, h: float, n: int, s: Style) -> list[str]:
    x0, x1 = p.xlim
    y0, y1 = p.ylim

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * w

    def sy(v: float) -> float:
        # beyond the axes by at most a few pixels: the clip hides the rest
        return top + h - (min(max(v, y0 - (y1 - y0)), y1 + (y1 - y0)) - y0) / (y1 - y0) * h

    out = [(f'<clipPath id="clip{n}"><rect x="{_num(left)}" y="{_num(top)}" '
           f'width="{_num(w)}" height="{_num(h)}"/></clipPath>')]  # fmt: skip
    font = f'font-family="{_e(s.font)}" font-size="{s.tick_size:g}" fill="#000"'
    for v in MaxNLocator(nbins=5).tick_values(x0, x1):
        if x0 <= v <= x1:
            px = _num(sx(v))
            out.append(f'<line x1="{px}" y1="{_num(top)}" x2="{px}" y2="{_num(top + h)}" '
                       f'stroke="{s.grid}" stroke-width="{s.grid_width:g}"/>')  # fmt: skip
            out.append(f'<line x1="{px}" y1="{_num(top + h)}" x2="{px}" y2="{_num(top + h + 3.5)}" '
                       'stroke="#000" stroke-width="0.8"/>')  # fmt: skip
            out.append(f'<text x="{px}" y="{_num(top + h + 15)}" text-anchor="middle" {font}>'
                       f"{_e(_label(v))}</text>")  # fmt: skip
    for v in MaxNLocator(nbins=5).tick_values(y0, y1):
        if y0 <= v <= y1:
            py = _num(sy(v))
            out.append(f'<line x1="{_num(left)}" y1="{py}" x2="{_num(left + w)}" y2="{py}" '
                       f'stroke="{s.grid}" stroke-width="{s.grid_width:g}"/>')  # fmt: skip
            out.append(f'<line x1="{_num(left - 3.5)}" y1="{py}" x2="{_num(left)}" y2="{py}" '
                       'stroke="#000" stroke-width="0.8"/>')  # fmt: skip
            out.append(f'<text x="{_num(left - 6)}" y="{py}" dy="0.32em" text-anchor="end" '
                       f"{font}>{_e(_label(v))}</text>")  # fmt: skip
    # the style's spines: left and bottom only
    out.append(f'<path d="M{_num(left)} {_num(top)} V{_num(top + h)} H{_num(left + w)}" '
               'fill="none" stroke="#000" stroke-width="0.8"/>')  # fmt: skip
    out.append(f'<g clip-path="url(#clip{n})">')
    for se in p.series:
        if se.marker:
            r = 5.0
            for x, y in zip(se.x, se.y, strict=True):
                if math.isfinite(x) and math.isfinite(y):
                    cx, cy = sx(x), sy(y)
                    out.append(
                        f'<path d="M{_num(cx - r)} {_num(cy - r)} L{_num(cx + r)} {_num(cy + r)} '
                        f'M{_num(cx - r)} {_num(cy + r)} L{_num(cx + r)} {_num(cy - r)}" '
                        f'stroke="{se.color}" stroke-width="{se.width:g}" fill="none"/>'
                    )
            continue
        dash = ' stroke-dasharray="6 3"' if se.dashed else ""
        out.append(f'<path d="{_path(se.x, se.y, sx, sy)}" fill="none" stroke="{se.color}" '
                   f'stroke-width="{se.width:g}" stroke-opacity="{se.alpha:g}" '
                   f'stroke-linejoin="round"{dash}/>')  # fmt: skip
    out.append("</g>")
    title_font = f'font-family="{_e(s.font)}" font-size="{s.title_size:g}"'
    out.append(f'<text x="{_num(left + w / 2)}" y="{_num(top - 8)}" text-anchor="middle" '
               f"{title_font}>{_e(p.title)}</text>")  # fmt: skip
    note_font = f'font-family="{_e(s.font)}" font-size="{s.legend_size:g}"'
    if p.center_note:
        out.append(f'<text x="{_num(left + w / 2)}" y="{_num(top + h / 2)}" '
                   f'text-anchor="middle" {note_font}>{_e(p.center_note)}</text>')  # fmt: skip
    if p.corner_note:
        out.append(f'<text x="{_num(left + w - 4)}" y="{_num(top + h - 6)}" text-anchor="end" '
                   f'fill="{s.colors[1]}" {note_font}>{_e(p.corner_note)}</text>')  # fmt: skip
    # the legend, upper left
    shown = [se for se in p.series if se.label]
    lx, ly = left + 8, top + 8
    lh = 14.0
    out.append(f'<rect x="{_num(lx)}" y="{_num(ly)}" width="96" height="{_num(lh * len(shown) + 6)}" '
               'fill="#fff" fill-opacity="0.9" stroke="#ccc" stroke-width="0.8" rx="2"/>')  # fmt: skip
    for i, se in enumerate(shown):
        y = ly + 3 + lh * i + lh / 2
        if se.marker:
            out.append(f'<path d="M{_num(lx + 13)} {_num(y - 4)} L{_num(lx + 21)} {_num(y + 4)} '
                       f'M{_num(lx + 13)} {_num(y + 4)} L{_num(lx + 21)} {_num(y - 4)}" '
                       f'stroke="{se.color}" stroke-width="{se.width:g}"/>')  # fmt: skip
        else:
            dash = ' stroke-dasharray="6 3"' if se.dashed else ""
            out.append(f'<line x1="{_num(lx + 5)}" y1="{_num(y)}" x2="{_num(lx + 29)}" '
                       f'y2="{_num(y)}" stroke="{se.color}" stroke-width="{se.width:g}" '
                       f'stroke-opacity="{se.alpha:g}"{dash}/>')  # fmt: skip
        out.append(f'<text x="{_num(lx + 35)}" y="{_num(y)}" dy="0.32em" {note_font}>'
                   f"{_e(se.label)}</text>")  # fmt: skip
    return out


def figure(panels: Sequence[Panel], width: int = 640, height: int = 256) -> str:
    """Panels side by side, as a standalone SVG document."""
    s = style()
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">'
        ),
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    margin_l, margin_r, margin_t, margin_b, gap = 48.0, 12.0, 26.0, 30.0, 52.0
    w = (width - margin_l - margin_r - gap * (len(panels) - 1)) / max(1, len(panels))
    h = height - margin_t - margin_b
    for i, p in enumerate(panels):
        out += _panel(p, margin_l + i * (w + gap), margin_t, w, h, i, s)
    out.append("</svg>")
    return "\n".join(out) + "\n"
