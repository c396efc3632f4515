"""``glute-study sample-size``: closed-form power or sample size for planning a study.

Three designs: ``two-rates`` (cramp rates in two trial arms, negative binomial or Poisson),
``ancova`` (two-arm mean difference adjusted for baseline) and ``correlation``. Give ``--n`` to
get the power, or leave it out to get the size needed for ``--power`` (default 0.8).
"""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "sample-size", help="closed-form power or sample size (two rates, ANCOVA, correlation)",
        description="Power for a given --n, or the size needed for --power (two-sided tests).")
    designs = p.add_subparsers(dest="design", required=True, metavar="DESIGN")

    rates = designs.add_parser("two-rates", help="rate ratio between two arms (Zhu & Lakkis)")
    rates.add_argument("--mean0", type=float, required=True,
                       help="expected events per control participant over follow-up")
    rates.add_argument("--rate-ratio", type=float, required=True, help="treated / control")
    rates.add_argument("--dispersion", type=float, default=0.0,
                       help="negative-binomial dispersion k (variance mu + k mu^2); 0 = Poisson")
    rates.add_argument("--allocation", type=float, default=1.0, help="treated : control size")

    anc = designs.add_parser("ancova", help="two-arm mean difference adjusted for baseline")
    anc.add_argument("--delta", type=float, required=True, help="difference in means")
    anc.add_argument("--sd", type=float, required=True, help="outcome SD within an arm")
    anc.add_argument("--rho", type=float, default=0.0, help="baseline-outcome correlation")

    cor = designs.add_parser("correlation", help="a correlation different from 0")
    cor.add_argument("--r", type=float, required=True, help="the true correlation")

    for sub in (rates, anc, cor):
        sub.add_argument("--n", type=float, default=None,
                         help="participants (per arm for two-rates/ancova; total for "
                              "correlation): report the power")
        sub.add_argument("--power", type=float, default=0.8,
                         help="target power when --n is not given (default 0.8)")
        sub.add_argument("--alpha", type=float, default=0.05,
                         help="two-sided significance level (default 0.05)")
        sub.set_defaults(func=run)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..stats import analytic_power as ap

    if args.design == "two-rates":
        common = dict(mean0=args.mean0, rate_ratio=args.rate_ratio, dispersion=args.dispersion,
                      alpha=args.alpha, allocation=args.allocation)
        res = (ap.power_two_rates(n_per_group=args.n, **common) if args.n is not None
               else ap.sample_size_two_rates(power=args.power, **common))
    elif args.design == "ancova":
        common = dict(delta=args.delta, sd=args.sd, rho=args.rho, alpha=args.alpha)
        res = (ap.power_ancova(n_per_group=args.n, **common) if args.n is not None
               else ap.sample_size_ancova(power=args.power, **common))
    else:
        res = (ap.power_correlation(r=args.r, n=args.n, alpha=args.alpha) if args.n is not None
               else ap.sample_size_correlation(r=args.r, power=args.power, alpha=args.alpha))
    row = res.table.iloc[0]
    print(f"{row['term']}: {row['estimate']:.4f}")
    print(res.text)
    return 0
