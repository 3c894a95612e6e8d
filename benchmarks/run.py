"""actref against its peers: accuracy, speed, per-call overhead and end-to-end timings.

Run with ``nox -s bench`` (or ``python benchmarks/run.py`` in an environment with
actref installed; ``--help`` lists the options). Prints the tables and writes
``results/bench/report.md``, ``results/bench/ratios.png`` and ``results/bench/results.json``.

Single-threaded on purpose: the thread variables are set before NumPy, PyTorch or JAX
is imported, and the OpenBLAS core-type override of this machine is dropped for this
process alone (it slows a current NumPy; see the environment notes).
"""

from __future__ import annotations

import os
import sys

# --- before any numeric import: one thread everywhere, no OpenBLAS core override
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
for _var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_var, None)
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import gc
import hashlib
import json
import platform
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import actref
from actref import contract, oracle, testing, vectors
from actref.hard_inputs import hard_inputs, hard_rows
from actref.kernels.validate import as_float_array
from actref.oracle import round_to
from actref.progress import Progress
from actref.symbolic import x as X

sys.path.insert(0, str(Path(__file__).resolve().parent))
import before_after
import peers as peers_mod

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "bench"
HOMEWORK = Path(__file__).resolve().parent / "data" / "classic_homework.py"
DTYPES = (np.float64, np.float32)
DIRECTIONS = ("forward", "grad")
ELEMENTWISE = tuple(actref.names())
FUNCTIONS = (*ELEMENTWISE, *peers_mod.VECTOR_NAMES)
SOFTMAX_ROW = 4  # hard-input rows of the softmax accuracy set
SPEED_SOFTMAX_SHAPE = (1000, 1000)

# targets of issue 6
TARGET_VS_FASTEST = 3.0
TARGET_VS_TEXTBOOK = 2.0
TARGET_OVERHEAD_US = 10.0
TARGET_SYMPY_SPEEDUP = 100.0
TARGET_ISOLATION_RATIO = 1.5  # contained grading / grading without walls, same run
TARGET_ONE_SUBMISSION_S = 1.5
TARGET_FEEDBACK_RATIO = 1.3  # --feedback-dir --summary / plain grading, same run


QUIET = False  # --quiet: no progress display


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def stage(name: str, total: int) -> Progress:
    """Progress of one stage on stderr: a bar on a terminal, a line per step otherwise."""
    return Progress(f"bench {name}", total, enabled=not QUIET)


