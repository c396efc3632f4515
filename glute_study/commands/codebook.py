"""``glute-study codebook``: print (or write) the human-readable codebook page."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._files import make_folder, prepare_outputs, record_owned, write_text


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("codebook", help="print the codebook page (Markdown)",
                              description="Render the study codebook as Markdown.")
    p.add_argument("--out", help="write to this file instead of printing")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a file of that name that glute-study did not write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..codebook import codebook_markdown

    page = codebook_markdown()
    if args.out:
        out = Path(args.out)
        prepare_outputs(out.parent, [out.name], overwrite=args.overwrite)
        make_folder(out.parent)
        write_text(out, page)
        record_owned(out.parent, [out.name])
        print(f"wrote {args.out}")
    else:
        print(page, end="")
    return 0
