"""``glute-study power``: Monte Carlo power and sample size from the simulator's causal model."""

from __future__ import annotations

import argparse

from .._files import make_folder, prepare_outputs, record_owned, write_files
from ..errors import InputError

_FILES = ("power.csv", "power.txt", "power.svg", "power.png")


def add_parser(subparsers) -> None:
    """Add the ``power`` subcommand."""
    p = subparsers.add_parser(
        "power", help="Monte Carlo power curve for a cohort, mediation or trial analysis",
        description="Simulate cohorts of each size from the study's causal model, fit the "
        "planned analysis to all of them at once and report power with its Monte Carlo error.")
    p.add_argument("analysis", choices=("cohort_sitting", "cohort_glute", "indirect", "trial"))
    p.add_argument("--n", type=int, nargs="+", default=[100, 200, 300, 400, 600, 800],
                   help="athletes to simulate, each 20 to 100,000 (default 100 200 300 400 600 "
                   "800)")
    p.add_argument("--reps", "--n-sims", dest="reps", type=int, default=1000,
                   help="cohorts per size, 100 to 100,000 (default 1000)")
    p.add_argument("--alpha", type=float, default=0.05, help="two-sided level (default 0.05)")
    p.add_argument("--scenario", default="hypothesis", choices=("hypothesis", "null"))
    p.add_argument("--effect", action="append", default=[], metavar="NAME=VALUE",
                   help="change an assumption of the simulator, e.g. rr_training=0.7 "
                        "(repeatable)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the simulation (default: one is drawn and recorded in the result)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:8786); default: threads here")
    p.add_argument("--out", default=None, help="folder for power.csv, power.txt and the plot")
    p.add_argument("--overwrite", action="store_true",
                   help="replace files of the same names that glute-study did not write")
    p.set_defaults(func=run)


def _effects(items: list[str]) -> dict[str, float]:
    effects = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            effects[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"--effect must look like NAME=NUMBER (e.g. rr_training=0.7); "
                             f"got {item!r}.") from None
    return effects


def run(args: argparse.Namespace) -> int:
    """Run the simulation and print (and write) the power table and sentence."""
    from ..stats.simulation_power import power

    if args.out:  # before the simulation, not after it
        prepare_outputs(args.out, _FILES, overwrite=args.overwrite)
    res = power(args.analysis, n=args.n, reps=args.reps, alpha=args.alpha,
                scenario=args.scenario, seed=args.seed, executor=args.scheduler,
                **_effects(args.effect))
    print(res)
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        from ..figures.power import power_plot
        from ..figures.save import save_figure

        out = make_folder(args.out)
        write_files({out / "power.csv": res.table.to_csv(index=False).encode("utf-8"),
                     out / "power.txt": (res.text + "\n").encode("utf-8")})
        save_figure(power_plot(res).figure, out / "power", formats=("svg", "png"))
        record_owned(out, _FILES)
        print(f"wrote the power results to {out}")
    return 0