# ======================================================================== oracle cache
class OracleCache:
    """Correctly rounded truths, one ``.npy`` per (function, direction, dtype, inputs)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.hits = self.misses = 0
        # a change to the oracle itself invalidates every cached truth
        self.salt = hashlib.sha1(Path(oracle.__file__).read_bytes()).hexdigest()

    def get(self, label: str, key: str, xs: np.ndarray, compute: Callable[[], np.ndarray]) -> Any:
        payload = self.salt.encode() + key.encode() + xs.dtype.str.encode() + xs.tobytes()
        digest = hashlib.sha1(payload).hexdigest()
        path = self.root / f"{label}-{np.dtype(xs.dtype).name}-{digest[:16]}.npy"
        if path.exists():
            self.hits += 1
            return np.load(path)
        self.misses += 1
        values = np.asarray(compute(), dtype=xs.dtype)
        np.save(path, values)
        return values


def softmax_rows(dtype: Any) -> np.ndarray:
    """Rows ``[h, 0, 1, -1]`` and ``[h, h/2, h/4, -h]`` for every hard input h (the
    vector functions' hard rows, :func:`actref.hard_inputs.hard_rows`)."""
    return hard_rows(dtype)


def jacobian_diag_truth(cache: OracleCache, name: str, rows: np.ndarray) -> Any:
    """The correctly rounded diagonal of the Jacobian, from the table's row oracle."""
    vf = vectors.vector(name)
    assert vf is not None
    n = rows.shape[-1]

    def compute() -> np.ndarray:
        vals = [
            [round_to(v, rows.dtype) for v in vf.oracle_row([float(t) for t in r], True)[:: n + 1]]
            for r in rows
        ]
        return np.array(vals, dtype=rows.dtype)

    return cache.get(f"{name}_diag-rows", f"{name}_diag", rows, compute)


# ============================================================================ accuracy
@dataclass
class AccuracyRow:
    function: str
    peer: str
    dtype: str
    direction: str
    worst_ulp: float | None = None
    worst_x: float | None = None
    worst_ulp_subnormal: float | None = None  # where the contract does not hold to ULPs
    bad_nonfinite: int = 0
    bad_limits: int = 0
    n_limits: int = 0
    fp_warnings: int = 0
    error: str = ""
    compare_s: float = 0.0  # the testing.compare call (truth cached after the first peer)


def _is_limit_input(xs: np.ndarray) -> np.ndarray:
    if xs.ndim == 1:
        return np.isinf(xs)
    return np.isinf(xs).any(axis=1, keepdims=True) & ~np.isnan(xs).any(axis=1, keepdims=True)


def measure_accuracy(
    peer: peers_mod.Peer, name: str, direction: str, xs: np.ndarray, truth: np.ndarray | None
) -> AccuracyRow:
    """One peer's worst errors on the hard inputs, through actref's public
    ``testing.compare`` (the oracle truth, kinks, limits, nan, underflow), except the
    softmax derivative: the peers return its Jacobian diagonal, measured here against
    ``truth``."""
    dt = xs.dtype
    row = AccuracyRow(name, peer.name, np.dtype(dt).name, direction)
    if name in peers_mod.VECTOR_NAMES and direction == "grad":
        assert truth is not None
        return _measure_softmax_diag(peer, name, xs, truth, row)
    before = peer.fp_warnings
    start = time.perf_counter()
    try:
        report = testing.compare(
            lambda a: peer.call(name, direction, a),
            name,
            dtype=dt,
            derivative=direction == "grad",
            inputs=xs,
        )
    except Exception as exc:  # noqa: BLE001 -- a peer raising on hard input is a finding
        row.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
        return row
    row.compare_s = time.perf_counter() - start
    row.fp_warnings = peer.fp_warnings - before
    ordinary = report.ordinary
    if ordinary.any():
        masked = np.where(ordinary, report.ulp, -1.0)
        i = np.unravel_index(int(np.argmax(masked)), masked.shape)
        row.worst_ulp = float(masked[i])
        row.worst_x = float(xs[i] if xs.ndim == 1 else xs[i[0], 0])
    # flush-to-zero (XLA's CPU default) shows up here, kept apart from the rest
    under = report.underflow
    if under.any():
        row.worst_ulp_subnormal = float(report.ulp[under].max())
    row.bad_nonfinite = len(report.wrong_nonfinite) + len(report.wrong_nan)
    row.n_limits = int(np.count_nonzero(report.limit_input))
    # a limit off by one rounding (selu's -scale*alpha as a product) is not a wrong limit
    row.bad_limits = len(report.wrong_limits)
    return row


def _measure_softmax_diag(
    peer: peers_mod.Peer, name: str, xs: np.ndarray, truth: np.ndarray, row: AccuracyRow
) -> AccuracyRow:
    dt = xs.dtype
    before = peer.fp_warnings
    try:
        got = peer.call(name, "grad", xs)
    except Exception as exc:  # noqa: BLE001 -- a peer raising on hard input is a finding
        row.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
        return row
    row.fp_warnings = peer.fp_warnings - before
    if got.shape != truth.shape:
        row.error = f"shape {got.shape}, expected {truth.shape}"
        return row
    got = got.astype(dt, copy=False)
    err = contract.ulp_error(got, truth, dt)
    limit_in = np.broadcast_to(_is_limit_input(xs), xs.shape)
    nan_in = np.broadcast_to(np.isnan(xs).any(axis=1, keepdims=True), xs.shape)
    finite_in = ~limit_in & ~nan_in
    both_finite = np.isfinite(got) & np.isfinite(truth)
    # the contract's subnormal rule, as testing.compare counts it for every other cell
    subnormal = contract.not_held(got, truth, dt) & (err > 0)
    sel = finite_in & both_finite & ~subnormal
    if sel.any():
        masked = np.where(sel, err, -1.0)
        i = np.unravel_index(int(np.argmax(masked)), masked.shape)
        row.worst_ulp = float(masked[i])
        row.worst_x = float(xs[i[0], 0])
    sub_sel = finite_in & both_finite & subnormal
    if sub_sel.any():
        row.worst_ulp_subnormal = float(err[sub_sel].max())
    row.bad_nonfinite = int(np.count_nonzero((finite_in | nan_in) & ~both_finite & (err > 0)))
    row.n_limits = int(np.count_nonzero(limit_in))
    row.bad_limits = int(np.count_nonzero(limit_in & (err > 1)))
    return row


def run_accuracy(peers: list[peers_mod.Peer], cache: OracleCache) -> list[AccuracyRow]:
    # testing.compare keeps its correctly rounded truths next to the benchmark's own
    os.environ.setdefault("ACTREF_CACHE_DIR", str(cache.root / "testing"))
    rows: list[AccuracyRow] = []
    bar = stage("accuracy", len(DTYPES) * len(FUNCTIONS))
    for dtype in DTYPES:
        sm_rows = softmax_rows(dtype)
        for name in FUNCTIONS:
            bar.step(f"{np.dtype(dtype).name} {name}")
            if name in peers_mod.VECTOR_NAMES:
                xs = sm_rows
            else:
                xs = hard_inputs(dtype, [k.at for k in actref.get(name).kinks])
            for direction in DIRECTIONS:
                if not any(p.has(name, direction) for p in peers):
                    continue
                truth = None
                if name in peers_mod.VECTOR_NAMES and direction == "grad":
                    truth = jacobian_diag_truth(cache, name, xs)
                for peer in peers:
                    if peer.has(name, direction):
                        rows.append(measure_accuracy(peer, name, direction, xs, truth))
        slowest = max((r.compare_s for r in rows if r.dtype == np.dtype(dtype).name), default=0.0)
        with bar.hidden():
            log(f"accuracy: {np.dtype(dtype).name} done (oracle cache {cache.hits} hits, "
                f"{cache.misses} computed; slowest testing.compare {slowest:.2f} s)")  # fmt: skip
    bar.close()
    return rows


# =============================================================================== speed
def time_call(fn: Callable[[Any], Any], arg: Any, repeats: int, sample_s: float) -> float:
    """Median CPU seconds per call over ``repeats`` samples of at least ``sample_s`` each.

    CPU time of this process (all its threads), not wall time: the machine is shared,
    and a single-threaded kernel's CPU time does not grow when another process takes
    the core; a peer that ran on several threads would be charged for all of them.
    """
    clock = time.process_time
    fn(arg)  # warm-up: JIT compilation, caches, page faults
    t0 = clock()
    fn(arg)
    once = max(clock() - t0, 1e-7)
    loops = max(1, int(sample_s / once))
    samples = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            t0 = clock()
            for _ in range(loops):
                fn(arg)
            samples.append((clock() - t0) / loops)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(samples)


@dataclass
class SpeedRow:
    function: str
    peer: str
    dtype: str
    direction: str
    size: int
    seconds: float | None = None
    error: str = ""

    @property
    def ns_per_element(self) -> float | None:
        return None if self.seconds is None else self.seconds * 1e9 / self.size


def speed_input(name: str, dtype: Any, n: int) -> np.ndarray:
    rng = np.random.default_rng(20241101)
    xs = rng.normal(0.0, 4.0, n).astype(dtype)
    if name in peers_mod.VECTOR_NAMES:
        if n == SPEED_SOFTMAX_SHAPE[0] * SPEED_SOFTMAX_SHAPE[1]:
            return xs.reshape(SPEED_SOFTMAX_SHAPE)
        return xs.reshape(1, n)
    return xs


def run_speed(
    peers: list[peers_mod.Peer], n: int, repeats: int, sample_s: float
) -> list[SpeedRow]:
    rows: list[SpeedRow] = []
    bar = stage(f"speed n={n}", len(DTYPES) * len(FUNCTIONS))
    for dtype in DTYPES:
        for name in FUNCTIONS:
            bar.step(f"{np.dtype(dtype).name} {name}")
            xs = speed_input(name, dtype, n)
            for direction in DIRECTIONS:
                for peer in peers:
                    if not peer.has(name, direction):
                        continue
                    row = SpeedRow(name, peer.name, np.dtype(dtype).name, direction, n)
                    try:
                        # silenced once here, not per call: errstate costs ~1 µs a call
                        with np.errstate(all="ignore"):
                            row.seconds = time_call(
                                peer.fn(name, direction), peer.to_native(xs), repeats, sample_s
                            )
                    except Exception as exc:  # noqa: BLE001 -- reported in the table
                        row.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
                    rows.append(row)
        with bar.hidden():
            log(f"speed n={n}: {np.dtype(dtype).name} done")
    bar.close()
    return rows


def copy_floor(n: int, repeats: int, sample_s: float) -> dict[str, float]:
    """ns per element of ``np.copyto``: reading and writing the data once."""
    out = {}
    for dtype in DTYPES:
        src = speed_input("identity", dtype, n)
        dst = np.empty_like(src)
        out[np.dtype(dtype).name] = (
            time_call(lambda a, d=dst: np.copyto(d, a), src, repeats, sample_s) * 1e9 / n
        )
    return out


def overhead_breakdown(repeats: int) -> list[dict[str, Any]]:
    """Where a 16-element actref call spends its time, per function (float64)."""
    xs = speed_input("identity", np.float64, 16)
    rows = []
    base = time_call(np.negative, xs, repeats, 0.01) * 1e6
    conv = time_call(as_float_array, xs, repeats, 0.01) * 1e6
    bar = stage("overhead breakdown", len(ELEMENTWISE))
    for name in ELEMENTWISE:
        bar.step(name)
        act = actref.get(name)
        p = act.param_values
        total = time_call(act, xs, repeats, 0.01) * 1e6
        kernel = time_call(lambda a, f=act.forward_fn, p=p: f(a, *p), xs, repeats, 0.01) * 1e6
        gtotal = time_call(act.grad, xs, repeats, 0.01) * 1e6
        gkernel = time_call(lambda a, f=act.grad_fn, p=p: f(a, *p), xs, repeats, 0.01) * 1e6
        rows.append(
            {
                "function": name,
                "call_us": total,
                "kernel_us": kernel,
                "grad_call_us": gtotal,
                "grad_kernel_us": gkernel,
                "as_float_array_us": conv,
                "one_ufunc_us": base,
            }
        )
    bar.close()
    return rows


# ========================================================================= end to end
@dataclass
class E2ERow:
    task: str
    seconds: float | None = None
    cpu_seconds: float | None = None
    status: str = ""
    detail: str = ""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "actref", *args]


