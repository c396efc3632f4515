"""``glute-study import SOURCE INPUTS... --out STUDY_DIR``: raw exports into a checked study folder.

The work is :func:`glute_study.io.importer.import_to_study` (its module doc lists the sources,
the merging rules and the QC report); this module only parses the arguments and prints the
summary.
"""

from __future__ import annotations

import argparse

from ..errors import InputError
from ..io.importer import ID_PATTERN, SOURCES, import_to_study

_OPTIONS = ("id_pattern", "valid_day", "skip_bad", "mapping", "keep", "test", "lever_arm_m",
            "method")


def add_parser(subparsers) -> None:
    """Add the ``import`` subcommand."""
    p = subparsers.add_parser(
        "import", help="import device, REDCap, strength or EMG exports into a study folder",
        description="Read raw exports, write or merge the study tables (CSV) into --out, write "
        "a per-participant QC report there, then validate the study.")
    p.add_argument("source", choices=SOURCES, help="kind of export")
    p.add_argument("inputs", nargs="+", help="files or folders (redcap: the export and its "
                   "data dictionary; emg: manifest CSVs)")
    p.add_argument("--out", required=True, help="study folder to write or merge into")
    p.add_argument("--scheduler", default=None,
                   help="device files: 'serial' or a Dask scheduler address (tcp://host:8786); "
                   "default: local processes")
    p.add_argument("--id-pattern", default=ID_PATTERN,
                   help="regular expression whose first group is the participant id in a "
                   f"device file name (default {ID_PATTERN!r})")
    p.add_argument("--valid-day", type=float, default=10.0,
                   help="minimum waking wear hours of a valid device day (default 10)")
    p.add_argument("--mapping", help="redcap: the YAML mapping of forms to study tables")
    p.add_argument("--keep", default="started",
                   choices=("started", "all", "unverified", "complete"),
                   help="redcap: which form data to keep by <form>_complete (default started)")
    p.add_argument("--test", default=None, help="strength: the test for every row "
                   "(hhd_hip_extension, isokinetic_hip_extension, single_leg_bridge)")
    p.add_argument("--lever-arm-m", type=float, default=None,
                   help="strength: pad-to-hip distance (m) for rows that lack one")
    p.add_argument("--method", default="tkeo", choices=("tkeo", "hodges_bui"),
                   help="emg: onset detection method (default tkeo)")
    p.add_argument("--muscle", action="append", default=None, metavar="LABEL=MUSCLE",
                   help="emg: name a channel, e.g. --muscle 'EMG 1=gluteus_maximus' (repeat for "
                   "each channel the sensor names do not identify)")
    p.add_argument("--skip-bad", action="store_true",
                   help="device files: record unreadable files and recordings that overlap "
                   "another of the same participant in the QC report, and import the others")
    p.set_defaults(func=run)


def _muscles(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        label, sep, muscle = pair.partition("=")
        if not sep or not label.strip() or not muscle.strip():
            raise InputError(f"--muscle {pair!r}: expected LABEL=MUSCLE, e.g. --muscle "
                             "'EMG 1=gluteus_maximus'.")
        out[label.strip()] = muscle.strip()
    return out


def run(args: argparse.Namespace) -> int:
    """Run the import; returns the exit code."""
    options = {name: getattr(args, name) for name in _OPTIONS}
    if args.muscle:
        options["muscles"] = _muscles(args.muscle)
    result = import_to_study(args.source, args.inputs, out=args.out, executor=args.scheduler,
                             **options)
    for line in result["summary"]:
        print(line)
    return 0
