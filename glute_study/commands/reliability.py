"""``glute-study reliability``: test-retest reliability of one strength test of a study."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._files import make_folder, prepare_outputs, record_owned, refuse_inside, write_text


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "reliability", help="test-retest reliability (ICC, SEM, MDC95, CV) of a strength test",
        description="Reduce the trials of one strength test to one value per participant and "
        "session (the --rule trial of each side, then the mean of the sides, per kg of body "
        "mass: the Nm/kg every analysis uses; repetitions for the bridge), keep the sessions "
        "that count as test-retest (those before follow-up began, else the control arm's; a "
        "trained arm's post-test is refused), then report ICC(A,1) with the other ICC forms, "
        "SEM, MDC95, CV %, the smallest worthwhile change and the bias between sessions, in "
        "that unit.")
    p.add_argument("study_dir", help="the study folder")
    p.add_argument("--test", default="hhd_hip_extension",
                   help="strength test to analyse (default hhd_hip_extension)")
    p.add_argument("--rule", default="best", choices=["best", "mean", "median", "first"],
                   help="how trials of one side are combined (default best)")
    p.add_argument("--sessions", nargs="+", type=int,
                   help="sessions to compare (default: those before follow-up began, else the "
                   "control arm's; a trained arm's post-test is refused)")
    p.add_argument("--out", help="also write the result table to this CSV file")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a file of that name that glute-study did not write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..measures import strength_sessions
    from ..stats.reliability import reliability, retest_sessions
    from ..study import load_study

    if args.out:
        out = Path(args.out)
        refuse_inside(out, args.study_dir)
        prepare_outputs(out.parent, [out.name], overwrite=args.overwrite)
    study = load_study(args.study_dir)
    strength = study.strength
    tests = sorted(strength["test"].dropna().unique())
    trials = strength[strength["test"] == args.test]
    if trials.empty:
        raise InputError(f"the study has no {args.test!r} trials; tests present: "
                         f"{', '.join(tests) or 'none'}.")
    per_session = strength_sessions(trials, study.participants, test=args.test, rule=args.rule)
    retest = retest_sessions(per_session, study.participants, sessions=args.sessions)
    unit = per_session.attrs["unit"]
    result = reliability(retest, subject="participant_id", session="session",
                         value="value", unit=unit)
    print(f"{args.test}: {per_session.attrs['rule']} ({unit})")
    print(retest.attrs["reason"])
    print(result.table.to_string(index=False))
    print()
    print(result.text)
    if args.out:
        make_folder(out.parent)
        write_text(out, result.table.to_csv(index=False))
        record_owned(out.parent, [out.name])
        print(f"wrote {args.out}")
    return 0