def cli_available(command: str) -> bool:
    proc = subprocess.run(
        _cli(command, "--help"), check=False, capture_output=True, text=True, timeout=120
    )
    return proc.returncode == 0


def time_cli(task: str, args: Sequence[str], timeout: float, ok_codes: Sequence[int]) -> E2ERow:
    row = E2ERow(task)
    if not cli_available(args[0]):
        row.status = "not available"
        row.detail = f"`actref {args[0]}` is not in this tree yet"
        return row
    t0 = time.perf_counter()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        proc = subprocess.run(
            _cli(*args), check=False, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        row.status = "timeout"
        row.detail = f"over {timeout:.0f} s"
        return row
    row.seconds = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    row.cpu_seconds = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    row.status = "ok" if proc.returncode in ok_codes else f"exit {proc.returncode}"
    last = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
    row.detail = last[-1][:100] if last else ""
    return row


def curve_speedup(
    names: Sequence[tuple[str, dict[str, float]]], points: int
) -> list[dict[str, Any]]:
    """A function-and-derivative curve: cached lambdified SymPy vs per-point evalf."""
    from actref import symbolic

    xs = np.linspace(-5.0, 5.0, points)
    out = []
    bar = stage("curves (SymPy evalf vs lambdify)", len(names))
    for name, params in names:
        bar.step(name)
        act = actref.get(name, **params)
        expr, dexpr = act.expr, act.dexpr

        def cold(a: np.ndarray, act: actref.Activation = act) -> Any:
            symbolic.lambdify_numpy.cache_clear()
            return act.sympy_numpy()(a), act.sympy_numpy_grad()(a)

        def warm(a: np.ndarray, act: actref.Activation = act) -> Any:
            return act.sympy_numpy()(a), act.sympy_numpy_grad()(a)

        def evalf(a: np.ndarray, expr: Any = expr, dexpr: Any = dexpr) -> Any:
            return (
                [float(expr.evalf(subs={X: v})) for v in a.tolist()],
                [float(dexpr.evalf(subs={X: v})) for v in a.tolist()],
            )

        # evalf takes seconds per curve: one timed run after a short warm-up
        evalf(xs[:4])
        t0 = time.process_time()
        ref_v, ref_d = evalf(xs)
        t_evalf = time.process_time() - t0
        t_cold = time_call(cold, xs, 3, 0.0)
        t_warm = time_call(warm, xs, 5, 0.01)
        # both paths must compute the same curve, or the timing compares different things
        v, d = warm(xs)
        got = np.concatenate([np.broadcast_to(v, xs.shape), np.broadcast_to(d, xs.shape)])
        ref = np.array(ref_v + ref_d)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(ref == got, 0.0, np.abs(got - ref) / np.abs(ref))
        out.append(
            {
                "function": str(act),
                "evalf_s": t_evalf,
                "cold_s": t_cold,
                "warm_s": t_warm,
                "speedup_warm": t_evalf / t_warm,
                "speedup_cold": t_evalf / t_cold,
                "max_rel_diff": float(rel.max()),
            }
        )
    bar.close()
    return out


# ============================================================================= report
def fmt_ulp(r: AccuracyRow | None) -> str:
    if r is None:
        return ""
    if r.error:
        return "error"
    if r.worst_ulp is None:
        return "-"
    s = _ulp_str(r.worst_ulp)
    extras = []
    sub = r.worst_ulp_subnormal
    if sub is not None and sub > max(r.worst_ulp, 1.0):
        extras.append(f"sub {_ulp_str(sub)}")
    if r.bad_nonfinite:
        extras.append(f"{r.bad_nonfinite}nf")
    if r.bad_limits:
        extras.append(f"{r.bad_limits}/{r.n_limits}lim")
    return s + (" (" + ",".join(extras) + ")" if extras else "")


def _ulp_str(u: float) -> str:
    return f"{u:.0f}" if u < 1e4 else f"{u:.1e}"


def md_table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def accuracy_tables(rows: list[AccuracyRow], peer_names: list[str]) -> str:
    by = {(r.function, r.peer, r.dtype, r.direction): r for r in rows}
    parts = []
    for dtype in DTYPES:
        dn = np.dtype(dtype).name
        for direction in DIRECTIONS:
            body = []
            for name in FUNCTIONS:
                cells = [by.get((name, p, dn, direction)) for p in peer_names]
                if all(c is None for c in cells):
                    continue
                body.append([name, *(fmt_ulp(c) for c in cells)])
            parts.append(f"#### {dn}, {'derivative' if direction == 'grad' else 'forward'}\n")
            parts.append(md_table(["function", *peer_names], body) + "\n")
    return "\n".join(parts)


def speed_summary(
    rows: list[SpeedRow], peer_names: list[str], per_call: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Tables in ns per element (or µs per call) with actref's ratios, and the ratios."""
    by = {(r.function, r.peer, r.dtype, r.direction): r for r in rows}
    parts, ratios = [], []
    for dtype in DTYPES:
        dn = np.dtype(dtype).name
        for direction in DIRECTIONS:
            body = []
            for name in FUNCTIONS:
                cells = {p: by.get((name, p, dn, direction)) for p in peer_names}
                ns = {
                    p: (c.seconds * 1e6 if per_call else c.ns_per_element)
                    for p, c in cells.items()
                    if c is not None and c.seconds is not None
                }
                if "actref" not in ns:
                    continue
                others = {p: v for p, v in ns.items() if p != "actref"}
                fastest = min(others, key=others.__getitem__) if others else None
                r_fast = ns["actref"] / others[fastest] if fastest else None
                r_text = ns["actref"] / ns["textbook"] if "textbook" in ns else None
                ratios.append(
                    {
                        "function": name,
                        "dtype": dn,
                        "direction": direction,
                        "actref_ns": ns["actref"],
                        "fastest_peer": fastest,
                        "vs_fastest": r_fast,
                        "vs_textbook": r_text,
                    }
                )
                flag = ""
                if per_call:
                    pass  # the ratio targets are for 10^6 elements
                elif r_fast is not None and r_fast > TARGET_VS_FASTEST:
                    flag += " ✗fast"
                if not per_call and r_text is not None and r_text > TARGET_VS_TEXTBOOK:
                    flag += " ✗text"
                body.append(
                    [
                        name,
                        *(f"{ns[p]:.2f}" if p in ns else "" for p in peer_names),
                        f"{r_fast:.2f} ({fastest})" if r_fast is not None else "",
                        f"{r_text:.2f}" if r_text is not None else "",
                        flag.strip(),
                    ]
                )
            title = "derivative" if direction == "grad" else "forward"
            unit = f"µs per call on {rows[0].size} elements" if per_call else "ns/element"
            parts.append(f"#### {dn}, {title}: {unit}\n")
            header = ["function", *peer_names, "actref / fastest", "actref / textbook", "miss"]
            parts.append(md_table(header, body) + "\n")
    return "\n".join(parts), ratios


def write_chart(ratios: list[dict[str, Any]], path: Path, size: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    combos = [(np.dtype(d).name, direction) for d in DTYPES for direction in DIRECTIONS]
    fig, ax = plt.subplots(figsize=(14, 5.5), dpi=100)
    width = 0.8 / len(combos)
    idx = {name: i for i, name in enumerate(FUNCTIONS)}
    for k, (dn, direction) in enumerate(combos):
        pts = [
            (idx[r["function"]], r["vs_fastest"])
            for r in ratios
            if r["dtype"] == dn and r["direction"] == direction and r["vs_fastest"] is not None
        ]
        if pts:
            pos, val = zip(*pts, strict=True)
            label = f"{dn} {'derivative' if direction == 'grad' else 'forward'}"
            ax.bar(np.array(pos) + (k - 1.5) * width, val, width, label=label)
    ax.axhline(TARGET_VS_FASTEST, color="red", ls="--", lw=1, label=f"target {TARGET_VS_FASTEST}×")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(FUNCTIONS)), FUNCTIONS, rotation=60, ha="right")
    ax.set_ylabel("actref time / fastest peer time (log)")
    ax.set_title(f"actref time / fastest single-threaded peer's time, {size:.0e} elements")
    ax.legend(ncols=3, fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def environment() -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "cpus": os.cpu_count(),
    }
    try:
        from threadpoolctl import threadpool_info

        env["threadpools"] = [
            {k: i.get(k) for k in ("internal_api", "num_threads", "architecture", "version")}
            for i in threadpool_info()
        ]
    except ImportError:
        env["threadpools"] = "threadpoolctl not installed"
    return env


# =============================================================================== main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats, 1e5 elements")
    p.add_argument("--size", type=int, default=10**6, help="elements for the speed table")
    p.add_argument("--repeats", type=int, default=7, help="timing samples (median)")
    p.add_argument(
        "--peers", default="", help="comma-separated subset (actref,textbook,scipy,torch,jax)"
    )
    p.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to skip: accuracy,speed,overhead,kernels,e2e",
    )
    p.add_argument("--out", type=Path, default=OUT, help="output folder")
    p.add_argument("--e2e-timeout", type=float, default=1200.0, help="seconds per CLI command")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display on stderr")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    global QUIET
    args = parse_args(argv)
    QUIET = args.quiet
    if args.quick:
        args.size, args.repeats = min(args.size, 10**5), 3
    if args.size < 16 or args.repeats < 1:
        print("run.py: error: --size must be >= 16 and --repeats >= 1", file=sys.stderr)
        return 2
    skip = {s for s in args.skip.split(",") if s}
    unknown = skip - {"accuracy", "speed", "overhead", "kernels", "e2e"}
    if unknown:
        print(f"run.py: error: unknown part(s) {sorted(unknown)} for --skip; "
              "accepted: accuracy, speed, overhead, kernels, e2e", file=sys.stderr)  # fmt: skip
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    peers = peers_mod.all_peers()
    if args.peers:
        wanted = {s for s in args.peers.split(",") if s} | {"actref"}
        peers = [p for p in peers if p.name in wanted]
    peer_names = [p.name for p in peers]
    env = environment()
    env["peers"] = {p.name: p.version for p in peers}
    log(f"peers: {', '.join(f'{p.name} {p.version}' for p in peers)}")
    sample_s = 0.005 if args.quick else 0.02
    results: dict[str, Any] = {"environment": env, "size": args.size}
    report = ["# actref benchmark\n", _env_md(env, args), ""]

    if "accuracy" not in skip:
        cache = OracleCache(out / "oracle-cache")
        acc = run_accuracy(peers, cache)
        results["accuracy"] = [asdict(r) for r in acc]
        report += ["## Accuracy: worst ULP against the oracle on the hard input set\n",
                   ACCURACY_LEGEND, accuracy_tables(acc, peer_names)]  # fmt: skip
        warn = {p.name: p.fp_warnings for p in peers}
        report.append(
            "NumPy floating-point warnings raised (and silenced) during the accuracy run: "
            + ", ".join(f"{k} {v}" for k, v in warn.items())
            + "\n"
        )
        own = sorted(
            (f"{r.function} {r.direction} {r.dtype} ({r.fp_warnings})"
             for r in acc if r.peer == "actref" and r.fp_warnings),
        )  # fmt: skip
        if own:
            report.append(
                "actref calls that raised NumPy floating-point warnings on the hard inputs "
                "(each would be an error under pytest's `filterwarnings = error`): "
                + ", ".join(own)
                + "\n"
            )
        errors = [r for r in acc if r.error]
        if errors:
            report.append("Errors raised by peers on the hard inputs:\n")
            report += [
                f"- {r.peer} {r.function} {r.direction} {r.dtype}: {r.error}" for r in errors
            ]
            report.append("")

    if "speed" not in skip:
        sp = run_speed(peers, args.size, args.repeats, sample_s)
        floor = copy_floor(args.size, args.repeats, sample_s)
        table, ratios = speed_summary(sp, peer_names)
        results["speed"] = [dict(asdict(r), ns_per_element=r.ns_per_element) for r in sp]
        results["copy_floor_ns"] = floor
        results["ratios"] = ratios
        speed_head = (
            f"## Speed: CPU ns per element, {args.size:.0e} elements, single thread, "
            f"median of {args.repeats}\n"
        )
        floor_s = ", ".join(f"{k} {v:.2f} ns/element" for k, v in floor.items())
        notes = (
            f"Targets: actref / fastest peer ≤ {TARGET_VS_FASTEST}, actref / textbook ≤ "
            f"{TARGET_VS_TEXTBOOK}. softmax: rows of {SPEED_SOFTMAX_SHAPE[1]}; its "
            "derivative is the Jacobian diagonal s(1-s). Derivatives of torch are autograd "
            "(forward included), of jax `jit(vmap(grad(f)))`.\n"
        )
        report += [speed_head, f"Memory-copy floor (`np.copyto`): {floor_s}\n", notes, table,
                   _misses_md(ratios)]  # fmt: skip
        write_chart(ratios, out / "ratios.png", args.size)
        report.append("![actref / fastest peer](ratios.png)\n")

    if "overhead" not in skip:
        small = run_speed(peers, 16, args.repeats, 0.01)
        table16, _ = speed_summary(small, peer_names, per_call=True)
        brk = overhead_breakdown(args.repeats)
        results["overhead16"] = [dict(asdict(r), ns_per_element=r.ns_per_element) for r in small]
        results["overhead_breakdown"] = brk
        report += ["## Per-call overhead on 16 elements (float64)\n", _overhead_md(brk),
                   "<details><summary>all peers at 16 elements</summary>\n", table16,
                   "</details>\n"]  # fmt: skip

    if "kernels" not in skip:
        table_ba, rows_ba = before_after.run(time_call, args.size, args.repeats, sample_s)
        results["before_after"] = rows_ba
        report += ["## The kernels against the ones they replaced\n", table_ba]

    if "e2e" not in skip:
        e2e = run_e2e(args.e2e_timeout)
        curves = curve_speedup(
            [("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", {"negative_slope": 0.1}),
             ("gelu", {}), ("mish", {})],
            400,
        )  # fmt: skip
        isolation = run_isolation(20 if args.quick else 100, 2)
        feedback = run_feedback(20 if args.quick else 100, 2)
        results["e2e"] = [asdict(r) for r in e2e]
        results["curves"] = curves
        results["isolation"] = isolation
        results["feedback"] = feedback
        report += ["## End to end\n", _e2e_md(e2e), "", _curves_md(curves),
                   "## The grader's sandbox\n", _isolation_md(isolation),
                   "## Feedback pages and the class report\n", _feedback_md(feedback)]  # fmt: skip

    text = "\n".join(report)
    (out / "report.md").write_text(text + "\n", encoding="utf-8")
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(text)
    log(f"wrote {out / 'report.md'}, {out / 'ratios.png'}, {out / 'results.json'}")
    return 0


