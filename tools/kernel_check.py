"""Hold the kernels against the oracle and against the kernels they replace.

    python tools/kernel_check.py sigmoid gelu:approximate... [--points N] [--no-speed]
    python tools/kernel_check.py softplus beta=0.1

For each function (value and derivative): the worst float64 and float32 error in ULPs
as the contract counts it, on the hard inputs plus N random points (normal, log-spaced
and around every switch of its regions), any NumPy warning, and the time of a
16-element and a 10**6-element call against ``benchmarks/legacy_kernels.py`` (the
kernels as they were before the region rewrite: issue 14 asks for <= 1.5x and <= 1.2x).
A tool for the person changing a kernel; the tests and ``nox -s bench`` are the record.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import actref
from actref import contract, oracle, registry
from actref.hard_inputs import hard_inputs

ROOT = Path(__file__).resolve().parent.parent


def _legacy() -> Any:
    spec = importlib.util.spec_from_file_location(
        "legacy_kernels", ROOT / "benchmarks/legacy_kernels.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _points(act: actref.Activation, n: int, rng: np.random.Generator) -> np.ndarray:
    pts = [rng.normal(0, 3, n), rng.choice([-1, 1], n) * 10 ** rng.uniform(-8, 2.7, n)]
    for fn in (act.forward_fn, act.grad_fn):
        for s in getattr(fn, "switches", lambda *p: ())(*act.param_values):
            near = np.nextafter(s, np.where(np.arange(-8, 9) < 0, -np.inf, np.inf))
            pts.append(np.concatenate([near, s * (1 + np.linspace(-1e-3, 1e-3, 41))]))
    return np.concatenate(pts)


def _time(fn: Any, x: np.ndarray, floor_s: float = 0.2) -> float:
    best = np.inf
    for _ in range(5):
        k, t0 = 0, time.perf_counter()
        while True:
            fn(x)
            k += 1
            t = time.perf_counter() - t0
            if t > floor_s / 5:
                break
        best = min(best, t / k)
    return best


def check(spec: str, n: int, speed: bool, legacy: Any, seed: int = 0) -> None:
    name, *pairs = spec.split()
    act = actref.get(name, **registry.parse_params(pairs))
    rng = np.random.default_rng(seed)
    extra = _points(act, n, rng)
    for part, fn, expr in (("value", act, act.expr), ("derivative", act.grad, act.dexpr)):
        for dt in (np.float64, np.float32):
            with np.errstate(over="ignore"):  # points beyond float32's range: +-inf
                narrowed = extra.astype(dt)
            xs = np.unique(np.concatenate([hard_inputs(dt, [k.at for k in act.kinks]), narrowed]))
            truth = oracle.true_values(expr, xs, dt)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                try:
                    got = fn(xs)
                    warned = ""
                except (RuntimeWarning, FloatingPointError) as exc:
                    warned = f"  WARNING {exc}"
                    with np.errstate(all="ignore"):
                        got = fn(xs)
            err = contract.contract_ulp_error(got, truth, dt)
            i = int(np.argmax(err))
            budget = contract.budget(act, part, dt)
            flag = "OVER" if err[i] > budget else "ok"
            print(
                f"{act!s:>24} {part:<10} {np.dtype(dt).name:<7} worst {err[i]:8.3g} ULP"
                f" (budget {budget:g}) at x={xs[i]!r} {flag}{warned}"
            )
    if not speed:
        return
    # the same call path (the registry's Activation) with the old kernels in it
    lname = act.name.replace("-", "_")
    old_fwd, old_grad = getattr(legacy, lname, None), getattr(legacy, lname + "_grad", None)
    if old_fwd is None or old_grad is None:
        return
    before = dataclasses.replace(act, forward_fn=old_fwd, grad_fn=old_grad)
    for part, new, old in (("value", act, before), ("derivative", act.grad, before.grad)):
        for size in (16, 10**6):
            x = rng.normal(0, 3, size)
            t_new, t_old = _time(new, x), _time(old, x)
            target = 1.5 if size == 16 else 1.2
            flag = "ok" if t_new <= target * t_old else "SLOW"
            print(
                f"{act!s:>24} {part:<10} n={size:<8} new {t_new * 1e6:9.2f} us  old"
                f" {t_old * 1e6:9.2f} us  ratio {t_new / t_old:5.2f} (<= {target}) {flag}"
            )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("specs", nargs="+", help="NAME or 'NAME key=value ...' (quoted)")
    p.add_argument("--points", type=int, default=2000, help="random points per kind")
    p.add_argument("--no-speed", action="store_true")
    p.add_argument("--seed", type=int, default=0, help="of the random points (0)")
    args = p.parse_args(argv)
    legacy = None if args.no_speed else _legacy()
    for spec in args.specs:
        check(spec, args.points, not args.no_speed, legacy, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
