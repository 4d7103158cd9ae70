"""FrameSplitter: LSP frames cut anywhere, and headers that lie about their bodies."""

from __future__ import annotations

import itertools
import json

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.framing import FrameSplitter

BODIES = [
    json.dumps({"jsonrpc": "2.0", "id": i, "method": "m", "params": {"t": "é" * i}})
    for i in range(5)
]


def frame(body: str, delta: int = 0, length: str | None = None) -> bytes:
    data = body.encode()
    claimed = len(data) + delta if length is None else length
    return f"Content-Length: {claimed}\r\n\r\n".encode() + data


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cut % (len(data) + 1) for cut in cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def bodies(*pieces: bytes) -> list[str]:
    splitter = FrameSplitter()
    return [body.decode() for piece in pieces for body in splitter.feed(piece)]


@given(st.lists(st.integers(0, 10**6), max_size=12))
def test_honest_frames_cut_anywhere_come_out_whole(cuts: list[int]) -> None:
    data = b"".join(frame(body) for body in BODIES)
    assert bodies(*split(data, cuts)) == BODIES


@given(st.lists(st.integers(0, 10**6), max_size=6), st.sampled_from([-9, -1, 1, 30]))
def test_a_wrong_length_between_honest_frames_is_recovered(cuts: list[int], delta: int) -> None:
    data = frame(BODIES[0]) + frame(BODIES[1], delta) + frame(BODIES[2])
    assert bodies(*split(data, cuts)) == BODIES[:3]


def test_impossible_lengths_are_skipped_and_the_next_frame_is_read() -> None:
    for length in ("-1", "1" * 20, str(10**12), "x", ""):
        data = frame(BODIES[0], length=length) + frame(BODIES[1])
        assert bodies(data) == [BODIES[1]], length


def test_a_frame_over_the_limit_is_skipped() -> None:
    splitter = FrameSplitter(max_frame=64)
    big = json.dumps({"jsonrpc": "2.0", "method": "m", "params": "x" * 100})
    assert splitter.feed(frame(big) + frame(BODIES[0])) == [BODIES[0].encode()]


def test_an_invalid_body_of_the_right_length_is_handed_on() -> None:
    """The protocol answers it with a parse error."""
    assert bodies(frame("{not json") + frame(BODIES[0])) == ["{not json", BODIES[0]]


def test_garbage_without_headers_is_dropped_in_bounded_memory() -> None:
    splitter = FrameSplitter(max_header=1024)
    for _ in range(100):
        assert splitter.feed(b"\x00garbage " * 100) == []
    assert len(splitter._buffer) <= 1024
    assert splitter.feed(frame(BODIES[0])) == [BODIES[0].encode()]