ACCURACY_LEGEND = (
    "Each cell: the worst ULP error over finite inputs where both the result and the truth "
    "are finite, as `actref.contract` counts it (a subnormal true value returned as another "
    "number below the smallest normal is not held to ULPs); then `sub W` = the worst "
    "ULP error among those left out, when that is worse (a flush to zero "
    "of a subnormal counts as all the floats between it and 0, ~4.5e15 in float64); `Nnf` = N wrong non-finite results (nan or ±inf where the truth is "
    "finite, or a finite result where it is not, or nan lost), `N/Mlim` = N of the M "
    "inputs at ±inf with a wrong limit (more than 1 ULP off). A derivative at a kink counts as right anywhere "
    "between the one-sided derivatives. Elementwise functions: `hard_inputs(dtype, kinks)`; "
    "softmax family: rows `[h, 0, 1, -1]` and `[h, h/2, h/4, -h]` for every hard input h, "
    "plus rows with ±inf and nan; its derivative is the Jacobian diagonal. The truth is "
    "mpmath, correctly rounded to the dtype.\n"
)


def run_isolation(n: int, jobs: int) -> dict[str, Any]:
    """What the grader's walls cost: ``n`` copies of the classic homework graded with
    ``jobs`` workers at once, contained (``isolation="auto"``) and not (``"none"``), in
    the same run; and one submission alone, contained. Target: ratio ≤ 1.5, one ≤ 1.5 s."""
    from actref.grading import grade_files, load_rubric

    rubric = load_rubric()
    tmp = Path(tempfile.mkdtemp(prefix="actref-bench-grade-"))
    paths = []
    for i in range(n):
        p = tmp / f"student{i:03d}.py"
        p.write_text(HOMEWORK.read_text())
        paths.append(str(p))
    out: dict[str, Any] = {"submissions": n, "jobs": jobs}
    grade_files(paths[:2], rubric, 1, isolation="none")  # the fork server, warm
    for mode in ("none", "auto"):
        start = time.perf_counter()
        results = grade_files(paths, rubric, jobs, isolation=mode)
        out[f"{mode}_s"] = time.perf_counter() - start
        out[f"{mode}_missing"] = sorted({m for r in results if r for m in r.missing_protections})
    start = time.perf_counter()
    grade_files(paths[:1], rubric, 1, isolation="auto")
    out["one_s"] = time.perf_counter() - start
    out["ratio"] = out["auto_s"] / out["none_s"]
    log(f"isolation: {out['ratio']:.2f}x on {n} submissions, one in {out['one_s']:.2f} s")
    return out


