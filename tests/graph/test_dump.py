"""Reading dumps in blocks: a blank node, whose label is scoped to the whole file, is never missed."""

from __future__ import annotations

from pathlib import Path

from maillage.graph.dump import holds_blank_node

LINE = b"<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"


def test_a_blank_node_is_found_even_across_a_block_end(tmp_path: Path) -> None:
    path = tmp_path / "graph.nt"
    path.write_bytes(LINE * 3)
    assert not holds_blank_node(path, block_size=16)
    blank = LINE * 3 + b"_:b0 <http://example.org/p> <http://example.org/b> .\n"
    for size in range(1, 40):  # every place of the block end, the label's "_" and ":" split included
        path.write_bytes(blank)
        assert holds_blank_node(path, block_size=size), size
