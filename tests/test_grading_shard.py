"""Beyond one machine: ``--shard K/N`` and ``actref grade merge``; sharded then merged
is the unsharded report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from actref.cli import main
from actref.grading.batch import shard

from .schema_check import assert_valid_report

CORPUS = Path(__file__).parent / "grading"
INSTR = CORPUS / "instructor"
HW = str(INSTR / "hw.toml")
SUBMISSIONS = sorted(
    [str(INSTR / "alice.py"), str(INSTR / "bob.py"), str(CORPUS / "classic_sympy.py")]
    + [str(p) for p in sorted(CORPUS.glob("numpy_*.py"))[:3]]
)


def test_shards_partition_the_sorted_paths() -> None:
    paths = ["d.py", "a.py", "c.py", "b.py", "e.py"]
    parts = [shard(paths, k, 2) for k in (1, 2)]
    assert parts == [["a.py", "c.py", "e.py"], ["b.py", "d.py"]]
    assert shard(list(reversed(paths)), 1, 2) == parts[0]  # input order does not matter
    three = [p for k in (1, 2, 3) for p in shard(paths, k, 3)]
    assert sorted(three) == sorted(paths)
    assert len(set(three)) == len(paths)


def _grade(tmp_path: Path, name: str, *extra: str) -> Path:
    out = tmp_path / name
    argv = ["grade", *SUBMISSIONS, "--rubric", HW, "-q", "--format", "json", "--jobs", "2"]
    assert main([*argv, "--output", str(out), *extra]) == 0
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("shards")
    out = {"all": _grade(tmp, "all.json")}
    for k in (1, 2, 3):
        out[f"{k}/3"] = _grade(tmp, f"s{k}.json", "--shard", f"{k}/3")
    return out


def test_sharded_then_merged_is_unsharded(
    graded: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sizes = [len(json.loads(graded[f"{k}/3"].read_text())) for k in (1, 2, 3)]
    assert sizes == [len(shard(SUBMISSIONS, k, 3)) for k in (1, 2, 3)]
    assert sum(sizes) == len(SUBMISSIONS) >= 5
    merged = tmp_path / "merged.json"
    shards = [str(graded[f"{k}/3"]) for k in (3, 1, 2)]  # any order
    assert main(["grade", "merge", *shards, "--output", str(merged)]) == 0
    whole = json.loads(graded["all"].read_text())
    together = json.loads(merged.read_text())
    assert_valid_report(together)
    assert all(d["seconds"] > 0 for d in together)  # each shard's own timing, kept

    def untimed(doc: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in d.items() if k != "seconds"} for d in doc]

    assert untimed(together) == untimed(sorted(whole, key=lambda r: str(r["submission"])))
    for fmt in ("csv", "text", "junit"):
        assert main(["grade", "merge", *shards, "--format", fmt]) == 0
        from_shards = capsys.readouterr().out
        assert main(["grade", "merge", str(graded["all"]), "--format", fmt]) == 0
        whole_text = capsys.readouterr().out

        def untimed_text(text: str) -> str:  # JUnit's time="..." is each run's own
            return re.sub(r' time="[0-9.]+"', "", text)

        assert untimed_text(whole_text) == untimed_text(from_shards)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grade", "x.py", "--shard", "3/2"], "--shard '3/2' is not accepted"),
        (["grade", "x.py", "--shard", "0/2"], "--shard '0/2' is not accepted"),
        (["grade", "x.py", "--shard", "two"], "--shard 'two' is not accepted"),
        (["grade", "merge", "nothere.json"], "cannot read it"),
        (["grade", "merge", HW], "cannot read it (not JSON)"),
    ],
)
def test_mistakes_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if argv[1] == "x.py":
        argv[1] = SUBMISSIONS[0]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_overlapping_or_mixed_shards_are_refused(
    graded: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = str(graded["1/3"])
    assert main(["grade", "merge", one, str(graded["all"])]) == 2
    assert "shards must not overlap" in capsys.readouterr().err
    other = json.loads(graded["2/3"].read_text())
    for doc in other:
        doc["rubric"] = "0" * 16
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps(other))
    assert main(["grade", "merge", one, str(mixed)]) == 2
    assert "another rubric" in capsys.readouterr().err