def _isolation_md(iso: dict[str, Any]) -> str:
    ok = iso["ratio"] <= TARGET_ISOLATION_RATIO and iso["one_s"] <= TARGET_ONE_SUBMISSION_S
    missing = ", ".join(iso["auto_missing"]) or "none"
    return (
        f"Grading {iso['submissions']} copies of the classic homework with --jobs "
        f"{iso['jobs']}: contained {iso['auto_s']:.2f} s, without walls {iso['none_s']:.2f} s "
        f"(ratio {iso['ratio']:.2f}, target ≤ {TARGET_ISOLATION_RATIO}); one submission "
        f"alone, contained, from the Python call: {iso['one_s']:.2f} s (target ≤ "
        f"{TARGET_ONE_SUBMISSION_S} s). Protections missing on this host: {missing}. "
        f"{'Both targets met.' if ok else 'TARGET MISSED.'}\n"
    )


# A submission with the usual mistakes, for the feedback measurement: half the class
# hands in the classic homework (passes), half this (figures to draw).
BUGGY_HOMEWORK = """
import numpy as np
def sigmoid(x):
    return 1 / (1 + np.exp(-x))
def sigmoid_derivative(x):
    return np.exp(-x) / (1 + np.exp(-x)) ** 2
def tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
def relu(x):
    return np.maximum(x, 0)
def leaky_relu(x):
    return np.where(x > 0, x, 0.01 * x)
def leaky_relu_derivative(x):
    return np.where(x > 0, 1.0, 0.01)
def softmax(x):
    e = np.exp(x)
    return e / e.sum()
"""


