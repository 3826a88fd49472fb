"""JSON lines in blocks (otlp/reader.py): the large-read path of plain files gives the units, locations
and errors the line-at-a-time path gives, for any slice of any file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.otlp import reader
from orchestration.otlp.reader import LineBlock, Unit

LINES = st.lists(
    st.one_of(
        st.just(b""),
        st.just(b"   "),
        st.just(b"{not json"),
        st.integers(0, 10**6).map(lambda i: b'{"a": %d, "pad": "%s"}' % (i, b"x" * (i % 50))),
    ),
    max_size=25,
)


def _units(items) -> list[tuple]:
    """Each item used before the next is read, as landing does: a block may be a view of a reused buffer."""
    out = []
    for item in items:
        assert isinstance(item, LineBlock | Unit)
        if isinstance(item, LineBlock):
            assert bytes(item.data[-1:]) == b"\n"
        units = reader.units_of_block(item) if isinstance(item, LineBlock) else [item]
        out.extend((u.location, u.error, u.raw if u.error else None, u.request) for u in units)
    return out


@settings(max_examples=300, deadline=None)
@given(LINES, st.booleans(), st.booleans(), st.data(), st.sampled_from([1, 7, 64, 4096]))
def test_plain_blocks_read_what_lines_read(
    tmp_path_factory, lines, newline_at_end, cut_short, data, block_bytes
):
    content = b"\n".join(lines) + (b"\n" if newline_at_end else b"") + (b'{"cut' if cut_short else b"")
    path: Path = tmp_path_factory.mktemp("blocks") / "f.jsonl"
    path.write_bytes(content)
    line_starts = [0] + [i + 1 for i, c in enumerate(content) if c == 10]
    k = data.draw(st.integers(0, len(line_starts) - 1))
    start, first_line = line_starts[k], k + 1
    end = data.draw(st.one_of(st.none(), st.integers(start, len(content) + 3)))
    plain = _units(reader._plain_line_blocks(path, start, end, first_line, block_bytes))
    streamed = _units(reader._streamed_line_blocks(path, "none", start, end, first_line, block_bytes))
    assert plain == streamed
