"""``maillage generate``: write a synthetic SENACS export, for tests, benchmarks and demos."""

from __future__ import annotations

import io
import os
import sys

import click

from maillage.graph.generate import generate


@click.command("generate")
@click.option(
    "--fiches",
    type=click.IntRange(min=0),
    required=True,
    help="How many fiches-actions to write.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed: the same seed and count give the same file, byte for byte.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    required=True,
    help="The file to write (UTF-8); '-' writes to standard output.",
)
def generate_command(fiches: int, seed: int, out: str) -> None:
    """Write a synthetic export of N fiches-actions (--fiches N) in the SENACS text format.

    The fiches follow the distributions and vocabularies of the real seed export (controlled values, text
    lengths, a word-bigram model of its free text, structure names) and carry the format's quirks, spread
    over the 101 départements, in pages with their listing tables. Generation streams: memory stays flat
    whatever the count.
    """
    if out == "-":
        sys.stdout.flush()
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        try:
            written = generate(fiches, seed, stream)
            stream.flush()
        except BrokenPipeError:
            # The reader went away (`maillage generate --out - | head`): stop quietly, as Unix tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        finally:
            stream.detach()
        target = "<stdout>"
    else:
        with open(out, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as stream:
            written = generate(fiches, seed, stream)
        target = out
    click.echo(f"wrote {written} fiches to {target}", err=True)
