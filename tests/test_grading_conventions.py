"""Code as students really write it (issue 11): every part of every realistic submission
in ``tests/grading/real_*`` (and a notebook, a folder, a zip), graded in one batch.

Each convention gets a correct submission that must pass, and the derivative
conventions get wrong submissions that must still fail.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from actref.grading import PARTS, PartResult, SubmissionResult, grade_files, load_rubric
from actref.grading.report import as_gradescope, text_one
from actref.grading.rubric import Limits, Rubric, RubricError

from .grading_checks import FUNCTIONS, assert_statuses

CORPUS = Path(__file__).parent / "grading"


def _all(status: str, *functions: str) -> dict[tuple[str, str], str]:
    return {(f, p): status for f in functions or FUNCTIONS for p in PARTS}


def _derivatives(status: str, *functions: str) -> dict[tuple[str, str], str]:
    return {(f, "derivative"): status for f in functions}


# every part not named here must pass
EXPECTED: dict[str, dict[tuple[str, str], str]] = {
    # item 1: derivatives of the output, right and wrong
    "real_output_convention.py": {},
    "real_output_wrong.py": _derivatives("fail", "sigmoid", "tanh", "softmax"),
    "real_x_wrong.py": _derivatives("fail", "sigmoid", "tanh", "relu", "softmax"),
    # item 2: where functions live
    "real_class_static.py": {},
    "real_class_instance.py": {},
    "real_layers.py": _derivatives("missing", "softmax"),
    "real_factory.py": _all("missing", "softmax"),
    "real_sympy_function.py": _derivatives("missing", "softmax"),
    "real_flag_derivative.py": {},
    # item 3 and 7: a hard-coded slope; a batch softmax
    "real_hardcoded_slope.py": {
        **_all("missing", "tanh", "relu"),
        **_derivatives("fail", "leaky_relu"),
        ("leaky_relu", "value"): "fail",
        ("softmax", "derivative"): "missing",
    },
    # item 4: names not matched
    "real_near_miss.py": {
        **_all("missing", "tanh", "relu", "leaky_relu", "softmax"),
        ("sigmoid", "derivative"): "missing",
    },
    # item 5: scripts
    "real_input_script.py": _all("missing", "relu", "leaky_relu", "softmax"),
    "real_script_fails.py": _all("missing", "tanh", "relu", "softmax"),
    "real_stub_only.py": _all("missing", "sigmoid", "tanh", "leaky_relu", "softmax"),
    "real_training_loop.py": _all("missing", "tanh", "leaky_relu", "softmax"),
    "real_merge_conflict.py": _all("error"),
    "real_py2_print.py": _all("error"),
    # item 6: a notebook, a folder, the same folder zipped
    "real_notebook.ipynb": {
        **_all("missing", "relu", "leaky_relu"),
        ("softmax", "derivative"): "missing",
    },
    "real_folder": _all("missing", "tanh", "leaky_relu", "softmax"),
    "real_folder.zip": _all("missing", "tanh", "leaky_relu", "softmax"),
}

# what the feedback says it recognised, or why it failed
MESSAGES = {
    ("real_output_convention.py", "tanh", "derivative"): (
        "recognised: dtanh takes the output s = tanh(x) and gives tanh'(x)"
    ),
    ("real_output_wrong.py", "sigmoid", "derivative"): (
        "sigmoid_derivative(x=0.0) = 0.0, expected 0.25; called on the outputs "
        "s = sigmoid(x) it does not match sigmoid'(x) either"
    ),
    ("real_class_static.py", "sigmoid", "derivative"): (
        "recognised: static method Activation.sigmoid_derivative"
    ),
    ("real_class_instance.py", "relu", "value"): "recognised: method Activations().relu",
    ("real_layers.py", "sigmoid", "derivative"): (
        "recognised: layer Sigmoid().backward(ones) after forward(x)"
    ),
    ("real_layers.py", "leaky_relu", "value"): "slope parameter negative_slope=0.1",
    ("real_factory.py", "tanh", "derivative"): "factory tanh() returning (f, f')",
    ("real_sympy_function.py", "sigmoid", "value"): (
        "SymPy function sigmoid(x), called with x = Symbol('x')"
    ),
    ("real_sympy_function.py", "leaky_relu", "value"): "SymPy expression leaky_relu",
    ("real_flag_derivative.py", "sigmoid", "derivative"): (
        "flag derivative sigmoid(x, deriv=True); sigmoid(x, deriv=True) takes the output"
    ),
    ("real_flag_derivative.py", "leaky_relu", "value"): "slope parameter alpha=0.1",
    ("real_flag_derivative.py", "softmax", "value"): (
        "written for a batch (2-D input): called on x[None, :]"
    ),
    ("real_hardcoded_slope.py", "leaky_relu", "value"): (
        "leaky_relu(x=-0.001) = -1e-05, expected -0.0001; your slope is 0.01; "
        "the homework uses 0.1"
    ),
    ("real_hardcoded_slope.py", "leaky_relu", "derivative"): "your slope is 0.01",
    ("real_near_miss.py", "sigmoid", "derivative"): (
        "your file defines sigmoid_derivada(x), nonlin(x, deriv); not graded — "
        "name them sigmoid_derivative"
    ),
    ("real_near_miss.py", "relu", "value"): "no function relu found (looked for relu,",
    ("real_merge_conflict.py", "sigmoid", "value"): (
        "merge-conflict markers (line 7: <<<<<<< HEAD)"
    ),
    ("real_py2_print.py", "tanh", "value"): "Python 2 print statement (line 9: print",
}

NOTES = {
    "real_input_script.py": 'input() runs when your file is imported; put it under `if __name__ == "__main__":`',
    "real_script_fails.py": "graded only its imports, functions, classes and constant assignments",
    "real_stub_only.py": "torch: not installed in the grader, replaced by a stub",
    "real_training_loop.py": "failed (it did not finish within 2.4 s)",
    "real_notebook.ipynb": "graded the code cells of real_notebook.ipynb (5 magic/shell line(s) dropped)",
    "real_folder": "graded the folder: 3 file(s) (activations.py, helpers.py, main.py)",
    "real_folder.zip": "graded the zip file: 3 file(s)",
}


def fast_rubric(**changes: object) -> Rubric:
    """The default rubric with limits short enough for a test run."""
    limits = Limits(call_timeout=1.5, import_timeout=4.0, submission_timeout=30.0, memory_mb=512)
    return dataclasses.replace(load_rubric(), limits=limits, **changes)  # type: ignore[arg-type]


def _with_derivative_input(rubric: Rubric, value: str) -> Rubric:
    functions = tuple(dataclasses.replace(f, derivative_input=value) for f in rubric.functions)
    return dataclasses.replace(rubric, functions=functions)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionResult]:
    zipped = tmp_path_factory.mktemp("zip") / "real_folder"
    archive = shutil.make_archive(str(zipped), "zip", CORPUS / "real_folder")
    paths = sorted(str(p) for p in CORPUS.glob("real_*") if p.suffix != ".zip")
    results = grade_files([*paths, archive], fast_rubric(), jobs=2)
    out = {}
    for r in results:
        assert r is not None
        out[r.submission] = r
    return out


def test_every_realistic_submission_is_described() -> None:
    names = {p.name for p in CORPUS.glob("real_*")} | {"real_folder.zip"}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=str)
def test_every_part_has_its_expected_status(
    name: str, graded: dict[str, SubmissionResult]
) -> None:
    result = graded[name]
    assert_statuses(name, result, EXPECTED[name])
    for r in result.results:
        assert r.status == "pass" or r.message


@pytest.mark.parametrize(("name", "function", "part"), sorted(MESSAGES), ids=str)
def test_feedback_names_what_was_recognised(
    name: str, function: str, part: str, graded: dict[str, SubmissionResult]
) -> None:
    (r,) = [r for r in graded[name].results if (r.function, r.part) == (function, part)]
    said = [r.message, *graded[name].notes]  # an import failure is a note, said once
    assert any(MESSAGES[(name, function, part)] in text for text in said), said


@pytest.mark.parametrize("name", sorted(NOTES), ids=str)
def test_loading_is_said_once_per_submission(
    name: str, graded: dict[str, SubmissionResult]
) -> None:
    result = graded[name]
    assert any(NOTES[name] in note for note in result.notes), result.notes
    text = text_one(result)
    assert sum(NOTES[name] in line for line in text.splitlines()) == 1
    assert NOTES[name] in json.loads(as_gradescope(result))["output"]
    assert result.as_dict()["notes"] == list(result.notes)


def test_near_miss_constants_are_not_called_functions(
    graded: dict[str, SubmissionResult],
) -> None:
    for r in graded["real_near_miss.py"].results:
        assert "not a function" not in r.message


def test_a_broken_import_is_said_once_in_text(graded: dict[str, SubmissionResult]) -> None:
    text = text_one(graded["real_merge_conflict.py"])
    assert text.count("merge-conflict markers") == 1, text
    assert "  - every part [error]:" in text


def test_wrong_slope_is_not_charged_again_under_stability(
    graded: dict[str, SubmissionResult],
) -> None:
    (r,) = [
        r
        for r in graded["real_hardcoded_slope.py"].results
        if (r.function, r.part) == ("leaky_relu", "stability")
    ]
    assert r.status == "pass"


# ---------------------------------------------------------------------- rubric keys
def _statuses(paths: list[Path], rubric: Rubric) -> list[dict[tuple[str, str], PartResult]]:
    return [
        {(p.function, p.part): p for p in r.results}
        for r in grade_files([str(p) for p in paths], rubric)
        if r is not None
    ]


def test_derivative_input_x_refuses_the_output_convention_and_says_why() -> None:
    rubric = _with_derivative_input(fast_rubric(), "x")
    (parts,) = _statuses([CORPUS / "real_output_convention.py"], rubric)
    for f in ("sigmoid", "tanh", "softmax"):
        assert parts[(f, "derivative")].status == "fail"
    for f in ("relu", "leaky_relu"):  # the two conventions agree: nothing to refuse
        assert parts[(f, "derivative")].status == "pass"
    message = parts[("sigmoid", "derivative")].message
    assert "it looks like it takes the output s = sigmoid(x)" in message
    assert "this homework's derivatives take x" in message


def test_derivative_input_output_refuses_the_x_convention() -> None:
    rubric = _with_derivative_input(fast_rubric(), "output")
    x_style, out_style = _statuses(
        [CORPUS / "numpy_stable.py", CORPUS / "real_output_convention.py"], rubric
    )
    sig = x_style[("sigmoid", "derivative")]
    assert sig.status == "fail"
    assert "takes x, but this homework's derivatives take the output" in sig.message
    assert all(p.status == "pass" for p in out_style.values())


def test_stdin_text_is_what_input_reads(tmp_path: Path) -> None:
    src = (
        "import numpy as np\n"
        "ANSWER = input('slope? ')\n"
        "def leaky_relu(x):\n    return np.where(x > 0, x, float(ANSWER) * x)\n"
    )
    path = tmp_path / "asks.py"
    path.write_text(src)
    (result,) = grade_files([str(path)], fast_rubric(stdin="0.1\n"))
    assert result is not None
    parts = {(r.function, r.part): r.status for r in result.results}
    assert parts[("leaky_relu", "value")] == "pass"
    assert any("it was given the rubric's stdin text" in n for n in result.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('derivative_input = "y"\n', "derivative_input: must be one of 'x', 'output', 'either'"),
        ("stdin = 3\n", "stdin: must be a string"),
        (
            "[spellings]\nparameter_names = { negative_slope = [1] }\n",
            "spellings.parameter_names.negative_slope[0]: must be a Python identifier",
        ),
        ("[spellings]\nflag_names = []\n", "spellings.flag_names: must be a non-empty array"),
        (
            "[spellings]\nname_patterns = ['x']\n",
            "spellings.name_patterns[0]: must be an identifier containing {name}",
        ),
    ],
    ids=["derivative-input", "stdin", "parameter-names", "flag-names", "name-patterns"],
)
def test_new_rubric_keys_are_validated_in_one_line(
    text: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "rubric.toml"
    path.write_text(text + '[[function]]\nreference = "sigmoid"\n')
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_class_is_never_called_as_a_sympy_function(tmp_path: Path) -> None:
    src = (
        "import numpy as np\n"
        "class Sigmoid:\n    def __init__(self, size):\n        self.size = size\n"
        "class Tanh:\n    pass\n"
        "from sympy import tanh as htan\n"
    )
    path = tmp_path / "classes.py"
    path.write_text(src)
    (result,) = grade_files([str(path)], fast_rubric())
    assert result is not None
    for r in result.results:
        assert "SymPy" not in r.message
        if r.function in ("sigmoid", "tanh"):
            assert r.status == "missing"
    (tanh,) = [r for r in result.results if (r.function, r.part) == ("tanh", "value")]
    assert "htan is sympy.functions.elementary.hyperbolic.tanh, imported" in tanh.message