def run_feedback(n: int, jobs: int, rounds: int = 2) -> dict[str, Any]:
    """What ``--feedback-dir`` and ``--summary`` add to ``actref grade`` on ``n``
    submissions (half the classic homework, half a buggy one), ``jobs`` at a time, in
    the same run, alternated ``rounds`` times (best of each). Target: ratio ≤ 1.3."""
    import contextlib
    import io

    from actref.cli import main

    tmp = Path(tempfile.mkdtemp(prefix="actref-bench-feedback-"))
    paths = []
    for i in range(n):
        p = tmp / f"student{i:03d}.py"
        p.write_text(HOMEWORK.read_text() if i % 2 == 0 else BUGGY_HOMEWORK)
        paths.append(str(p))
    base = ["grade", *paths, "--jobs", str(jobs), "--quiet", "--format", "csv"]
    times: dict[str, list[float]] = {"plain": [], "feedback": []}
    main([*base[:3], "--quiet", "--output", str(tmp / "warm.csv")])  # the fork server, warm
    for r in range(rounds):
        for mode in ("plain", "feedback"):
            extra = [] if mode == "plain" else ["--feedback-dir", str(tmp / f"fb{r}"), "--summary"]
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                code = main([*base, "--output", str(tmp / f"{mode}{r}.csv"), *extra])
            times[mode].append(time.perf_counter() - start)
            assert code == 0, f"actref grade exited {code}"
    out: dict[str, Any] = {"submissions": n, "jobs": jobs, "rounds": rounds}
    out["plain_s"], out["feedback_s"] = min(times["plain"]), min(times["feedback"])
    out["ratio"] = out["feedback_s"] / out["plain_s"]
    out["figures"] = len(list((tmp / "fb0").glob("*.svg")))
    log(f"feedback: {out['ratio']:.2f}x on {n} submissions ({out['figures']} figures)")
    return out


