"""``glute-study import SOURCE INPUTS... --out STUDY_DIR``: raw exports into a checked study folder.

The work is :func:`glute_study.importing.import_to_study` (its module doc lists the sources,
the merging rules and the QC report); this module only parses the arguments and prints the
summary.
"""

from __future__ import annotations

import argparse

from ..errors import InputError
from ..importing import ID_PATTERN, SOURCES, import_to_study

_OPTIONS = ("id_pattern", "valid_day", "skip_bad", "mapping", "keep", "test", "lever_arm_m",
            "method", "emg_root")
_DEVICE_OPTION_HELP = (
    "device files: NAME=VALUE for the daily summary, repeatable. activpal (sitting_summary): "
    "sitting_codes=0,5 in_bed_codes=3.1 (or none) nonwear_codes=4 waking=codes|waking_day "
    "bed_exit_break=false; actigraph (actigraph_daily): "
    "nonwear_method=choi|troiano|capsense|none, posture=counts|inclinometer, cutpoint=100; accel "
    "(thigh_posture): method=acti4|inclination, sitting_angle_deg=45, long_axis=x, "
    "nonwear=still|ggir|actipass|temperature (or a comma list: any of them; none), "
    "nonwear_min=90|none (the still rule), reference_angle_deg=none (acti4: calibrate from "
    "walking), "
    "min_bout_s=10 and epoch_s=1 (inclination)")


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
    p.add_argument("--emg-root", default=None, metavar="FOLDER",
                   help="emg: folder that holds the EMG files and that relative manifest paths "
                   "start from (default: each manifest's folder); a path leading outside it is "
                   "refused")
    p.add_argument("--muscle", action="append", default=None, metavar="LABEL=MUSCLE",
                   help="emg: name a channel, e.g. --muscle 'EMG 1=gluteus_maximus' (repeat for "
                   "each channel the sensor names do not identify)")
    p.add_argument("--option", action="append", default=None, metavar="NAME=VALUE",
                   help=_DEVICE_OPTION_HELP)
    p.add_argument("--diary", default=None, metavar="FILE",
                   help="activpal, accel: a time-in-bed diary (CSV: participant_id, bed_time, "
                   "wake_time as yyyy-mm-dd hh:mm on the device clock; one row per night): time "
                   "in bed is left out of waking wear (see glute_study.io.diary)")
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


def _value(text: str) -> object:
    """A command-line value: none, true/false, a number, a comma list of numbers, or text."""
    low = text.strip().lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    parts = [t.strip() for t in text.split(",")]
    try:
        numbers = [float(t) for t in parts]
    except ValueError:
        return text.strip()
    if len(parts) > 1:
        return tuple(numbers)
    return int(numbers[0]) if numbers[0].is_integer() and "." not in parts[0] else numbers[0]


def device_options(pairs: list[str]) -> dict[str, object]:
    """``--option NAME=VALUE`` pairs as keyword options (a ``*_codes`` option is always a tuple).

    Examples
    --------
    >>> device_options(["nonwear_method=troiano", "cutpoint=100", "sitting_codes=0,5",
    ...                 "nonwear_min=none", "sitting_angle_deg=40.5"])
    {'nonwear_method': 'troiano', 'cutpoint': 100, 'sitting_codes': (0.0, 5.0), \
'nonwear_min': None, 'sitting_angle_deg': 40.5}
    """
    out: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name.isidentifier() or not value.strip():
            raise InputError(f"--option {pair!r}: expected NAME=VALUE, e.g. --option "
                             "nonwear_method=troiano.")
        if name in ("valid_day", "participant_id"):
            raise InputError(f"--option {pair!r}: {name} is not set here (use --valid-day; the "
                             "participant id comes from the file name, see --id-pattern).")
        value = _value(value)
        if name.endswith("_codes"):  # a list of codes: one code, or none, is a list too
            value = () if value is None else value if isinstance(value, tuple) else (value,)
        out[name] = value
    return out


def diary_option(source: str, path: str, given: dict) -> dict[str, object]:
    """``--diary FILE`` as the device option ``waking`` (the periods in bed it lists).

    The diary is read (and refused with its file, line, column and value when it cannot be)
    before any device file is.

    Examples
    --------
    >>> diary_option("activpal", "diary.csv", {"waking": "waking_day"})
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: --diary and --option waking=... both say where time in bed \
comes from; give one.
    >>> diary_option("actigraph", "diary.csv", {})
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: --diary is for activpal and accel files (thigh-worn devices \
whose waking day it cuts), not actigraph.
    """
    from ..io.diary import read_bed_periods

    if source not in ("activpal", "accel"):
        raise InputError(f"--diary is for activpal and accel files (thigh-worn devices whose "
                         f"waking day it cuts), not {source}.")
    if "waking" in given:
        raise InputError("--diary and --option waking=... both say where time in bed comes "
                         "from; give one.")
    return {"waking": read_bed_periods(path)}


def run(args: argparse.Namespace) -> int:
    """Run the import; returns the exit code."""
    options = {name: getattr(args, name) for name in _OPTIONS}
    if args.muscle:
        options["muscles"] = _muscles(args.muscle)
    if args.option:
        if args.source not in ("activpal", "actigraph", "accel"):
            raise InputError(f"--option is for device files (activpal, actigraph, accel), not "
                             f"{args.source}.")
        options["device_options"] = device_options(args.option)
    if args.diary:
        options["device_options"] = {**options.get("device_options", {}),
                                     **diary_option(args.source, args.diary,
                                                    options.get("device_options", {}))}
    result = import_to_study(args.source, args.inputs, out=args.out, executor=args.scheduler,
                             **options)
    for line in result["summary"]:
        print(line)
    return 0
