"""``actref grade``: options checked before anything runs, the batch, and a report
that no failure, interrupt or rerun can lose or shrink.

The report is written under a private temporary name in the output's folder
(``mkstemp``: created exclusively, never through a symlink or into a FIFO) and renamed
over ``--output``. An output that existed before the run is only replaced by a report
holding at least as many submissions, so a rerun interrupted early never replaces a
complete report with a partial one; ``--resume`` (JSON) keeps every result of that
earlier report whose rubric and submission contents are unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

from actref.grading import report as rep
from actref.grading.atomic import write_atomically
from actref.grading.process import SandboxUser
from actref.grading.results import SubmissionResult
from actref.grading.rubric import Rubric
from actref.grading.sandbox import ISOLATION
from actref.grading.submission_files import SubmissionError, submission_files
from actref.grading.text import printable
from actref.progress import Progress


class GradeUsageError(Exception):
    """A mistake in the command line: one line, exit status 2."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``actref grade``."""
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="a student's .py file")
    p.add_argument("--rubric", metavar="FILE", help="rubric TOML (default: the classic homework)")
    p.add_argument(
        "--format", default="text", metavar="FMT", help=f"{', '.join(rep.FORMATS)} (default text)"
    )
    p.add_argument(
        "--output",
        metavar="FILE",
        help="write the report here (rewritten as each submission finishes; an existing "
        "report is only replaced by one at least as complete)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep the results of --output (a JSON report) for submissions whose contents "
        "and rubric are unchanged; grade the rest",
    )
    p.add_argument(
        "--feedback-dir",
        metavar="DIR",
        help="write one page per student here (NAME.md, a self-contained NAME.html, "
        "figures of each failing function) and index.html linking them",
    )
    p.add_argument(
        "--summary",
        action="store_true",
        help="the class report: mean/median score, pass rate per function and part, the "
        "most common failures (after the report; in DIR/index.html with a histogram)",
    )
    p.add_argument(
        "--shard",
        metavar="K/N",
        help="grade only shard K of N (1 <= K <= N) of the sorted submissions; join the "
        "shards' JSON reports with `actref grade merge`",
    )
    p.add_argument("--jobs", default="1", metavar="N", help="submissions graded in parallel")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress on stderr (one line per student)"
    )
    p.add_argument("--timeout", metavar="S", help="wall-clock limit per call, seconds")
    p.add_argument(
        "--isolation",
        default="auto",
        metavar="MODE",
        help="auto (default: grade, naming any protection the host lacks) or strict "
        "(refuse to grade without every protection)",
    )
    p.add_argument(
        "--sandbox-user",
        default="65534:65534",
        metavar="UID[:GID]",
        help="the unprivileged user student code runs as when grading as root "
        "(default nobody, 65534)",
    )


# ------------------------------------------------------------------------ options
def _jobs(raw: str) -> int:
    try:
        jobs = int(raw)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= 256:
        raise GradeUsageError(f"--jobs {raw!r} is not accepted; give an integer from 1 to 256")
    return jobs


