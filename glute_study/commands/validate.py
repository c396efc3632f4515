"""``glute-study validate``: check a study folder and print every problem."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

import pandas as pd


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "validate", help="check a study folder against the codebook",
        description="Check every table of a study folder. Exit 0 when the study is valid "
        "(warnings may still be printed), 1 when it has errors.")
    p.add_argument("study_dir", help="the study folder")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="readable blocks, one per problem (default), or JSON records for "
                   "machines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import StudyReadError
    from ..study import load_study
    from ..validate import PROBLEM_COLUMNS, ValidationError

    try:
        study = load_study(args.study_dir)
    except ValidationError as err:
        print_problems(err.problems, args.format, valid=False)
        return 1
    except StudyReadError as err:
        if args.format != "json":
            raise  # the command line prints it as one line
        row = dict.fromkeys(PROBLEM_COLUMNS, "")
        row.update(severity="error", file=str(args.study_dir), line=None, rule=str(err),
                   expected="a study folder holding participants.csv and the other tables")
        print_problems(pd.DataFrame([row], columns=PROBLEM_COLUMNS), "json", valid=False)
        return 1
    print_problems(study.problems, args.format, valid=True, summary=repr(study))
    return 0


def print_invalid(err) -> int:
    """Print an invalid study's problems as ``validate`` does, on stderr; returns exit code 1.

    ``report`` and ``summary`` end so on an invalid study, so that their user sees the problems
    once, in the same form as ``glute-study validate`` shows them.
    """
    with contextlib.redirect_stdout(sys.stderr):
        print_problems(err.problems, valid=False)
    return 1


def print_problems(problems: pd.DataFrame, fmt: str = "table", *, valid: bool,
                   summary: str = "") -> None:
    """Print a problems table as ``validate`` does (every command shows an invalid study so)."""
    if fmt == "json":
        _emit(json.dumps({"valid": valid, "problems": _records(problems)}, indent=2,
                         ensure_ascii=False))
        return
    for _, row in problems.iterrows():
        _emit(_block(row) + "\n")
    errors = int((problems["severity"] == "error").sum())
    warnings = int((problems["severity"] == "warning").sum())
    verdict = "valid" if valid else "NOT valid"
    print(f"{verdict}: {errors} error(s), {warnings} warning(s)" + (f" -- {summary}" if summary
                                                                     else ""))


def _emit(text: str) -> None:
    """Print text whatever it holds: characters the terminal cannot show are escaped."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    print(text.encode(encoding, "backslashreplace").decode(encoding))


def _records(problems: pd.DataFrame) -> list[dict]:
    """Problems as JSON-ready records: every field, ``line`` an int or null."""
    out = []
    for row in problems.to_dict("records"):
        record = {}
        for key, value in row.items():
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                record[key] = None
            elif key == "line":
                record[key] = int(value)
            else:
                record[key] = str(value)
        out.append(record)
    return out


def _block(row: pd.Series) -> str:
    """One problem as a block: where it is, then what is wrong and what was expected, in full.

    Examples
    --------
    >>> print(_block(pd.Series({"severity": "error", "file": "cramps.csv", "line": 4,
    ...     "column": "participant_id", "value": "gs04", "rule": "unknown participant",
    ...     "expected": "a participant_id listed in participants"})))
    ERROR    cramps.csv, line 4, column participant_id
             unknown participant: found 'gs04'
             expected: a participant_id listed in participants
    """
    where = str(row["file"])
    if pd.notna(row["line"]):
        where += f", line {int(row['line'])}"
    if row["column"]:
        where += f", column {row['column']}"
    found = f": found {row['value']!r}" if row["value"] != "" else ""
    pad = " " * 9
    return (f"{str(row['severity']).upper():<8} {where}\n{pad}{row['rule']}{found}\n"
            f"{pad}expected: {row['expected']}")
