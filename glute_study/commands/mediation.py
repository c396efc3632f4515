"""``glute-study mediation``: does x act on the cramp rate through the mediator?

The input is a study folder (its analysis table is built after validation) or a CSV/Parquet file
that already holds one row per athlete (or per session, with ``--cluster``). The result table,
its text, the sensitivity table and the sensitivity plot are written to ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from .._files import make_folder, prepare_outputs, record_owned, refuse_inside, write_files
from ..errors import InputError, StudyReadError

_FILES = ("mediation.csv", "mediation.txt", "mediation_sensitivity.csv",
          "mediation_sensitivity.svg", "mediation_sensitivity.png")


def add_parser(subparsers) -> None:
    """Add the ``mediation`` subcommand."""
    p = subparsers.add_parser(
        "mediation", help="natural direct and indirect effects on a cramp rate (bootstrap)",
        description="Mediation of x -> mediator -> outcome with a rate outcome: g-formula "
        "effects on the rate-ratio and per-1000-h scales, bootstrap CIs, sensitivity analysis.")
    p.add_argument("data", help="a study folder, or a CSV/Parquet analysis table")
    p.add_argument("--x", default="sitting_h_day", help="exposure (default sitting_h_day)")
    p.add_argument("--m", default="glute_nm_kg", help="mediator (default glute_nm_kg)")
    p.add_argument("--y", default="hamstring_cramps", help="outcome (default hamstring_cramps)")
    p.add_argument("--covariates", default="age,sex,prior_cramps",
                   help="comma-separated confounders (default age,sex,prior_cramps; '' for none)")
    p.add_argument("--exposure", default="exposure_h",
                   help="exposure hours for the offset (default exposure_h; '' for none)")
    p.add_argument("--family", default="negbin",
                   choices=("negbin", "poisson", "gaussian", "logistic"))
    p.add_argument("--contrast", type=float, nargs=2, metavar=("X0", "X1"), default=None,
                   help="compare x = X0 with x = X1 (default: interquartile range of x)")
    p.add_argument("--n-boot", type=int, default=5000,
                   help="bootstrap replicates, 100 to 100,000 (default 5000)")
    p.add_argument("--ci", default="bca", choices=("bca", "percentile"))
    p.add_argument("--cluster", default=None, help="column whose rows are resampled together")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the bootstrap (default: one is drawn and recorded in the result)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:8786); default: threads here")
    p.add_argument("--out", default=None, help="folder for mediation.csv, mediation.txt, "
                   "mediation_sensitivity.csv and the sensitivity plot")
    p.add_argument("--overwrite", action="store_true",
                   help="replace files of the same names that glute-study did not write")
    p.set_defaults(func=run)


def _read(path: str) -> pd.DataFrame:
    src = Path(path)
    if src.is_dir():
        from ..study import load_study

        return load_study(src).analysis_table()
    if not src.is_file():
        raise StudyReadError(f"{path!r} is neither a study folder nor a file.")
    if src.suffix.lower() == ".parquet":
        return pd.read_parquet(src)
    if src.suffix.lower() in (".csv", ".txt"):
        return pd.read_csv(src)
    raise InputError(f"{path!r}: give a study folder, a .csv or a .parquet file.")


def run(args: argparse.Namespace) -> int:
    """Run the mediation analysis and print (and write) its result."""
    from .._checks import N_BOOT, check_count
    from ..parallel import check_executor, draw_seed
    from ..stats.mediation import mediation

    # Checked before the study is read: a typo costs a second, not a finished bootstrap.
    check_count("n_boot", args.n_boot, N_BOOT)
    check_executor(args.scheduler)
    seed = draw_seed(args.seed)
    if args.out:  # before the bootstrap, not after it
        if Path(args.data).is_dir():
            refuse_inside(args.out, args.data)
        prepare_outputs(args.out, _FILES, overwrite=args.overwrite)
    data = _read(args.data)
    covariates = [c.strip() for c in args.covariates.split(",") if c.strip()]
    res = mediation(data, x=args.x, m=args.m, y=args.y, covariates=covariates,
                    exposure=args.exposure or None, family=args.family,
                    contrast=tuple(args.contrast) if args.contrast else None,
                    n_boot=args.n_boot, ci=args.ci, cluster=args.cluster, seed=seed,
                    executor=args.scheduler)
    print(res)
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        from ..figures.mediation import mediation_sensitivity_plot
        from ..figures.save import save_figure

        out = make_folder(args.out)
        write_files({
            out / "mediation.csv": res.table.to_csv(index=False).encode("utf-8"),
            out / "mediation.txt": (res.text + "\n").encode("utf-8"),
            out / "mediation_sensitivity.csv":
                res.frame("sensitivity").to_csv(index=False).encode("utf-8")})
        ax = mediation_sensitivity_plot(res)
        save_figure(ax.figure, out / "mediation_sensitivity", formats=("svg", "png"))
        record_owned(out, _FILES)
        print(f"wrote the mediation results to {out}")
    return 0
