"""JSON lines in blocks (otlp/lines.py): a plain file read in large blocks and the same bytes read
through gzip give the same units, locations, errors, resume point and waiting tail, for any range of
any file (a gzip member read from its start, skipping the bytes already landed)."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.otlp.lines import LineReader, units_of_block
from orchestration.otlp.streams import Resume
from orchestration.otlp.units import LineBlock, Unit

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
        units = units_of_block(item) if isinstance(item, LineBlock) else [item]
        out.extend((u.location, u.error, u.raw if u.error else None, u.request) for u in units)
    return out


def _read(path: Path, compression: str, start: Resume, end: int, final: bool, block_bytes: int):
    with open(path, "rb") as fh:
        reader = LineReader(fh, compression, start, end, final=final, block_bytes=block_bytes)
        units = _units(reader)
    return units, reader


@settings(max_examples=300, deadline=None)
@given(LINES, st.booleans(), st.booleans(), st.booleans(), st.data(), st.sampled_from([1, 7, 64, 4096]))
def test_plain_blocks_read_what_gzip_reads(
    tmp_path_factory, lines, newline_at_end, cut_short, final, data, block_bytes
):
    content = b"\n".join(lines) + (b"\n" if newline_at_end else b"") + (b'{"cut' if cut_short else b"")
    folder = tmp_path_factory.mktemp("blocks")
    line_starts = [0] + [i + 1 for i, c in enumerate(content) if c == 10]
    k = data.draw(st.integers(0, len(line_starts) - 1))
    start, first_line = line_starts[k], k + 1
    end = data.draw(st.integers(start, len(content)))
    (folder / "f.jsonl").write_bytes(content)
    (folder / "f.jsonl.gz").write_bytes(gzip.compress(content[:end]))

    plain, plain_reader = _read(
        folder / "f.jsonl", "none", Resume(start, 0, first_line), end, final, block_bytes
    )
    gz_size = (folder / "f.jsonl.gz").stat().st_size
    gzipped, gz_reader = _read(
        folder / "f.jsonl.gz", "gzip", Resume(0, start, first_line), gz_size, final, block_bytes
    )
    assert plain == gzipped
    assert plain_reader.pending_bytes == gz_reader.pending_bytes
    # the same point to resume from: a byte of the plain file, a decompressed offset into the member
    gz_resume = gz_reader.resume
    gz_offset = gz_resume.skip if gz_resume.offset == 0 else end
    assert (plain_reader.resume.offset, plain_reader.resume.unit) == (gz_offset, gz_resume.unit)
    # a record cut short waits for its writer; glued to a complete one on its line, no ending can mend
    # it, and it is quarantined at once instead
    if not final and content[:end].rsplit(b"\n", 1)[-1].strip(b" ") == b'{"cut':
        assert plain_reader.pending_bytes > 0
