"""``glute-study simulate``: write a simulated study folder with a known truth."""

from __future__ import annotations

import argparse

from .._files import check_writable, refuse_nonempty


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate", help="write a simulated study (every table) with a known truth",
        description="Simulate a cohort from the documented causal model and write it as a study "
        "folder. The same seed gives the same bytes.")
    p.add_argument("--n", type=int, default=400, help="participants, 2 to 100,000 (default 400)")
    p.add_argument("--seed", type=int, required=True, help="random seed")
    p.add_argument("--scenario", choices=["hypothesis", "null"], default="hypothesis")
    design = p.add_mutually_exclusive_group()
    design.add_argument("--no-trial", dest="trial", action="store_false",
                        help="no randomised glute-training arm")
    design.add_argument("--trial", dest="trial", choices=["individual", "cluster"],
                        help="randomise athletes (individual, the default) or whole teams "
                        "(cluster; needs an even --n-teams of at least 4)")
    p.add_argument("--n-teams", type=int, default=None, metavar="K",
                   help="deal the athletes into K teams (2 to --n); default: no teams")
    p.add_argument("--team-sd", type=float, default=0.0, metavar="SD",
                   help="SD of the team effect on the log cramp rate (needs --n-teams; "
                   "default 0)")
    p.add_argument("--season", type=int, default=0, metavar="K",
                   help="a season of monitoring: a device week every K weeks (1 to 24) with "
                   "weekly sitting that varies within an athlete; default 0 (the baseline week "
                   "only)")
    p.add_argument("--missing", choices=["mcar", "mar", "mnar"], default=None,
                   help="make values missing the way real studies lose them: completely at "
                   "random, depending on the cramp count (mar) or on the value itself (mnar); "
                   "default: none beyond the design")
    p.add_argument("--missing-share", type=float, default=0.15, metavar="SHARE",
                   help="share of the athletes who lose each value (needs --missing; "
                   "default 0.15)")
    p.add_argument("--missing-in", action="append", default=None, metavar="COLUMN",
                   help="analysis-table column to make missing (repeatable; needs --missing; "
                   "default glute_nm_kg)")
    p.add_argument("--effect", action="append", default=[], metavar="NAME=VALUE",
                   help="override an assumption of the model, e.g. rr_training=0.7 (repeatable)")
    p.add_argument("--out", required=True, help="folder to write (new or empty)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the tables of a folder that already holds files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..simulate import simulate_study

    effects = {}
    for item in args.effect:
        name, sep, value = item.partition("=")
        try:
            effects[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"--effect {item!r}: expected NAME=NUMBER") from None
        if not sep:
            raise InputError(f"--effect {item!r}: expected NAME=NUMBER")
    if not args.overwrite:
        refuse_nonempty(args.out, doing="save the study", replace="its tables")
    check_writable(args.out)
    if args.missing is None and (args.missing_in or args.missing_share != 0.15):
        raise InputError("--missing-share and --missing-in need --missing (mcar, mar or mnar).")
    missing = {}
    if args.missing is not None:
        missing = {"missing": args.missing, "missing_share": args.missing_share,
                   "missing_in": tuple(args.missing_in or ("glute_nm_kg",))}
    trial = {"individual": True, "cluster": "cluster"}.get(args.trial, args.trial)
    study = simulate_study(n=args.n, seed=args.seed, scenario=args.scenario, trial=trial,
                           n_teams=args.n_teams, team_sd=args.team_sd,
                           season=args.season or False, **missing, **effects)
    folder = study.save(args.out, overwrite=args.overwrite)
    print(f"wrote {study!r} to {folder}")
    return 0

