"""Figures: baseline images for every figure, the guard that catches a moved curve,
deterministic files, what is drawn (kinks, limits, labels) and ``actref plot``.

Image tests return a Figure; pytest-mpl (configured in pyproject.toml: ``--mpl``,
tolerance 0, the shipped style) compares it with ``baseline_images/<full test
name>.png``. Regenerate with ``nox -s baselines``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
import sympy
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images
from numpy.typing import NDArray

import actref
from actref import families, kernels, plotting, symbolic, vector_figures, vectors
from actref.cli import main
from actref.registry import Activation

ROOT = Path(__file__).resolve().parent.parent
BASELINES = ROOT / "baseline_images"
ALL = [pytest.param(act, id=act.name) for act in actref.all_activations()]
MODULE = __name__  # the module part of pytest-mpl's full test names (import mode pinned)


def baseline(test: str) -> Path:
    """The baseline file pytest-mpl uses for ``test`` (full test name, ``[]`` -> ``_``)."""
    return BASELINES / (f"{MODULE}.{test}".replace("[", "_").replace("]", "") + ".png")


# ============================================================================ baselines
@pytest.mark.mpl_image_compare
@pytest.mark.parametrize("act", ALL)
def test_activation_figure(act: Activation) -> Figure:
    return plotting.activation_figure(act)


@pytest.mark.mpl_image_compare
def test_classic_grid() -> Figure:
    return plotting.grid_figure()


@pytest.mark.mpl_image_compare
def test_gallery() -> Figure:
    return plotting.gallery_figure()


@pytest.mark.mpl_image_compare
def test_softmax_components() -> Figure:
    return vector_figures.softmax_components_figure()


@pytest.mark.mpl_image_compare
def test_softmax_jacobian() -> Figure:
    return vector_figures.softmax_jacobian_figure()


@pytest.mark.mpl_image_compare
def test_log_softmax_components() -> Figure:
    return vector_figures.log_softmax_components_figure()


# every vector function drawn by a figure of the table (softmax and log_softmax have
# their own tests above)
TABLE_FIGURES = [
    pytest.param(vf.name, id=vf.name)
    for vf in vectors.TABLE
    if vf.figure in ("normalising_figure", "gated_figure")
]


@pytest.mark.mpl_image_compare
@pytest.mark.parametrize("name", TABLE_FIGURES)
def test_vector_figure(name: str) -> Figure:
    return vector_figures.vector_figure(name)


# ==================================================================== the guard itself
def _tolerance(config: pytest.Config) -> float:
    """The tolerance pytest-mpl applies (pyproject's mpl-default-tolerance)."""
    return float(config.getini("mpl-default-tolerance"))


def _shifted_sigmoid(shift: float) -> Activation:
    """sigmoid with its curves moved right by ``shift`` (name, title, kinks unchanged)."""
    act = actref.get("sigmoid")
    return dataclasses.replace(
        act,
        forward_fn=lambda x: kernels.sigmoid(x - shift),
        grad_fn=lambda x: kernels.sigmoid_grad(x - shift),
    )


def _rms_against_baseline(fig: Figure, tmp_path: Path, tol: float) -> float:
    """Compare like pytest-mpl does (its save, then matplotlib's compare_images)."""
    result = tmp_path / "result.png"
    plotting.save_figure(fig, result)
    ref = baseline("test_activation_figure[sigmoid]")
    outcome = compare_images(str(ref), str(result), tol=tol, in_decorator=True)
    return 0.0 if outcome is None else float(outcome["rms"])


def _pixel_in_data_units(act: Activation) -> float:
    fig = plotting.activation_figure(act)
    with plotting.style():
        fig.canvas.draw()  # the constrained layout fixes the axes' size on draw
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    return (hi - lo) / ax.get_window_extent().width


def test_unperturbed_sigmoid_matches_its_baseline(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # the positive control: the comparison below fails for the perturbation, not the setup
    tol = _tolerance(request.config)
    fig = plotting.activation_figure(_shifted_sigmoid(0.0))
    assert _rms_against_baseline(fig, tmp_path, tol) == 0.0


def test_sigmoid_shifted_by_one_percent_fails_the_comparison(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    tol = _tolerance(request.config)
    lo, hi = actref.get("sigmoid").plot_range
    fig = plotting.activation_figure(_shifted_sigmoid(0.01 * (hi - lo)))
    rms = _rms_against_baseline(fig, tmp_path, tol)
    assert rms > tol, f"sigmoid shifted by 1% of its range: RMS {rms:.3f} <= tolerance {tol}"


def test_curve_moved_by_one_pixel_fails_the_comparison(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    tol = _tolerance(request.config)
    act = actref.get("sigmoid")
    fig = plotting.activation_figure(_shifted_sigmoid(_pixel_in_data_units(act)))
    rms = _rms_against_baseline(fig, tmp_path, tol)
    assert rms > tol, f"sigmoid moved by one pixel: RMS {rms:.3f} <= tolerance {tol}"


@pytest.mark.parametrize("act", ALL)
def test_a_few_ulp_do_not_move_a_pixel(act: Activation, tmp_path: Path) -> None:
    # the NumPy implementations may be refined for accuracy; the figures must not care
    def ulps_up(fn: Callable[..., NDArray[np.float64]]) -> Callable[..., NDArray[np.float64]]:
        def moved(x: NDArray[np.float64], *params: float) -> NDArray[np.float64]:
            y = fn(x, *params)
            for _ in range(4):
                y = np.nextafter(y, np.inf)
            return y

        return moved

    nudged = dataclasses.replace(
        act, forward_fn=ulps_up(act.forward_fn), grad_fn=ulps_up(act.grad_fn)
    )
    out = plotting.save_figure(plotting.activation_figure(nudged), tmp_path / "f.png")
    assert out.read_bytes() == baseline(f"test_activation_figure[{act.name}]").read_bytes()


# ========================================================================= determinism
def test_saving_twice_gives_identical_bytes(tmp_path: Path) -> None:
    for ext in plotting.FORMATS:
        a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        plotting.save_figure(plotting.activation_figure("hardswish"), a)
        plotting.save_figure(plotting.activation_figure("hardswish"), b)
        assert a.read_bytes() == b.read_bytes(), f"{ext} differs between two saves"


def test_png_has_no_software_or_date_metadata(tmp_path: Path) -> None:
    out = plotting.save_figure(plotting.activation_figure("relu"), tmp_path / "relu.png")
    data = out.read_bytes()
    assert b"Software" not in data
    assert b"matplotlib" not in data.lower()


def test_user_rcparams_do_not_change_a_pixel(tmp_path: Path) -> None:
    expected = plotting.save_figure(plotting.activation_figure("gelu"), tmp_path / "a.png")
    user_rc = {"lines.linewidth": 5, "font.size": 20, "axes.grid": False, "figure.dpi": 50}
    with mpl.rc_context(user_rc):
        got = plotting.save_figure(plotting.activation_figure("gelu"), tmp_path / "b.png")
    assert got.read_bytes() == expected.read_bytes()


def test_cli_file_is_byte_identical_to_the_baseline(tmp_path: Path) -> None:
    out = tmp_path / "sigmoid.png"
    assert main(["plot", "sigmoid", "--out", str(out)]) == 0
    assert out.read_bytes() == baseline("test_activation_figure[sigmoid]").read_bytes()


def test_readme_gallery_is_the_gallery_baseline() -> None:
    # `nox -s baselines` copies it; a stale README image fails here
    assert (ROOT / "docs" / "gallery.png").read_bytes() == baseline("test_gallery").read_bytes()


# ========================================================================== formulas
@pytest.mark.parametrize("act", ALL)
def test_formula_is_mathtext(act: Activation) -> None:
    text, is_mathtext = plotting._formula(act.expr)
    assert is_mathtext, f"{act.name}: mathtext cannot typeset {act.expr}; fell back to {text!r}"
    assert text.startswith("$f(x) = ")
    assert text.endswith("$")
    assert r"\begin" not in text
    assert r"\text" not in text


def test_piecewise_formula_reads_as_cases() -> None:
    assert plotting.formula(actref.get("leaky_relu", negative_slope=0.1)) == (
        r"$f(x) = x\ \mathrm{if}\ x > 0,\quad \dfrac{x}{10}\ \mathrm{otherwise}$"
    )


def test_long_constants_are_shown_as_six_digit_decimals() -> None:
    assert "1.0507" in plotting.formula("selu")
    assert "0.044715" in plotting.formula("gelu_tanh")


def test_formula_falls_back_to_plain_text() -> None:
    expr = sympy.Symbol(r"\nosuchmacro") + actref.get("identity").expr
    text, is_mathtext = plotting._formula(expr)
    assert not is_mathtext
    assert text == r"f(x) = \nosuchmacro + x"


# ======================================================================= what is drawn
def _lines(fig: Figure) -> list[tuple[np.ndarray, np.ndarray, str]]:
    return [
        (np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float), ln.get_linestyle())
        for ln in fig.axes[0].lines
        if len(ln.get_xdata()) > 2
    ]


def test_curves_are_the_numpy_implementation() -> None:
    act = actref.get("gelu")
    fig = plotting.activation_figure(act, points=101)
    (xf, yf, _), (xd, yd, style) = _lines(fig)
    assert style == "--"
    np.testing.assert_array_equal(xf, np.linspace(-5, 5, 101))
    np.testing.assert_array_equal(yf, act(xf))
    np.testing.assert_array_equal(yd, act.grad(xd))


def test_curves_are_over_100x_faster_than_per_point_evalf() -> None:
    # the homework this grew from drew each curve with evalf, point by point
    act = actref.get("sigmoid")
    xs = np.linspace(-8.0, 8.0, 400)
    start = time.perf_counter()
    for v in xs[::10]:  # 40 of the 400 points, scaled up below
        act.expr.evalf(subs={symbolic.x: float(v)})
        act.dexpr.evalf(subs={symbolic.x: float(v)})
    evalf = (time.perf_counter() - start) * 10
    vectorised = math.inf
    for _ in range(5):
        start = time.perf_counter()
        plotting._segments(act, -8.0, 8.0, 400)
        vectorised = min(vectorised, time.perf_counter() - start)
    assert evalf / vectorised > 100, f"only {evalf / vectorised:.0f}x faster than evalf"


def test_corner_is_drawn_exactly_at_the_kink() -> None:
    act = actref.get("relu")
    fig = plotting.activation_figure(act, x_range=(-1.0, 2.0), points=4)  # grid misses 0
    (xf, yf, _), (xd, yd, _) = _lines(fig)
    assert not np.isnan(xf).any(), "f is continuous: one unbroken line"
    assert list(xf) == [-1.0, 0.0, 1.0, 2.0]
    assert list(yf) == [0.0, 0.0, 1.0, 2.0]
    # f' jumps at 0: left limit 0, pen up, right limit 1
    nan = int(np.flatnonzero(np.isnan(xd))[0])
    assert (xd[nan - 1], yd[nan - 1]) == (0.0, 0.0)
    assert (xd[nan + 1], yd[nan + 1]) == (0.0, 1.0)


def test_jump_is_drawn_as_a_jump() -> None:
    act = actref.get("hardshrink")  # jumps from 0 to ±0.5 at ±0.5
    (xf, yf, _), _ = _lines(plotting.activation_figure(act))
    breaks = np.flatnonzero(np.isnan(xf))
    assert len(breaks) == 2
    at = breaks[1]
    assert xf[at - 1] == xf[at + 1] == 0.5
    assert yf[at - 1] == 0.0
    assert yf[at + 1] == pytest.approx(0.5)


@pytest.mark.parametrize("act", [p for p in ALL if p.values[0].kinks])
def test_every_kink_is_marked(act: Activation) -> None:
    fig = plotting.activation_figure(act)
    ax = fig.axes[0]
    markers = [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in ax.lines if ln.get_marker() == "o"]
    lo, hi = act.plot_range
    for k in act.kinks:
        if lo <= k.at <= hi:
            assert (k.at, float(act(k.at))) in markers, f"{act.name}: f not marked at {k.at}"
            assert (k.at, k.grad) in markers, f"{act.name}: f'({k.at}) = {k.grad} not marked"
            for limit in (k.left, k.right):
                assert (k.at, limit) in markers, f"{act.name}: limit {limit} at {k.at} not marked"


def test_labels_legend_title_and_zero_lines() -> None:
    act = actref.get("leaky_relu", negative_slope=0.1)
    ax = plotting.activation_figure(act).axes[0]
    assert ax.texts[0].get_text() == "leaky_relu(negative_slope=0.1)"  # above the title
    assert ax.get_title() == plotting.formula(act)
    assert ax.get_xlabel() == "$x$"
    assert ax.get_ylabel() == "$f(x)$, $f'(x)$"
    legend = ax.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[:2] == ["$f(x)$", "$f'(x)$"]
    assert ax.get_xlim() == act.plot_range
    horizontal = [ln for ln in ax.lines if list(ln.get_ydata()) == [0, 0]]
    vertical = [ln for ln in ax.lines if list(ln.get_xdata()) == [0, 0]]
    assert horizontal, "no zero line y = 0"
    assert vertical, "no zero line x = 0"


def test_no_derivative_draws_f_only() -> None:
    ax = plotting.activation_figure("relu", derivative=False).axes[0]
    assert [style for _, _, style in _lines(ax.figure)] == ["-"]  # type: ignore[arg-type]
    assert ax.get_ylabel() == "$f(x)$"


def test_grid_and_gallery_layout() -> None:
    grid = plotting.grid_figure()
    names = [ax.texts[0].get_text() for ax in grid.axes]
    assert names == ["sigmoid", "tanh", "relu", "leaky_relu(negative_slope=0.1)"]
    assert [ax.get_title() for ax in grid.axes][:2] == [
        r"$f(x) = \dfrac{1}{1 + e^{- x}}$",
        r"$f(x) = \tanh{\left(x \right)}$",
    ]
    gallery = plotting.gallery_figure()
    drawn = [ax.get_title() for ax in gallery.axes if ax.get_title()]
    grouped = families.grouped(actref.all_activations())
    # the elementwise families, then the vector table's groups, each function once
    slices = [
        f"{v.name}([1, x])" if v.group == "gated" else f"{v.name}([x, 0])[0]"
        for group in vectors.GROUPS
        for v in vectors.TABLE
        if v.group == group
    ]
    assert drawn == [str(act) for _, acts in grouped for act in acts] + slices
    # one panel group per family, headed by its name
    headings = [sub._suptitle.get_text() for sub in gallery.subfigs]
    assert [h.split(":")[0] for h in headings] == [name for name, _ in grouped] + list(
        vectors.GROUPS
    )


def test_softmax_components_figure_draws_softmax_and_its_diagonal() -> None:
    fig = vector_figures.softmax_components_figure(points=11)
    lines = _lines(fig)
    x = np.linspace(-6, 6, 11)
    inputs = np.stack([x, 0 * x, 0 * x - 1], axis=-1)
    s = actref.softmax(inputs)
    for i in range(3):
        np.testing.assert_array_equal(lines[i][1], s[:, i])
    # the library's diagonal (accurate where s is near 1), equal to s(1 - s) in value
    np.testing.assert_array_equal(lines[3][1], actref.softmax_jacobian_diag(inputs)[:, 0])
    np.testing.assert_allclose(lines[3][1], s[:, 0] * (1 - s[:, 0]), rtol=1e-13)


def test_softmax_jacobian_heat_map_shows_the_jacobian() -> None:
    fig = vector_figures.softmax_jacobian_figure([1.0, -1.0, 0.5])
    image = fig.axes[0].images[0]
    np.testing.assert_array_equal(image.get_array(), actref.softmax_jacobian([1.0, -1.0, 0.5]))
    assert len(fig.axes[0].texts) == 9


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"x_range": (1.0, 1.0)}, ValueError, "lo < hi"),
        ({"x_range": (2.0, -2.0)}, ValueError, "lo < hi"),
        ({"x_range": (0.0, math.inf)}, ValueError, "finite"),
        ({"x_range": (math.nan, 1.0)}, ValueError, "finite"),
        ({"x_range": (-1e308, 1e308)}, ValueError, "too wide"),
        ({"x_range": (1.0,)}, ValueError, "two numbers"),
        ({"points": 1}, ValueError, "points must be between 2"),
        ({"points": 2.5}, TypeError, "points must be an integer"),
        ({"points": True}, TypeError, "points must be an integer"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        plotting.activation_figure("tanh", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [[1.0], [[1.0, 2.0]], [1.0, math.inf]])
def test_softmax_jacobian_figure_refuses_bad_vectors(bad: object) -> None:
    with pytest.raises(ValueError, match="x must be"):
        vector_figures.softmax_jacobian_figure(bad)  # type: ignore[arg-type]


def test_save_refuses_unknown_extensions(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"extension '\.bmp'; accepted: \.png, \.pdf, \.svg"):
        plotting.save_figure(plotting.activation_figure("tanh"), tmp_path / "f.bmp")


# ================================================================================ CLI
def test_plot_one_name_writes_name_png(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["plot", "sigmoid"]) == 0
    assert capsys.readouterr().out == "sigmoid.png\n"
    assert (tmp_path / "sigmoid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_several_names_write_a_grid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["plot", "sigmoid", "tanh", "relu", "leaky_relu", "--param", "negative_slope=0.1"]
    assert main(argv) == 0
    assert capsys.readouterr().out == "sigmoid-tanh-relu-leaky_relu.png\n"
    # the CLI's grid is the classic grid of the baseline
    written = (tmp_path / "sigmoid-tanh-relu-leaky_relu.png").read_bytes()
    assert written == baseline("test_classic_grid").read_bytes()


def test_plot_all_writes_the_gallery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["plot", "--all"]) == 0
    assert capsys.readouterr().out == "gallery.png\n"
    assert (tmp_path / "gallery.png").read_bytes() == baseline("test_gallery").read_bytes()


def test_plot_options_reach_the_figure(tmp_path: Path) -> None:
    out = tmp_path / "elu.svg"
    argv = ["plot", "elu", "--param", "alpha=2", "--range", "-3e0", "1", "--points", "50"]
    assert main([*argv, "--no-derivative", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("<?xml")
    assert "elu(alpha=2)" in text
    assert "<!-- $f(x)$ -->" in text  # the legend and y label name f, and not f'
    assert "f'(x)" not in text


def test_plot_show_without_display_writes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("actref.commands.plot._has_display", lambda: False)
    assert main(["plot", "tanh", "--show"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "tanh.png\n"
    assert "no display" in captured.err
    assert (tmp_path / "tanh.png").exists()


def test_plot_show_with_display_opens_a_window_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.pyplot as plt

    shown: list[Figure] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("actref.commands.plot._has_display", lambda: True)
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    assert main(["plot", "tanh", "--show"]) == 0
    assert len(shown) == 1
    assert shown[0].axes[0].texts[0].get_text() == "tanh"
    plt.close(shown[0])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plot", "gelux"], "unknown activation 'gelux'; did you mean gelu"),
        (["plot"], "name at least one function"),
        (["plot", "relu", "--all"], "give NAME... or --all, not both"),
        (["plot", "relu", "--range", "1", "1"], "--range 1 1: LO must be less than HI"),
        (["plot", "relu", "--range", "2", "-2"], "LO must be less than HI"),
        (["plot", "relu", "--range", "0", "inf"], "LO and HI must be finite"),
        (["plot", "relu", "--range", "nan", "1"], "LO and HI must be finite"),
        (["plot", "relu", "--range", "-inf", "0"], "LO and HI must be finite"),
        (["plot", "relu", "--range", "-1e308", "1e308"], "LO and HI must be finite"),
        (["plot", "relu", "--range", "a", "1"], "LO and HI must be numbers"),
        (["plot", "relu", "--points", "1"], "--points 1: N must be an integer from 2 to"),
        (["plot", "relu", "--points", "1.5"], "N must be an integer"),
        (["plot", "relu", "--points", "many"], "N must be an integer"),
        (["plot", "relu", "--points", "10000000"], "N must be an integer"),
        (["plot", "relu", "--param", "alpha=1"], "relu has no parameter 'alpha'"),
        (["plot", "relu", "tanh", "--param", "b=1"], "none of the named functions has"),
        (["plot", "elu", "--param", "alpha=-1"], "alpha must be a finite number > 0"),
        (["plot", "elu", "--param", "alpha"], "is not KEY=VALUE"),
        (["plot", "elu", "--param", "alpha=__import__('os')"], "is not a number"),
        (["plot", "hardtanh", "--param", "min_val=2"], "min_val must be < max_val"),
        (["plot", "relu", "--out", "/no/such/dir/relu.png"], "directory '/no/such/dir'"),
        (["plot", "relu", "--out", "relu.bmp"], "extension '.bmp'; accepted: .png, .pdf"),
        (["plot", "relu", "--out", "relu"], "relu: no extension; accepted"),
        (["plot", "relu", "--out", "/proc/relu.png"], "cannot write /proc/relu.png:"),
    ],
)
def test_plot_user_mistakes_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.startswith("actref plot: error: ")
    assert captured.err.count("\n") == 1
    assert captured.out == ""


def test_plot_out_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.png").mkdir()
    assert main(["plot", "relu", "--out", str(tmp_path / "d.png")]) == 2
    assert "it is a directory" in capsys.readouterr().err


@pytest.mark.skipif(
    not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
    reason="root can write anywhere",
)
def test_plot_unwritable_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert main(["plot", "relu", "--out", str(locked / "relu.png")]) == 2
    assert "Permission denied" in capsys.readouterr().err


def test_plot_write_failure_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # what a read-only or full disk looks like to savefig (root can write anywhere here)
    def refuse(self: Figure, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Figure, "savefig", refuse)
    assert main(["plot", "relu", "--out", str(tmp_path / "relu.png")]) == 2
    err = capsys.readouterr().err
    assert err == f"actref plot: error: cannot write {tmp_path / 'relu.png'}: Permission denied\n"


def test_style_ships_in_the_package_and_loads_by_dotted_name() -> None:
    # pyproject's mpl-default-style = "actref.actref" relies on this lookup
    assert plotting.STYLE.is_file()
    assert plotting.STYLE.parent == Path(plotting.__file__).parent
    import matplotlib.style

    with matplotlib.style.context("actref.actref", after_reset=True):
        assert mpl.rcParams["savefig.dpi"] == 100
        assert mpl.rcParams["font.sans-serif"][0] == "DejaVu Sans"
        assert mpl.rcParams["mathtext.fontset"] == "dejavusans"


def test_log_softmax_components_figure_draws_log_softmax_and_its_diagonal() -> None:
    fig = vector_figures.log_softmax_components_figure(points=11)
    lines = _lines(fig)
    x = np.linspace(-6, 6, 11)
    inputs = np.stack([x, 0 * x, 0 * x - 1], axis=-1)
    logs = actref.log_softmax(inputs)
    for i in range(3):
        np.testing.assert_array_equal(lines[i][1], logs[:, i])
    s = actref.softmax(inputs)
    np.testing.assert_allclose(lines[3][1], 1 - s[:, 0], rtol=1e-13)


def test_vector_figure_is_looked_up_by_name() -> None:
    fig = vector_figures.vector_figure("softmax", points=11)
    np.testing.assert_array_equal(
        _lines(fig)[0][1], _lines(vector_figures.softmax_components_figure(points=11))[0][1]
    )
    with pytest.raises(ValueError, match="no figure for the vector function 'relu'"):
        vector_figures.vector_figure("relu")


@pytest.mark.parametrize("name", ["softmax", "sparsemax", "glu", "reglu"])
def test_a_gallery_slice_draws_the_function_and_its_partial(name: str) -> None:
    from matplotlib.figure import Figure

    vf = vectors.vector(name)
    assert vf is not None
    ax = Figure().add_subplot()
    vector_figures.draw_slice(ax, vf, points=13)
    (x, y), (xd, d) = [(ln.get_xdata(), ln.get_ydata()) for ln in ax.lines[2:4]]
    x = np.asarray(x)
    gated = vf.group == "gated"
    rows = np.stack([np.ones_like(x), x] if gated else [x, np.zeros_like(x)], axis=-1)
    np.testing.assert_array_equal(y, vf(rows)[:, 0])
    keep = ~np.isnan(np.asarray(xd, dtype=float))
    np.testing.assert_array_equal(np.asarray(d)[keep], vf.jacobian(rows)[:, 0, 1 if gated else 0])
