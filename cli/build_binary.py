"""`ngramlm build-binary`: turn an ARPA model into the binary format that memory-maps in milliseconds."""
from __future__ import annotations

import os
import time

import click

from ngramlm.arpa import read_arpa
from ngramlm.binary import load_binary, write_binary
from ngramlm.query import build_index

from .common import report_errors


@click.command("build-binary")
@click.argument("arpa", type=click.Path(dir_okay=False))
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@click.option("--probing-multiplier", "-p", type=float, default=1.5, show_default=True,
              help="Hash buckets per n-gram (KenLM's build_binary -p): lower is smaller, higher is faster.")
@click.option("--check/--no-check", default=True,
              help="Load the written file back and verify the crc32 of its whole payload.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@report_errors
def build_binary(arpa: str, output: str, probing_multiplier: float, check: bool, quiet: bool) -> None:
    """Index the ARPA model ARPA and write it to OUTPUT in ngramlm's binary format (load it with
    ngramlm.query.Model(OUTPUT) or ngramlm.binary.load_binary)."""
    tables = build_index(read_arpa(arpa), probing_multiplier=probing_multiplier)
    write_binary(tables, output)
    if check:
        start = time.perf_counter()
        load_binary(output, verify="full")
        elapsed = time.perf_counter() - start
    if not quiet:
        sizes = ", ".join(f"{n}-grams {c}" for n, c in enumerate(tables.sizes, 1))
        click.echo(f"wrote {output}: order {tables.order}, {sizes}, {os.path.getsize(output) / 2**20:.1f} MiB")
        if check:
            click.echo(f"checked: full crc32 verified, load with verification took {elapsed * 1000:.1f} ms")
