"""``glute-study validate``: check a study folder and print every problem."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "validate", help="check a study folder against the codebook",
        description="Check every table of a study folder. Exit 0 when the study is valid "
        "(warnings may still be printed), 1 when it has errors.")
    p.add_argument("study_dir", help="the study folder")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="readable table (default) or JSON records for machines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..study import load_study
    from ..validate import ValidationError

    try:
        study = load_study(args.study_dir)
    except ValidationError as err:
        _print(err.problems, args.format, valid=False)
        return 1
    _print(study.problems, args.format, valid=True, summary=repr(study))
    return 0


def _print(problems, fmt: str, *, valid: bool, summary: str = "") -> None:
    if fmt == "json":
        records = problems.astype(object).where(problems.notna(), None).to_dict("records")
        print(json.dumps({"valid": valid, "problems": records}, indent=2, default=str))
        return
    errors = int((problems["severity"] == "error").sum())
    warnings = int((problems["severity"] == "warning").sum())
    if len(problems):
        shown = problems.drop(columns=["table"]).fillna("")
        print(shown.to_string(index=False, max_colwidth=70))
        print()
    verdict = "valid" if valid else "NOT valid"
    print(f"{verdict}: {errors} error(s), {warnings} warning(s)" + (f" -- {summary}" if summary
                                                                     else ""))
