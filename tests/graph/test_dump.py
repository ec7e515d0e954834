"""Dumps read and written in blocks: a blank node, whose label is scoped to the whole file, is never
missed, and a dump written by a worker process from the blocks is the one written from the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from maillage.graph.dump import (
    ProcessSink,
    holds_blank_node,
    write_jsonld,
    write_jsonld_blocks,
    write_turtle,
    write_turtle_blocks,
)

LINE = b"<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"


def test_a_blank_node_is_found_even_across_a_block_end(tmp_path: Path) -> None:
    path = tmp_path / "graph.nt"
    path.write_bytes(LINE * 3)
    assert not holds_blank_node(path, block_size=16)
    blank = LINE * 3 + b"_:b0 <http://example.org/p> <http://example.org/b> .\n"
    for size in range(1, 40):  # every place of the block end, the label's "_" and ":" split included
        path.write_bytes(blank)
        assert holds_blank_node(path, block_size=size), size


def lines_in_blocks(text: bytes, size: int) -> list[bytes]:
    """Blocks of whole lines of about ``size`` bytes, as the sorted dump's writer hands them to sinks."""
    blocks, block = [], b""
    for line in text.splitlines(keepends=True):
        block += line
        if len(block) >= size:
            blocks.append(block)
            block = b""
    return [*blocks, block] if block else blocks


TRIPLES = b"".join(
    f'<http://example.org/s{n // 3}> <http://example.org/p{n % 3}> "valeur {n} \\u00e9" .\n'.encode()
    for n in range(60)
)
BLANK = (
    b"<http://example.org/a> <http://example.org/p> _:b0 .\n"
    + TRIPLES
    + b"_:b0 <http://example.org/label> \"le m\\u00eame n\\u0153ud\" .\n"
)


@pytest.mark.parametrize("writer", ["ttl", "jsonld"])
@pytest.mark.parametrize("text", [TRIPLES, BLANK], ids=["iris", "blank node"])
def test_a_dump_written_from_blocks_in_a_worker_is_the_one_written_from_the_file(
    tmp_path: Path, writer: str, text: bytes
) -> None:
    source = tmp_path / "graph.nt"
    source.write_bytes(text)
    from_file, from_blocks = tmp_path / f"file.{writer}", tmp_path / f"blocks.{writer}"
    (write_turtle if writer == "ttl" else write_jsonld)(source, from_file)
    sink = ProcessSink(write_turtle_blocks if writer == "ttl" else write_jsonld_blocks, from_blocks)
    with sink:
        for block in lines_in_blocks(text, 200):  # many blocks: the blank node's two lines in different ones
            sink.put(block)
    name, wall, cpu = sink.wait(source)
    assert name == from_blocks.name and wall >= 0 and cpu >= 0
    assert sink.blank == (text is BLANK)
    assert from_blocks.read_bytes() == from_file.read_bytes()


def test_a_failing_dump_worker_names_its_file_and_its_error(tmp_path: Path) -> None:
    sink = ProcessSink(write_turtle_blocks, tmp_path / "graph.ttl")
    with sink:
        sink.put(b"<http://example.org/a> <http://example.org/p> not-a-term .\n")
    with pytest.raises(RuntimeError, match=r"graph\.ttl failed in its worker process: .*Traceback"):
        sink.wait(tmp_path / "graph.nt")
    assert not (tmp_path / "graph.ttl").exists()