def _feedback_md(fb: dict[str, Any]) -> str:
    ok = fb["ratio"] <= TARGET_FEEDBACK_RATIO
    return (
        f"`actref grade` on {fb['submissions']} submissions (half the classic homework, half "
        f"a buggy NumPy one) with --jobs {fb['jobs']}, best of {fb['rounds']}: "
        f"{fb['plain_s']:.2f} s; with --feedback-dir and --summary ({fb['figures']} figures, "
        f"a page per student, the class report): {fb['feedback_s']:.2f} s (ratio "
        f"{fb['ratio']:.2f}, target ≤ {TARGET_FEEDBACK_RATIO}). "
        f"{'Target met.' if ok else 'TARGET MISSED.'}\n"
    )


def run_e2e(timeout: float) -> list[E2ERow]:
    tmp = Path(tempfile.mkdtemp(prefix="actref-bench-"))
    # --quiet: the commands' own progress would be the last stderr line of each row
    tasks = [
        ("actref verify (whole catalogue)", ["verify", "--quiet"], (0, 1)),
        (
            "actref plot --all (gallery)",
            ["plot", "--all", "--quiet", "--out", str(tmp / "gallery.png")],
            (0,),
        ),
        ("actref grade classic_homework.py", ["grade", str(HOMEWORK)], (0, 1)),
    ]
    rows = []
    with stage("e2e", len(tasks)) as bar:
        for task, args, ok_codes in tasks:
            bar.step(task)
            rows.append(time_cli(task, args, timeout, ok_codes))
    log("e2e done")
    return rows


