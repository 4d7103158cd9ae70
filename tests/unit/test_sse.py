"""SSEDecoder: the WHATWG parsing rules, and the recorded xAI streams cut at every byte."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.provider.sse import MAX_LINE_CHARS, LineTooLongError, ServerSentEvent, SSEDecoder
from tests.support.streams import FIXTURE_NAMES, fixture_lines


def wire(lines: list[str], eol: str = "\n") -> bytes:
    """The bytes as the API sends them: `data: <line>` + blank line each, then [DONE]."""
    return "".join(f"data: {line}{eol}{eol}" for line in [*lines, "[DONE]"]).encode()


def decode(*pieces: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [event for piece in pieces for event in decoder.feed(piece)]
    return events + decoder.close()


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def expected_events(lines: list[str]) -> list[ServerSentEvent]:
    return [ServerSentEvent(data=line) for line in [*lines, "[DONE]"]]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_fixture_split_at_every_offset(name: str, eol: str) -> None:
    lines = fixture_lines(name)
    data = wire(lines, eol)
    expected = expected_events(lines)
    assert decode(data) == expected
    for offset in range(len(data) + 1):
        assert decode(data[:offset], data[offset:]) == expected, f"split at byte {offset}"


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@given(cuts=st.lists(st.integers(min_value=0, max_value=4096), max_size=60), crlf=st.booleans())
def test_fixture_random_pieces(name: str, cuts: list[int], crlf: bool) -> None:
    lines = fixture_lines(name)
    data = wire(lines, "\r\n" if crlf else "\n")
    pieces = split_at(data, [cut % (len(data) + 1) for cut in cuts])
    assert decode(*pieces) == expected_events(lines)


def test_one_byte_at_a_time() -> None:
    data = b"event: a\r\nid: 7\r\nretry: 10\r\ndata: x\r\n\r\n"
    assert decode(*(data[i : i + 1] for i in range(len(data)))) == [
        ServerSentEvent(data="x", event="a", id="7", retry=10)
    ]


def test_multi_line_data_joined_with_newline() -> None:
    assert decode(b"data: first\ndata:second\ndata\ndata:  two spaces\n\n") == [
        ServerSentEvent(data="first\nsecond\n\n two spaces")
    ]


def test_comments_are_ignored() -> None:
    data = b": keep-alive\n\ndata: a\n: inside an event\ndata: b\n\n:\n\n"
    assert decode(data) == [ServerSentEvent(data="a\nb")]


def test_event_id_and_retry_fields() -> None:
    data = b"event: delta\nid: 1\nretry: 1500\ndata: a\n\ndata: b\n\n"
    assert decode(data) == [
        ServerSentEvent(data="a", event="delta", id="1", retry=1500),
        # The event type resets after each event; the last event id and retry persist.
        ServerSentEvent(data="b", event="message", id="1", retry=1500),
    ]


def test_invalid_retry_and_id_with_nul_are_ignored() -> None:
    data = b"id: ok\nretry: 12a\ndata: a\n\nid: bad\x00id\nretry: -5\nretry:\ndata: b\n\n"
    assert decode(data) == [
        ServerSentEvent(data="a", id="ok"),
        ServerSentEvent(data="b", id="ok"),
    ]


def test_empty_id_resets_last_event_id() -> None:
    assert decode(b"id: 3\ndata: a\n\nid\ndata: b\n\n") == [
        ServerSentEvent(data="a", id="3"),
        ServerSentEvent(data="b", id=""),
    ]


def test_unknown_fields_and_field_without_colon() -> None:
    assert decode(b"foo: bar\ndata\n\n") == [ServerSentEvent(data="")]


def test_block_without_data_is_not_dispatched_and_resets_event_type() -> None:
    assert decode(b"event: lonely\n\ndata: x\n\n") == [ServerSentEvent(data="x")]


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        ([b"data: a\r", b"\n\r\n"], ["a"]),  # CRLF split across feeds is one line end
        ([b"data: a\r", b"\r"], ["a"]),  # CR then CR: a blank line
        ([b"data: a\r", b"", b"\n", b"\r\n"], ["a"]),  # an empty feed keeps the pending CR
        ([b"data: a\n\r", b"\ndata: b\r\r"], ["a", "b"]),
    ],
)
def test_line_ends_across_feeds(pieces: list[bytes], expected: list[str]) -> None:
    assert [event.data for event in decode(*pieces)] == expected


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_mixed_line_ends(eol: bytes) -> None:
    data = b"data: a" + eol + b"data: b\r\n" + eol + b"data: c\r\r"
    assert [event.data for event in decode(data)] == ["a\nb", "c"]


def test_utf8_split_at_every_offset() -> None:
    text = 'data: {"content":"héllo 🙂 世界 — Ωμέγα ∑ 𝄞 한국어"}'
    data = (text + "\n\n").encode()
    expected = [ServerSentEvent(data=text.removeprefix("data: "))]
    for offset in range(len(data) + 1):
        assert decode(data[:offset], data[offset:]) == expected


@given(cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=30))
def test_utf8_random_pieces(cuts: list[int]) -> None:
    data = "data: 🙂🙂 中文 ü\r\ndata: 🎉\r\n\r\n".encode()
    pieces = split_at(data, [cut % (len(data) + 1) for cut in cuts])
    assert decode(*pieces) == [ServerSentEvent(data="🙂🙂 中文 ü\n🎉")]


def test_bom_at_start_is_dropped_even_when_split() -> None:
    data = b"\xef\xbb\xbfdata: x\n\n"
    for offset in range(len(data) + 1):
        assert decode(data[:offset], data[offset:]) == [ServerSentEvent(data="x")]


def test_only_the_leading_bom_is_dropped() -> None:
    # A later U+FEFF is part of the line: "\ufeffdata" is an unknown field, so "b" is ignored.
    assert decode(b"data: a\n\n", b"\xef\xbb\xbfdata: b\n\n") == [ServerSentEvent(data="a")]


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode(b"data: a\xffb\n\n") == [ServerSentEvent(data="a\ufffdb")]


@pytest.mark.parametrize(
    "tail",
    [b"data: cut", b"data: cut\n", b"data: cut\r", b"data: \xf0\x9f\x99"],
    ids=["no-line-end", "no-blank-line", "cr", "truncated-utf8"],
)
def test_unterminated_event_is_discarded_at_close(tail: bytes) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: whole\n\n" + tail) == [ServerSentEvent(data="whole")]
    assert decoder.close() == []


def test_events_come_out_as_soon_as_their_blank_line_arrives() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"\n") == [ServerSentEvent(data="a")]
    assert decoder.feed(b"data: b\n\ndata: c\n\ndata: d") == [
        ServerSentEvent(data="b"),
        ServerSentEvent(data="c"),
    ]


@given(st.lists(st.integers(1, 4000), max_size=40))
def test_a_long_line_fed_in_any_pieces_is_one_line(sizes: list[int]) -> None:
    line = "data: " + "x" * sum(sizes)
    data = (line + "\n\n").encode()
    cuts = list(itertools.accumulate(sizes))
    assert decode(*split_at(data, cuts)) == [ServerSentEvent(data=line[6:])]


def test_a_line_past_the_cap_raises_however_it_is_cut() -> None:
    for pieces in ([b"data: " + b"x" * 100], [b"data: "] + [b"x"] * 100):
        decoder = SSEDecoder(max_chars=64)
        with pytest.raises(LineTooLongError):
            for piece in pieces:
                decoder.feed(piece)


def test_an_event_of_many_lines_past_the_cap_raises() -> None:
    decoder = SSEDecoder(max_chars=64)
    with pytest.raises(LineTooLongError):
        for _ in range(20):
            decoder.feed(b"data: 0123456789\n")


def test_lines_under_the_cap_are_not_counted_together() -> None:
    decoder = SSEDecoder(max_chars=64)
    events = [e for _ in range(100) for e in decoder.feed(b"data: 0123456789\n\n: ping\n")]
    assert len(events) == 100


def test_an_endless_line_costs_linear_time() -> None:
    """Fed one byte-sized chunk at a time, 4 MB of a line: quadratic would take minutes."""
    decoder = SSEDecoder()
    with pytest.raises(LineTooLongError):
        for _ in range(MAX_LINE_CHARS // 256 + 2):
            decoder.feed(b"y" * 256)
    assert sum(len(p) for p in decoder._pieces) <= MAX_LINE_CHARS
