"""Command-line subcommands: each module adds one parser and runs one job by calling the package."""
