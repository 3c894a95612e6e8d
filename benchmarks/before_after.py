"""The kernels against the kernels they replaced, measured in the same run.

``legacy_kernels.py`` is ``src/actref/numeric.py`` as it was before the kernels were
rewritten as declared regions (issue 14). Both run through the same registry call
(``act(x)``, ``act.grad(x)``), so the ratio is the kernel's own cost. Targets from the
issue: at most 1.2x the old time at 10**6 elements and 1.5x on a 16-element call.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import actref

HERE = Path(__file__).resolve().parent
TARGETS = {16: 1.5, "large": 1.2}
ROUNDS = 5  # paired new/old timings per cell; the ratio is their median


def legacy_module() -> Any:
    spec = importlib.util.spec_from_file_location("legacy_kernels", HERE / "legacy_kernels.py")
    if spec is None or spec.loader is None:
        raise ImportError("benchmarks/legacy_kernels.py not found")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def pairs() -> list[tuple[str, actref.Activation, actref.Activation]]:
    """(name, today's activation, the same with the legacy kernels) for every function
    the legacy module has."""
    legacy = legacy_module()
    out = []
    for act in actref.all_activations():
        fwd = getattr(legacy, act.name, None)
        grad = getattr(legacy, act.name + "_grad", None)
        if fwd is not None and grad is not None:
            old = dataclasses.replace(act, forward_fn=_first(fwd), grad_fn=_first(grad))
            out.append((act.name, act, old))
    return out


def _first(old: Callable[..., Any]) -> Callable[..., Any]:
    """The old kernel given only the parameters it had (relu has since gained keras'
    three, which at their defaults leave it the same function)."""
    n = len(inspect.signature(old).parameters) - 2  # kernel(x, out, *params)
    return lambda x, *params: old(x, *params[:n])


def run(
    time_call: Callable[[Callable[[Any], Any], Any, int, float], float],
    size: int,
    repeats: int,
    sample_s: float,
) -> tuple[str, list[dict[str, Any]]]:
    """Markdown table and rows: new / old time per function, part and size."""
    rng = np.random.default_rng(20241101)
    inputs = {n: rng.normal(0.0, 4.0, n) for n in (16, size)}
    rows: list[dict[str, Any]] = []
    for name, new, old in pairs():
        for part in ("value", "derivative"):
            for n, x in inputs.items():
                f_new = new if part == "value" else new.grad
                f_old = old if part == "value" else old.grad
                # paired: new then old, ROUNDS times, and the median of the ratios (this
                # machine drifts by 10% over a function's timings: 1.12 then 1.32 for
                # one kernel, measured one after the other)
                each = max(1, repeats // 2)  # samples per timing: about as long as before
                timed = [
                    (time_call(f_new, x, each, sample_s), time_call(f_old, x, each, sample_s))
                    for _ in range(ROUNDS)
                ]
                target = TARGETS[16] if n == 16 else TARGETS["large"]
                rows.append(
                    {"function": name, "part": part, "size": n,
                     "new_s": statistics.median(t for t, _ in timed),
                     "old_s": statistics.median(t for _, t in timed),
                     "ratio": statistics.median(t / u for t, u in timed), "target": target}
                )  # fmt: skip
    return _markdown(rows, size), rows


def _markdown(rows: list[dict[str, Any]], size: int) -> str:
    head = (
        "Each cell: new time / old time through the same `act(x)` call, the median of "
        f"{ROUNDS} paired timings (old = "
        "`benchmarks/legacy_kernels.py`, the kernels before the region rewrite). Targets: "
        f"≤ {TARGETS['large']} at {size:.0e} elements, ≤ {TARGETS[16]} at 16; misses in **bold**.\n"
    )
    lines = [head, f"| function | value 16 | value {size:.0e} | derivative 16 | derivative {size:.0e} |",
             "|---|---|---|---|---|"]  # fmt: skip
    by = {(r["function"], r["part"], r["size"]): r for r in rows}
    misses = 0
    for name in dict.fromkeys(r["function"] for r in rows):
        cells = []
        for part in ("value", "derivative"):
            for n in (16, size):
                r = by[(name, part, n)]
                cell = f"{r['ratio']:.2f}"
                if r["ratio"] > r["target"]:
                    misses += 1
                    cell = f"**{cell}**"
                cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(f"\n{misses} of {len(rows)} over target.\n")
    return "\n".join(lines)
