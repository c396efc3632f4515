"""``glute-study report [STUDY_DIR] --out reports/NAME``: run the notebooks into a study report.

Parameters (``-p key=value``) are typed and checked before any notebook runs; ``--matrix
key=v1,v2`` runs one report per value (per combination, with several keys) into its own
sub-folder ``key-value`` and writes an ``index.html`` linking them. Without STUDY_DIR the demo
cohort is simulated (``-p n=400 -p seed=1 -p scenario=hypothesis``).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> None:
    from ..report.params import PARAMETERS

    known = "; ".join(f"{p.name} ({p.type.__name__}, default {p.default!r}): {p.help}"
                      for p in PARAMETERS.values() if p.name not in ("study_dir", "out_dir"))
    p = subparsers.add_parser(
        "report", help="run the study notebooks into a reproducible report",
        description="Execute the numbered notebooks headless (two at a time, cached) and "
                    "write index.html, figures/, tables/, methods.md, results.md and "
                    "provenance.json.",
        epilog=f"Parameters: {known}.")
    p.add_argument("study_dir", nargs="?", default="", metavar="STUDY_DIR",
                   help="study folder (default: simulate the demo cohort)")
    p.add_argument("--out", required=True, help="report folder, e.g. reports/demo")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="set a report parameter (repeatable)")
    p.add_argument("--only", default="", metavar="NN,NN",
                   help="run only these notebooks, by number or name (e.g. 04,05)")
    p.add_argument("--force", action="store_true", help="run notebooks even when cached")
    p.add_argument("--overwrite", action="store_true",
                   help="replace files in the report folder that the report did not write "
                   "(it never removes them)")
    p.add_argument("--matrix", action="append", default=[], metavar="KEY=V1,V2",
                   help="one report per value, each in its own sub-folder (repeatable)")
    p.add_argument("--notebooks", default=None, help=argparse.SUPPRESS)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..validate import ValidationError
    from .validate import print_invalid

    try:
        return _run(args)
    except ValidationError as err:  # checked before any notebook: printed as validate does
        return print_invalid(err)


def _run(args: argparse.Namespace) -> int:
    from .._files import prepare_outputs, record_owned
    from ..errors import InputError
    from ..report.params import check_parameters, parse_assignments, parse_matrix
    from ..report.runner import find_notebooks, run_report
    from ..report.writers import write_matrix_index

    base = parse_assignments(args.param)
    if args.study_dir:
        if "study_dir" in base:
            raise InputError("give the study folder either as STUDY_DIR or as -p study_dir=.")
        base["study_dir"] = args.study_dir
    combos = parse_matrix(args.matrix)
    clash = sorted(set(base) & set(combos[0]))
    if clash:
        raise InputError(f"{clash} set both by -p and by --matrix; keep one.")
    only = [s for s in args.only.split(",") if s.strip()] or None
    # Check everything before running anything.
    for combo in combos:
        check_parameters({**base, **combo})
    find_notebooks(args.notebooks, only=only)
    if len(combos) > 1:  # every study of the matrix, before the first report (each checks its own)
        from ..study import load_study

        for folder in dict.fromkeys(c.get("study_dir", base.get("study_dir")) for c in combos):
            if folder:
                load_study(folder)
        prepare_outputs(args.out, ["index.html"], overwrite=args.overwrite)

    out = Path(args.out)
    progress = False if args.no_progress else None
    folders = []
    for combo in combos:
        folder = "_".join(f"{k}-{v}" for k, v in combo.items())
        target = out / folder if folder else out
        summary = run_report(target, parameters={**base, **combo}, only=only, force=args.force,
                             notebooks_dir=args.notebooks, progress=progress,
                             overwrite=args.overwrite)
        print(summary)
        folders.append((folder, ", ".join(f"{k} = {v}" for k, v in combo.items())))
    if len(combos) > 1:
        path = write_matrix_index(folders, out / "index.html", title=f"glute_study reports: "
                                  f"{out.name}")
        record_owned(out, ["index.html"])
        print(f"wrote {path}")
    return 0
