"""The grader reads and evaluates students' SymPy answers itself, without SymPy: the
srepr text is parsed by ast into whitelisted operations and evaluated by mpmath. These
are the inputs that once froze or hung the grader's own process, and the ordinary
spellings it must get right."""

from __future__ import annotations

import math
import time

import pytest
import sympy

from actref.grading import expression as ex

x = sympy.Symbol("x", real=True)


def _values(expr: object, xs: list[float]) -> list[float | str]:
    return ex.evaluate(ex.parse(sympy.srepr(expr)), xs)


@pytest.mark.parametrize(
    ("expr", "xs", "want"),
    [
        (1 / (1 + sympy.exp(-x)), [0.0, -750.0], [0.5, 0.0]),
        (sympy.Piecewise((0, x < 0), (x, True)), [-2.0, 3.0], [0.0, 3.0]),
        (sympy.Max(sympy.Rational(1, 10) * x, x), [-1.0, 2.0], [-0.1, 2.0]),
        (sympy.Heaviside(x), [-1.0, 0.0, 1.0], [0.0, 0.5, 1.0]),
        (sympy.Abs(x) - sympy.sign(x), [-3.0, 0.0], [4.0, 0.0]),
        (sympy.tanh(x), [750.0], [1.0]),
    ],
    ids=["sigmoid", "piecewise", "max", "heaviside", "abs-sign", "tanh"],
)
def test_ordinary_answers_evaluate_like_sympy(
    expr: object, xs: list[float], want: list[float]
) -> None:
    assert _values(expr, xs) == want


def test_the_students_float_keeps_its_binary_value() -> None:
    (value,) = _values(sympy.Float(0.1) * x, [1.0])
    assert value == 0.1  # 0.1000000000000000055511151231257827, rounded back


def test_not_real_and_not_a_number_are_errors() -> None:
    log, dirac = _values(sympy.log(x), [-1.0]), _values(sympy.DiracDelta(x), [0.0])
    assert log == ["is not real at x=-1.0"]
    assert dirac == ["is not real at x=0.0"]


@pytest.mark.parametrize(
    "text",
    [
        # 2**(2**32 + 1/3): SymPy would compute a 2**32-bit integer with the GIL held
        "Pow(Integer(2), Rational(12884901889, 3))",
        # printing a Float with a 332 000-bit exponent never ended
        "Pow(Integer(2), Float('1e100000', precision=53))",
        "Mul(Pow(Integer(10), Pow(Integer(10), Integer(100))), Symbol('x'))",
        # mpmath's integer power squares log2(n) times at ever wider precision
        "Pow(Float('0.3', precision=53), Float('-1e19700', precision=53))",
        "Pow(Add(Integer(2), Symbol('x')), Integer(" + str(2**4095 + 1) + "))",
    ],
    ids=["rational-power", "huge-float", "power-tower", "float-power", "integer-power"],
)
def test_huge_numbers_are_infinite_at_once(text: str) -> None:
    start = time.monotonic()
    values = ex.evaluate(ex.parse(text), [1.0, 2.0])
    assert time.monotonic() - start < 2
    assert all(v == math.inf for v in values)


def test_a_derivative_of_max_of_sines_is_evaluated_without_solvers() -> None:
    # sympy.diff of Max(sin(x), 2 sin(2x), ...) is Heaviside terms; lambdify took minutes
    terms = [k * sympy.sin(k * x) for k in range(1, 6)]
    d = sympy.diff(sympy.Max(*terms), x)
    start = time.monotonic()
    values = _values(d, [0.3, 1.0, 2.5])
    assert time.monotonic() - start < 2
    assert all(isinstance(v, float) for v in values)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "__import__ is not allowed"),
        ("Symbol('y')", "a symbol other than x"),
        ("Function('f')(Symbol('x'))", "not a SymPy object"),
        ("Max(" + ", ".join(["Symbol('x')"] * 65) + ")", "Max with 65 arguments"),
        ("Integer(" + "9" * 1300 + ")", "at most 4096 bits"),
        ("exp(" * 70 + "Symbol('x')" + ")" * 70, "nested deeper than 60"),
    ],
    ids=["import", "other-symbol", "function", "many-args", "big-int", "deep"],
)
def test_what_is_not_accepted_says_why(text: str, message: str) -> None:
    with pytest.raises(ex.ExpressionError, match=message):
        ex.parse(text)


def test_a_large_power_keeps_its_sign_and_value() -> None:
    tree = ex.parse("Pow(Symbol('x'), Integer(65))")
    assert ex.evaluate(tree, [-1.0, 2.0]) == [-1.0, 2.0**65]
    assert ex.evaluate(ex.parse("Pow(Symbol('x'), Rational(131, 2))"), [-1.0]) == [
        "is not real at x=-1.0"
    ]


def test_evaluation_stops_at_the_deadline() -> None:
    values = ex.evaluate(ex.parse("Symbol('x')"), [1.0, 2.0], deadline=0.0)
    assert values == ["was not evaluated: the submission's time limit had passed"] * 2


def test_a_product_does_not_depend_on_the_order_of_its_factors() -> None:
    big, small = "Float('1e19700', precision=53)", "Float('1e-19700', precision=53)"
    one = ex.parse(f"Mul({big}, {big}, {small}, Symbol('x'))")
    other = ex.parse(f"Mul({small}, {big}, {big}, Symbol('x'))")
    assert ex.evaluate(one, [1.0]) == ex.evaluate(other, [1.0]) == [math.inf]


def test_direction_marks_are_shown_escaped() -> None:
    from actref.grading.text import printable

    assert printable("a\u200eb\u200fc\u061cd") == "a\\u200eb\\u200fc\\u061cd"


@pytest.mark.parametrize(
    "expr",
    [
        1 / (1 + sympy.exp(-x)),
        sympy.Piecewise((sympy.Rational(1, 10) * x, x < 0), (x, True)),
        sympy.Max(0, x) + sympy.Heaviside(x) - sympy.Abs(x) * sympy.sign(x),
        sympy.tanh(x) ** 2 + sympy.erf(x) + sympy.log(1 + sympy.exp(x)),
    ],
    ids=["sigmoid", "piecewise", "max-heaviside", "mixed"],
)
def test_the_drawn_curve_is_the_evaluated_expression(expr: object) -> None:
    tree = ex.parse(sympy.srepr(expr))
    xs = [-3.0, -0.5, 0.0, 0.25, 2.0]
    exact = ex.evaluate(tree, xs)
    drawn = ex.evaluate_curve(tree, xs)
    assert drawn == pytest.approx(exact, rel=1e-12, abs=1e-15)
