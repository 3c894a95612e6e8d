"""A formula whose last operation writes into a given array: the engine's one rewrite.

A kernel's formula is a plain NumPy expression, so its last operation allocates a fresh
array, which the engine must then copy into the caller's output, block by block. On a
cheap formula that copy is a fifth of the time (elu' at 10**6: 1.39 ms with it, 1.10 ms
when ``exp`` writes straight into the output; in-place kernels never paid it).

:func:`land` gives the engine, once per formula, ``landed(out, *args)``: the formula
with the outermost operation of each returned expression given ``out=out``. It is
rewritten from the formula's own source (its syntax tree, compiled again with the same
globals and closure cells):

- ``a + b``, ``a - b``, ``a * b``, ``a / b`` become ``np.add(a, b, out=out)`` and so
  on: the operators call exactly those ufuncs;
- a call of a one-output NumPy ufunc (``np.exp(...)``) gains ``out=out``;
- ``a if c else b`` lands each arm;
- anything else (a name, ``np.where``, a comparison) is copied into ``out``, as before.

Only the place where the last result is written changes, never an operation or its
order, so the values are the same bits (``tests/test_kernel_landing.py`` holds every
formula of every kernel to that). A formula whose source cannot be found or matched to
its compiled code (the check compiles the unchanged source and compares bytecode) is
copied, never guessed at.
"""

from __future__ import annotations

import ast
import copy
import functools
import linecache
import types
from collections.abc import Callable
from typing import Any

import numpy as np

Landed = Callable[..., Any]

_OUT = "__landing_out"
_ASSIGN = "__landing_assign"
# the ufunc each arithmetic operator calls on arrays
_OPERATORS: dict[type[ast.operator], np.ufunc] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
}


def land(formula: Callable[..., Any]) -> Landed:
    """``landed(out, *args)``: ``formula(*args)`` with its result written into ``out``
    (broadcast to it), which it returns."""
    if isinstance(formula, np.ufunc) and formula.nout == 1:
        return lambda out, *args: formula(*args, out=out)
    if isinstance(formula, types.FunctionType):
        landed = _rewritten(formula)
        if landed is not None:
            return landed
    return lambda out, *args: _assign(out, formula(*args))


def _assign(out: Any, values: Any) -> Any:
    out[...] = values
    return out


# ------------------------------------------------------------------- the rewrite
def _rewritten(formula: types.FunctionType) -> Landed | None:
    code = formula.__code__
    node = _source_node(formula)
    if node is None:
        return None
    helpers = {_ASSIGN: _assign} | {_helper_name(op): uf for op, uf in _OPERATORS.items()}
    node = copy.deepcopy(node)
    node.args.args.insert(0, ast.arg(_OUT))
    # the globals the body sees: a local or free name of the formula shadows its global
    local = {*code.co_varnames, *code.co_cellvars, *code.co_freevars}
    visible = {k: v for k, v in formula.__globals__.items() if k not in local}
    if isinstance(node, ast.Lambda):
        node.body = _landed_expr(node.body, visible)
    else:
        for ret in _own_returns(node):
            if ret.value is not None:
                ret.value = _landed_expr(ret.value, visible)
    inner = _compiled(node, formula, tuple(helpers))
    if inner is None:
        return None
    cells = dict(zip(code.co_freevars, formula.__closure__ or (), strict=True))
    cells |= {name: types.CellType(value) for name, value in helpers.items()}
    landed = types.FunctionType(
        inner,
        formula.__globals__,
        code.co_name,
        formula.__defaults__,
        tuple(cells[name] for name in inner.co_freevars),
    )
    landed.__kwdefaults__ = formula.__kwdefaults__
    return landed


def _helper_name(op: type[ast.operator]) -> str:
    return f"__landing_{op.__name__.lower()}"


def _landed_expr(expr: ast.expr, globals_: dict[str, Any]) -> ast.expr:
    """``expr`` with its outermost operation writing into ``out``."""
    out = ast.Name(_OUT, ast.Load())
    if isinstance(expr, ast.IfExp):
        return ast.IfExp(
            expr.test, _landed_expr(expr.body, globals_), _landed_expr(expr.orelse, globals_)
        )
    if isinstance(expr, ast.BinOp) and type(expr.op) in _OPERATORS:
        helper = ast.Name(_helper_name(type(expr.op)), ast.Load())
        return ast.Call(helper, [expr.left, expr.right], [ast.keyword("out", out)])
    if isinstance(expr, ast.Call) and _lands_by_keyword(expr, globals_):
        return ast.Call(expr.func, expr.args, [*expr.keywords, ast.keyword("out", out)])
    return ast.Call(ast.Name(_ASSIGN, ast.Load()), [out, expr], [])


