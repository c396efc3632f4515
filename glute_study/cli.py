"""The ``glute-study`` command: thin, it parses arguments and calls the package.

User mistakes (a missing folder, an invalid study, a bad option) end with a one-line message and
exit code 1, never a traceback. Everything the command prints goes through
:func:`~glute_study._escape.terminal_text`, so that an escape sequence typed into an id or a cell
is shown, not obeyed by the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from ._escape import terminal_text
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
    with _terminal_streams():
        args = build_parser().parse_args(argv)
        try:
            return int(args.func(args) or 0)
        except GluteStudyError as err:
            print(f"glute-study: error: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("glute-study: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # `glute-study validate study | head`: the reader has gone
            _silence_stdout()
            return 141


def _silence_stdout() -> None:
    """Point standard output at the null device, so that Python's last flush cannot fail."""
    try:
        fd = sys.__stdout__.fileno()
    except (AttributeError, ValueError, OSError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


class _TerminalStream:
    """A text stream that writes through :func:`terminal_text` to the stream it wraps."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_text(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):  # flush, isatty, encoding... of the wrapped stream
        return getattr(self._stream, name)


@contextlib.contextmanager
def _terminal_streams():
    """``sys.stdout`` and ``sys.stderr`` escaped for the terminal while a command runs.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with contextlib.redirect_stdout(out), _terminal_streams():
    ...     print("P01\\x1b[2J")
    >>> out.getvalue()
    'P01\\\\x1b[2J\\n'
    """
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _TerminalStream(sys.stdout), _TerminalStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
