"""Command-line options shared by several ``maillage`` commands."""

from __future__ import annotations

from pathlib import Path

import click

#: ``--data DIR``: the dataset folder a command reads.
data_option = click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A dataset folder written by `maillage build`.",
)