def _lands_by_keyword(call: ast.Call, globals_: dict[str, Any]) -> bool:
    """A call of a module-level one-output ufunc with its inputs only (``np.exp(v)``)."""
    func = _static_value(call.func, globals_)
    return (
        isinstance(func, np.ufunc)
        and func.nout == 1
        and len(call.args) == func.nin
        and not call.keywords
        and not any(isinstance(a, ast.Starred) for a in call.args)
    )


def _static_value(expr: ast.expr, globals_: dict[str, Any]) -> Any:
    """The object a dotted global name (``np.exp``) refers to, or None."""
    if isinstance(expr, ast.Name):
        return globals_.get(expr.id)
    if isinstance(expr, ast.Attribute):
        base = _static_value(expr.value, globals_)
        return None if base is None else getattr(base, expr.attr, None)
    return None


def _own_returns(node: ast.FunctionDef) -> list[ast.Return]:
    """The function's return statements, not those of functions nested in it."""
    found: list[ast.Return] = []
    todo: list[ast.AST] = list(node.body)
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Return):
            found.append(n)
        if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(n))
    return found


# ------------------------------------------------------- finding the source, safely
def _source_node(formula: types.FunctionType) -> ast.FunctionDef | ast.Lambda | None:
    """The syntax node that compiled to ``formula``'s code: among the undecorated
    functions and lambdas of its file starting on its first line, the one whose
    unchanged source compiles to the same bytecode."""
    code = formula.__code__
    linecache.checkcache(code.co_filename)
    source = "".join(linecache.getlines(code.co_filename, formula.__globals__))
    tree = _parsed(source, code.co_filename) if source else None
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda):
            named = code.co_name == "<lambda>"
        elif isinstance(node, ast.FunctionDef):
            named = code.co_name == node.name and not node.decorator_list
        else:
            continue
        if named and node.lineno == code.co_firstlineno:
            compiled = _compiled(copy.deepcopy(node), formula, ())
            if compiled is not None and _same_code(compiled, code):
                return node
    return None


@functools.lru_cache(maxsize=16)
def _parsed(source: str, filename: str) -> ast.Module | None:
    """A kernel module's syntax tree, parsed once for all its formulas."""
    try:
        return ast.parse(source, filename)
    except SyntaxError:
        return None


def _same_code(a: types.CodeType, b: types.CodeType) -> bool:
    return (a.co_code, a.co_names, a.co_varnames, a.co_freevars) == (
        b.co_code,
        b.co_names,
        b.co_varnames,
        b.co_freevars,
    ) and [c for c in a.co_consts if not isinstance(c, types.CodeType)] == [
        c for c in b.co_consts if not isinstance(c, types.CodeType)
    ]


def _compiled(
    node: ast.FunctionDef | ast.Lambda, formula: types.FunctionType, helpers: tuple[str, ...]
) -> types.CodeType | None:
    """The code of ``node`` compiled inside a function whose locals are the original's
    free variables and the helpers, so that those (and only those) are its closure.

    The globals that are modules are declared imported, as in the formula's own file:
    CPython compiles ``np.exp(v)`` differently when the module imports a name ``np``,
    even where a local ``np`` shadows it (the statement is never run, only compiled)."""
    code = formula.__code__
    imports: list[ast.stmt] = [
        ast.Import([ast.alias("sys", name)])
        for name, value in formula.__globals__.items()
        if isinstance(value, types.ModuleType) and name.isidentifier()
    ]
    target: ast.stmt
    if isinstance(node, ast.Lambda):
        target = ast.Return(node)
        body: list[ast.stmt] = [target]
    else:
        body = [node, ast.Return(ast.Name(node.name, ast.Load()))]
    params = [ast.arg(name) for name in (*code.co_freevars, *helpers)]
    outer = ast.FunctionDef(
        "__landing_scope",
        ast.arguments([], params, None, [], [], None, []),
        body,
        [],
        None,
        None,
    )
    module = ast.fix_missing_locations(ast.Module([*imports, outer], []))
    try:
        compiled = compile(module, code.co_filename, "exec")
    except (SyntaxError, ValueError):
        return None
    scope = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    inner = [c for c in scope.co_consts if isinstance(c, types.CodeType)]
    return inner[0] if len(inner) == 1 else None
