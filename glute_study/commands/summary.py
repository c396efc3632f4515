"""``glute-study summary``: validate a study and write its analysis table, exclusions and flow."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "summary", help="write the analysis table, exclusions, flow and a short summary",
        description="Validate a study folder, then write analysis_table.csv, exclusions.csv, "
        "flow.csv, problems.csv and summary.md to --out.")
    p.add_argument("study_dir", help="the study folder")
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument("--min-valid-days", type=int, default=4,
                   help="fewest valid device days for sitting to count, 1 to 28 (default 4)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace files of the same names that glute-study did not write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..summary import write_summary
    from ..validate import ValidationError
    from .validate import print_invalid

    try:
        folder = write_summary(args.study_dir, Path(args.out),
                               min_valid_days=args.min_valid_days, overwrite=args.overwrite)
    except ValidationError as err:  # what `glute-study validate` prints, once
        return print_invalid(err)
    print(f"wrote the study summary to {folder}")
    return 0
