"""``glute-study codebook``: print (or write) the human-readable codebook page."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("codebook", help="print the codebook page (Markdown)",
                              description="Render the study codebook as Markdown.")
    p.add_argument("--out", help="write to this file instead of printing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..codebook import codebook_markdown

    page = codebook_markdown()
    if args.out:
        Path(args.out).write_text(page, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(page, end="")
    return 0
