"""Rubrics beyond the catalogue: a formula of the instructor's own (``expr``), one
reference graded twice (``id``), log_softmax, visibility, ``actref rubric``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import sympy

from actref import oracle
from actref import symbolic as sym
from actref.cli import main
from actref.grading import grade_files, load_rubric
from actref.grading.expression import ExpressionError
from actref.grading.formula import parse_infix
from actref.grading.report import as_gradescope, visibilities
from actref.grading.rubric import Limits, Rubric, RubricError

HERE = Path(__file__).parent / "grading" / "instructor"
HW = HERE / "hw.toml"


def _fast(rubric: Rubric) -> Rubric:
    limits = Limits(call_timeout=1.5, import_timeout=4.0, submission_timeout=30.0, memory_mb=512)
    return dataclasses.replace(rubric, limits=limits)


# ------------------------------------------------------------------------ parse_infix
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("x/(1 + exp(-3*x/2))", sym.x / (1 + sympy.exp(-3 * sym.x / 2)), id="swish"),
        pytest.param("0.1*x", sym.x / 10, id="decimal-is-exact"),
        pytest.param("-x**2 + 2", 2 - sym.x**2, id="unary-minus-power"),
        pytest.param("abs(x) + max(x, 0)", sympy.Abs(sym.x) + sympy.Max(sym.x, 0), id="abs-max"),
        pytest.param(
            "Piecewise((x, x > 0), (0, True))",
            sympy.Piecewise((sym.x, sym.x > 0), (0, True)),
            id="piecewise",
        ),
        pytest.param(
            "x*erf(x/sqrt(2))/2", sym.x * sympy.erf(sym.x / sympy.sqrt(2)) / 2, id="gelu"
        ),
    ],
)
def test_parse_infix_builds_the_formula(text: str, expected: sympy.Expr) -> None:
    assert sympy.simplify(parse_infix(text) - expected) == 0


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "x.__class__",
        "(lambda: 1)()",
        "[x for x in ()]",
        "exp(x, evaluate=False)",
        "Symbol('y')",
        "Add(x, 1)",
        "sympify('x')",
        "y + x",
        "'x'",
        "x if x > 0 else 0",
        "2**(2**64)",
        "9" * 2000,
        "-" * 200 + "x",
        "x +",
        "",
        "1/0",
    ],
)
def test_parse_infix_refuses_anything_else(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_infix(text)


def test_parse_infix_binds_parameters() -> None:
    expr = parse_infix("x/(1 + exp(-beta*x))", {"beta": sympy.Rational(3, 2)})
    assert expr.free_symbols == {sym.x}


# ------------------------------------------------------------------------ the rubric
def test_custom_function_truth_is_the_oracle() -> None:
    rubric = load_rubric(HW)
    swish = rubric.functions[0].activation()
    expr = sym.x / (1 + sympy.exp(-3 * sym.x / 2))
    xs = [-1000.0, -37.5, -1e-3, 0.0, 0.5, 20.0]
    assert list(swish(xs)) == [oracle.round_to(oracle.evaluate(expr, v)) for v in xs]
    dexpr = sympy.diff(expr, sym.x)
    assert list(swish.grad(xs)) == [oracle.round_to(oracle.evaluate(dexpr, v)) for v in xs]


def test_custom_kinks_come_from_breakpoints() -> None:
    lrelu = load_rubric(HW).functions[4].activation()
    (kink,) = lrelu.kinks
    assert (kink.at, kink.left, kink.right, kink.grad) == (0.0, 0.2, 1.0, 0.2)
    assert kink.continuous


def test_one_reference_twice_and_log_softmax() -> None:
    rubric = load_rubric(HW)
    ids = [f.reference for f in rubric.functions]
    assert ids == ["swish15", "softplus1", "softplus2", "log_softmax", "lrelu"]
    assert rubric.functions[2].base == "softplus"
    assert dict(rubric.functions[2].params) == {"beta": 2.0}
    assert rubric.functions[3].is_vector


def _write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "r.toml"
    path.write_text(body)
    return str(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[function]]\nexpr = "x"\n', "function[0].id: missing"),
        ('[[function]]\nid = "f"\nexpr = "os.system(1)"\n', "function[0].expr:"),
        ('[[function]]\nid = "f"\nexpr = "log(x)"\n', "not a finite real number at x=0.0"),
        ('[[function]]\nid = "f"\nexpr = "x**2"\nderivative_expr = "3*x"\n', "derivative_expr"),
        ('[[function]]\nid = "f"\nreference = "relu"\nexpr = "x"\n', "either reference or expr"),
        (
            '[[function]]\nreference = "softplus"\n[[function]]\nreference = "softplus"\n',
            "function[1].reference: 'softplus' is graded twice; give each an id",
        ),
        ('[[function]]\nreference = "relu"\nvisibility = "secret"\n', "function[0].visibility"),
        ('[[function]]\nreference = "relu"\nvisibility = { speed = "hidden" }\n', "unknown key"),
        ('[[function]]\nid = "f"\nexpr = "a*x"\nparams = { x = 1 }\n', "params.x"),
        ('[[function]]\nreference = "log_softmax"\nparams = { a = 1 }\n', "takes no parameters"),
    ],
)
def test_rubric_problems_are_one_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(RubricError, match=None) as info:
        load_rubric(_write(tmp_path, body))
    text = str(info.value)
    assert message in text
    assert "\n" not in text


def test_grading_a_custom_rubric(tmp_path: Path) -> None:
    rubric = _fast(load_rubric(HW))
    alice, bob = grade_files([str(HERE / "alice.py"), str(HERE / "bob.py")], rubric)
    assert alice is not None
    assert bob is not None
    assert alice.score == alice.max_score == 20
    status = {(r.function, r.part): r.status for r in bob.results}
    assert status[("swish15", "value")] == "fail"  # beta = 1, not 1.5
    assert status[("softplus1", "value")] == "pass"
    assert status[("softplus2", "value")] == "missing"
    assert status[("log_softmax", "value")] == "pass"
    assert status[("log_softmax", "stability")] == "fail"
    assert status[("lrelu", "input-unchanged")] == "fail"
    doc = json.loads(as_gradescope(bob, visibilities(rubric)))
    vis = {tuple(t["tags"]): t["visibility"] for t in doc["tests"]}
    assert vis[("softplus2", "value")] == "after_due_date"
    assert vis[("log_softmax", "stability")] == "hidden"
    assert vis[("log_softmax", "value")] == "visible"


def test_rubric_show_is_the_default_rubric(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubric", "show"]) == 0
    shown = capsys.readouterr().out
    path = Path(__file__).parents[1] / "src/actref/grading/default_rubric.toml"
    assert shown == path.read_text()


def test_rubric_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubric", "check", str(HW)]) == 0
    out = capsys.readouterr().out
    assert "5 functions, 20 points" in out
    assert "swish15: expr = x/(1 + exp(-3*x/2))" in out
    bad = _write(tmp_path, '[[function]]\nid = "f"\nexpr = "x +"\n')
    assert main(["rubric", "check", bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "function[0].expr" in err