def _env_md(env: dict[str, Any], args: argparse.Namespace) -> str:
    pools = env["threadpools"]
    if isinstance(pools, list):
        pools_s = "; ".join(
            f"{p['internal_api']} {p['version']} {p['architecture']} threads={p['num_threads']}"
            for p in pools
        )
    else:
        pools_s = str(pools)
    la = env["load_average"]
    return (
        f"Python {env['python']} on {env['machine']}, {env['cpus']} CPUs, load average at start "
        f"{', '.join(f'{v:.2f}' for v in la) if la else '?'}; peers: "
        + ", ".join(f"{k} {v}" for k, v in env["peers"].items())
        + f". Thread pools: {pools_s}. Command: `{' '.join(sys.argv)}`\n"
    )


def _misses_md(ratios: list[dict[str, Any]]) -> str:
    miss = [
        r
        for r in ratios
        if (r["vs_fastest"] or 0) > TARGET_VS_FASTEST
        or (r["vs_textbook"] or 0) > TARGET_VS_TEXTBOOK
    ]
    if not miss:
        return "All functions within both speed targets.\n"
    lines = ["Outside a speed target:\n"]
    for r in miss:
        lines.append(
            f"- {r['function']} {r['dtype']} {r['direction']}: {r['vs_fastest']:.2f}× the fastest "
            f"({r['fastest_peer']}), {r['vs_textbook'] or float('nan'):.2f}× textbook"
        )
    return "\n".join(lines) + "\n"


def _overhead_md(brk: list[dict[str, Any]]) -> str:
    body = []
    for r in brk:
        worst = max(r["call_us"], r["grad_call_us"])
        body.append(
            [
                r["function"],
                f"{r['call_us']:.2f}",
                f"{r['kernel_us']:.2f}",
                f"{r['call_us'] - r['kernel_us']:.2f}",
                f"{r['grad_call_us']:.2f}",
                f"{r['grad_kernel_us']:.2f}",
                "ok" if worst <= TARGET_OVERHEAD_US else "✗",
            ]
        )
    head = (
        f"Target ≤ {TARGET_OVERHEAD_US:.0f} µs per call. `kernel` is the actref.kernels function "
        "called directly on a float64 array; `wrapper` = call - kernel is "
        "`Activation.__call__` (as_float_array + astype). For scale: one NumPy ufunc call on 16 "
        f"elements {brk[0]['one_ufunc_us']:.2f} µs, `as_float_array` alone "
        f"{brk[0]['as_float_array_us']:.2f} µs.\n\n"
    )
    header = ["function", "act(x) µs", "kernel µs", "wrapper µs", "act.grad(x) µs",
              "grad kernel µs", "≤ target"]  # fmt: skip
    return head + md_table(header, body) + "\n"


def _e2e_md(rows: list[E2ERow]) -> str:
    body = [
        [
            r.task,
            f"{r.seconds:.2f}" if r.seconds is not None else "—",
            f"{r.cpu_seconds:.2f}" if r.cpu_seconds is not None else "—",
            r.status,
            r.detail,
        ]
        for r in rows
    ]
    return md_table(["task", "wall s", "CPU s", "status", "last line"], body) + "\n"


def _curves_md(curves: list[dict[str, Any]]) -> str:
    body = [
        [
            c["function"],
            f"{c['evalf_s'] * 1e3:.1f}",
            f"{c['cold_s'] * 1e3:.2f}",
            f"{c['warm_s'] * 1e6:.1f}",
            f"{c['speedup_warm']:.0f}×",
            f"{c['speedup_cold']:.0f}×",
            f"{c['max_rel_diff']:.1e}",
        ]
        for c in curves
    ]
    head = (
        "400-point curve of a function and its derivative on [-5, 5]: per-point `evalf` "
        "(the classic homework) vs `Activation.sympy_numpy()` / `sympy_numpy_grad()` "
        f"(lambdified once, cached; cold = including lambdify). Target ≥ "
        f"{TARGET_SYMPY_SPEEDUP:.0f}× (warm).\n\n"
    )
    header = ["function", "evalf ms", "lambdify cold ms", "cached µs", "speedup cached",
              "speedup cold", "max rel. difference"]  # fmt: skip
    return head + md_table(header, body) + "\n"


if __name__ == "__main__":
    sys.exit(main())