def _timeout(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        timeout = float(raw)
    except ValueError:
        timeout = math.nan
    if not 0 < timeout <= 3600:
        raise GradeUsageError(f"--timeout {raw!r} is not accepted; give seconds, > 0 and <= 3600")
    return timeout


def _user(raw: str) -> SandboxUser:
    uid, _, gid = raw.partition(":")
    try:
        ids = int(uid), int(gid or uid)
    except ValueError:
        ids = (-1, -1)
    if not all(0 < i < 2**32 - 1 for i in ids):
        raise GradeUsageError(
            f"--sandbox-user {raw!r} is not accepted; give a numeric UID[:GID] other than 0"
        )
    return SandboxUser(*ids)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _check_output(output: str, submissions: Sequence[str]) -> None:
    folder = os.path.dirname(os.path.abspath(output))
    if os.path.isdir(output):
        raise GradeUsageError(f"--output {output!r} is a folder; name a file")
    if os.path.lexists(output):
        mode = os.lstat(output).st_mode
        if stat.S_ISLNK(mode):
            raise GradeUsageError(f"--output {output!r} is a symbolic link; name a regular file")
        if not stat.S_ISREG(mode):
            raise GradeUsageError(f"--output {output!r} exists and is not a regular file")
    for path in submissions:
        if _same_file(output, path):
            raise GradeUsageError(f"--output {output!r} is one of the submissions; name another")
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise GradeUsageError(f"--output {output!r}: folder {folder!r} is not writable")


def parse_shard(raw: str | None) -> tuple[int, int] | None:
    """``"K/N"`` as ``(K, N)``; None when not sharding."""
    if raw is None:
        return None
    k_text, sep, n_text = raw.partition("/")
    try:
        k, n = int(k_text), int(n_text)
    except ValueError:
        k = n = 0
    if not sep or not 1 <= k <= n <= 10_000:
        raise GradeUsageError(f"--shard {raw!r} is not accepted; give K/N with 1 <= K <= N")
    return k, n


def _check_feedback_dir(folder: str) -> None:
    if os.path.islink(folder):
        raise GradeUsageError(f"--feedback-dir {folder!r} is a symbolic link; name a folder")
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise GradeUsageError(f"--feedback-dir {folder!r} exists and is not a folder")
    parent = os.path.dirname(os.path.abspath(folder))
    if not os.path.isdir(folder) and not os.path.isdir(parent):
        raise GradeUsageError(f"--feedback-dir {folder!r}: folder {parent!r} does not exist")
    target = folder if os.path.isdir(folder) else parent
    if not os.access(target, os.W_OK):
        raise GradeUsageError(f"--feedback-dir {folder!r}: {target!r} is not writable")


def check_options(args: argparse.Namespace) -> tuple[int, float | None, SandboxUser]:
    """Every option, before the rubric is read or anything runs."""
    if args.format not in rep.FORMATS:
        raise GradeUsageError(
            f"--format {args.format!r} is not known; accepted: {', '.join(rep.FORMATS)}"
        )
    if args.isolation not in ISOLATION:
        raise GradeUsageError(
            f"--isolation {args.isolation!r} is not known; accepted: {', '.join(ISOLATION)}"
        )
    jobs, timeout, user = _jobs(args.jobs), _timeout(args.timeout), _user(args.sandbox_user)
    parse_shard(getattr(args, "shard", None))
    for path in args.submissions:
        # a file (.py, .ipynb, .zip) or a folder of files: one student's submission
        if not (os.path.isfile(path) or os.path.isdir(path)) or not os.access(path, os.R_OK):
            raise GradeUsageError(f"submission {path!r} is not a readable file or folder")
    if args.format == "gradescope" and len(args.submissions) != 1:
        raise GradeUsageError(
            "--format gradescope takes exactly one submission (Gradescope grades one at a time)"
        )
    if args.output is not None:
        _check_output(args.output, args.submissions)
    if getattr(args, "feedback_dir", None) is not None:
        _check_feedback_dir(args.feedback_dir)
    if args.resume and (args.output is None or args.format != "json"):
        raise GradeUsageError(
            "--resume needs --output FILE and --format json (the report it reads)"
        )
    return jobs, timeout, user


# ------------------------------------------------------------------------ the report
def _earlier_size(path: str | None) -> int | None:
    """How many submissions the report already at ``path`` holds: 0 when there is none,
    None when it cannot be told (not JSON): such a report is replaced only when complete."""
    if path is None or not os.path.lexists(path):
        return 0
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None
    return len(data) if isinstance(data, list) else None


def fingerprint(rubric: Rubric) -> str:
    """What a kept result depends on: the validated rubric (limits included)."""
    return hashlib.sha256(repr(replace(rubric, source="")).encode()).hexdigest()[:16]


def file_digest(path: str) -> str:
    """The submission's contents (a folder's: every regular file's path and bytes)."""
    h = hashlib.sha256()
    try:
        files = submission_files(path) if os.path.isdir(path) else [("", path)]
        for rel, name in files:
            h.update(rel.encode() + b"\0")
            with open(name, "rb") as fh:
                while chunk := fh.read(1 << 16):
                    h.update(chunk)
    except (OSError, SubmissionError) as exc:  # graded as an error; never kept by --resume
        return f"unreadable: {exc}"
    return h.hexdigest()


def _kept_results(path: str, rubric_id: str) -> dict[tuple[str, str], SubmissionResult]:
    """The results of an earlier JSON report, by (submission, sha256), same rubric."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as exc:
        raise GradeUsageError(f"--resume: cannot read {path!r} ({exc})") from None
    if not isinstance(data, list):
        raise GradeUsageError(f"--resume: {path!r} is not a JSON report of actref grade")
    kept: dict[tuple[str, str], SubmissionResult] = {}
    for doc in data:
        result = SubmissionResult.from_dict(doc)
        if result is not None and result.rubric == rubric_id:
            kept[(result.submission, result.sha256)] = result
    return kept


def run(
    args: argparse.Namespace,
    rubric: Rubric,
    grade: Callable[..., list[SubmissionResult | None]],
) -> int:
    """Grade, stream or write the report, and never lose work."""
    jobs, _, user = check_options(args)
    paths: list[str] = list(args.submissions)
    from actref.grading.batch import display_names, shard

    sharding = parse_shard(getattr(args, "shard", None))
    if sharding is not None:  # named as the whole class would name them
        every = dict(zip(paths, display_names(paths), strict=True))
        paths = shard(paths, *sharding)
        names = [every[p] for p in paths]
    else:
        names = display_names(paths)
    rubric_id = fingerprint(rubric)
    shown = rep.visibilities(rubric)
    digests = [file_digest(p) for p in paths]
    earlier = _earlier_size(args.output)
    kept = _kept_results(args.output, rubric_id) if args.resume else {}
    done: list[SubmissionResult | None] = [None] * len(paths)
    bar = Progress("actref grade", len(paths), enabled=not args.quiet)
    streaming = args.output is None and args.format in ("text", "csv")

    def finished() -> list[SubmissionResult]:
        return [r for r in done if r is not None]

    def write_report(final: bool) -> None:
        n = len(finished())
        if (final and n == len(paths)) or (earlier is not None and n >= earlier):
            write_atomically(args.output, rep.render(args.format, finished(), shown))

    def skip(i: int) -> SubmissionResult | None:
        return kept.get((names[i], digests[i]))

    feedback_dir: str | None = getattr(args, "feedback_dir", None)
    if feedback_dir is not None:
        os.makedirs(feedback_dir, exist_ok=True)

    def on_result(i: int, result: SubmissionResult) -> None:
        done[i] = replace(result, sha256=digests[i], rubric=rubric_id)
        if feedback_dir is not None:
            from actref.grading import feedback

            feedback.write_page(feedback_dir, feedback.student_page(result, shown))
        bar.advance(printable(names[i]))
        if args.output is not None:
            write_report(final=False)
        elif streaming:
            stream()

    printed = [0]  # streamed output keeps the input order: each once all before it are

    def stream() -> None:
        while printed[0] < len(paths) and (ready := done[printed[0]]) is not None:
            if args.format == "text":
                text = rep.text_one(ready)
            else:
                lines = rep.as_csv([ready]).splitlines()
                text = "\n".join(lines if printed[0] == 0 else lines[1:])
            with bar.hidden():
                print(text, flush=True)
            printed[0] += 1

    try:
        with bar:
            grade(
                paths,
                rubric,
                jobs,
                on_result,
                isolation=args.isolation,
                user=user,
                skip=skip,
                curve=feedback_dir is not None,
                names=names,
            )
    except KeyboardInterrupt:
        n = len(finished())
        if args.output is None and not streaming and n:
            print(rep.render(args.format, finished(), shown), end="")
        elif streaming:  # finished but waiting for an earlier one: shown now, in order
            rest = [r for r in done[printed[0] :] if r is not None]
            if rest:
                text = rep.render(args.format, rest)
                lines = text.splitlines()
                print("\n".join(lines[1:] if args.format == "csv" and printed[0] else lines))
        kept_note = ""
        if args.output is not None and earlier is not None and n < earlier:
            kept_note = f"; the earlier report in {args.output} was left as it was"
        print(
            f"\nactref grade: interrupted; {n} of {len(paths)} graded{kept_note}", file=sys.stderr
        )
        return 130
    if args.output is not None:
        write_report(final=True)
    elif not streaming:
        print(rep.render(args.format, finished(), shown), end="")
    _class_report(args, finished(), feedback_dir)
    return 0


def _class_report(
    args: argparse.Namespace, results: Sequence[SubmissionResult], feedback_dir: str | None
) -> None:
    """``--summary`` (after the report: on stdout when the report is text or in a file,
    else on stderr) and ``index.html`` in ``--feedback-dir``."""
    if feedback_dir is None and not getattr(args, "summary", False):
        return
    from actref.grading import feedback

    summary = feedback.summarise(results) if args.summary else None
    if summary is not None:
        to_stdout = args.output is not None or args.format == "text"
        print(feedback.summary_text(summary), end="", file=sys.stdout if to_stdout else sys.stderr)
    if feedback_dir is not None:
        feedback.write_index(feedback_dir, results, summary)


# ------------------------------------------------------------------------ merge
MERGE_FORMATS = ("json", "csv", "text", "junit")


def merge_parser() -> argparse.ArgumentParser:
    """``actref grade merge REPORT.json... [--format F] [--output FILE]``."""
    p = argparse.ArgumentParser(
        prog="actref grade merge",
        description="Join the JSON reports of shards (`actref grade --shard K/N --format "
        "json`) into one report, ordered by submission; the same rubric throughout, each "
        "submission once.",
    )
    p.add_argument("reports", nargs="+", metavar="REPORT", help="a JSON report of actref grade")
    p.add_argument(
        "--format", default="json", metavar="FMT", help=f"{', '.join(MERGE_FORMATS)} (json)"
    )
    p.add_argument("--output", metavar="FILE", help="write the merged report here")
    p.add_argument("--summary", action="store_true", help="the class report after it")
    return p


def merge_reports(paths: Sequence[str]) -> list[SubmissionResult]:
    """Every result of the reports, sorted by submission; one-line errors."""
    merged: dict[str, tuple[SubmissionResult, str]] = {}
    rubric_of: tuple[str, str] | None = None
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError, RecursionError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not JSON"
            raise GradeUsageError(f"{path!r}: cannot read it ({why})") from None
        if not isinstance(data, list):
            raise GradeUsageError(f"{path!r} is not a JSON report of actref grade")
        for i, doc in enumerate(data):
            result = SubmissionResult.from_dict(doc)
            if result is None:
                raise GradeUsageError(f"{path!r}: entry {i} is not a graded submission")
            if rubric_of is None:
                rubric_of = (result.rubric, path)
            elif result.rubric != rubric_of[0]:
                raise GradeUsageError(
                    f"{path!r} was graded with another rubric than {rubric_of[1]!r}"
                )
            if result.submission in merged:
                other = merged[result.submission][1]
                raise GradeUsageError(
                    f"{result.submission!r} is in both {other!r} and {path!r}; "
                    "shards must not overlap"
                )
            merged[result.submission] = (result, path)
    return [merged[name][0] for name in sorted(merged)]


def run_merge(argv: Sequence[str]) -> int:
    """``actref grade merge``: exit 0, or 2 with one line for a mistake."""
    args = merge_parser().parse_args(argv)
    if args.format not in MERGE_FORMATS:
        raise GradeUsageError(
            f"--format {args.format!r} is not accepted for merge; accepted: "
            f"{', '.join(MERGE_FORMATS)}"
        )
    if args.output is not None:
        _check_output(args.output, args.reports)
    results = merge_reports(args.reports)
    text = rep.render(args.format, results)
    if args.output is not None:
        write_atomically(args.output, text)
    else:
        print(text, end="")
    if args.summary:
        from actref.grading import feedback

        summary = feedback.summary_text(feedback.summarise(results))
        print(summary, end="", file=sys.stdout if args.format == "text" else sys.stderr)
    return 0
