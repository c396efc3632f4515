"""The ``glute-study`` command: thin, it parses arguments and calls the package.

User mistakes (a missing folder, an invalid study, a bad option) end with a one-line message and
exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from .commands import (
    codebook,
    import_,
    mediation,
    power,
    reliability,
    report,
    sample_size,
    simulate,
    summary,
    validate,
)
from .errors import GluteStudyError

COMMANDS = (
    simulate, validate, summary, import_, reliability, mediation, power, sample_size, report,
    codebook,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="glute-study",
        description="Test whether sitting switches off the glutes and makes hamstrings cramp.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except GluteStudyError as err:
        print(f"glute-study: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("glute-study: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
