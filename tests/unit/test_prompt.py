"""The cacheable prompt: leading layers byte-stable while typing; snapshot refresh past drift."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from grok_lsp.prompt import SYSTEM, FileView, Message, PromptBuilder
from grok_lsp.settings import PromptSettings

BODY = "".join(f"def f{i}(x):\n    return x * {i}\n\n" for i in range(60))
OTHER = FileView("file:///w/b.py", "b.py", "python", "import os\n")


def view(text: str) -> FileView:
    return FileView("file:///w/a.py", "a.py", "python", text)


def stable(builder: PromptBuilder, text: str, offset: int) -> list[str]:
    """The system text and the user message up to the end of its snapshot: the leading bytes."""
    messages = builder.completion(view(text), offset, [OTHER])
    # One user turn after the system text: what strict chat templates (Gemma 3's) accept.
    assert [message["role"] for message in messages] == ["system", "user"]
    assert messages[0]["content"] == SYSTEM
    user = messages[1]["content"]
    assert "<|cursor|>" in user
    return [SYSTEM, user[: len(user) - len(tail(messages))]]


def tail(messages: list[Message]) -> str:
    """What follows the snapshot in the user message: the edits since, and the task."""
    return messages[-1]["content"].split("</file_snapshot>\n", 1)[1]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, BODY.count("\n") - 1),
    st.lists(
        st.tuples(st.integers(0, 40), st.text("abc ()_=:", min_size=1, max_size=3)), max_size=25
    ),
)
def test_typing_in_a_line_keeps_the_leading_layers_identical(
    line: int, edits: list[tuple[int, str]]
) -> None:
    builder = PromptBuilder(PromptSettings(snapshot_drift_chars=2000))
    line_start = sum(len(text) + 1 for text in BODY.split("\n")[:line])
    text = BODY
    first = stable(builder, text, line_start)
    for column, typed in edits:
        line_end = text.find("\n", line_start)
        cursor = min(line_start + column, line_end)
        text = text[:cursor] + typed + text[cursor:]
        assert stable(builder, text, cursor + len(typed)) == first


def test_a_far_edit_refreshes_the_snapshot_only_past_the_threshold() -> None:
    builder = PromptBuilder(PromptSettings(snapshot_drift_chars=100))
    first = stable(builder, BODY, 10)
    small = BODY + "# note\n"
    assert stable(builder, small, 10) == first
    after = tail(builder.completion(view(small), 10, [OTHER]))
    assert "<edits_since_snapshot>" in after and "# note" in after
    large = BODY + "#" * 150 + "\n"
    assert stable(builder, large, 10) != first


def test_large_files_get_a_window_aligned_to_fixed_lines() -> None:
    big = "".join(f"value_{i} = {i}\n" for i in range(20_000))
    builder = PromptBuilder(PromptSettings(budget_tokens=4000))

    def line(n: int) -> int:
        return sum(len(f"value_{i} = {i}\n") for i in range(n))

    first = stable(builder, big, line(5000))
    assert 'first_line="' in first[1] and "value_0 =" not in first[1]
    assert stable(builder, big, line(5010)) == first  # the window does not slide with the cursor
    total = sum(len(m["content"]) for m in builder.completion(view(big), line(5010), []))
    assert total < 4000 * 3 * 1.2


def test_the_window_layout_shifts_with_the_cursor_line() -> None:
    builder = PromptBuilder(PromptSettings(budget_tokens=600))
    text = BODY * 3
    first = builder.completion(view(text), len(text) - 300, [], layout="window")
    later = builder.completion(view(text), len(text) - 100, [], layout="window")
    assert first[0] == later[0]
    assert first[1]["content"][:300] != later[1]["content"][:300]


def test_edits_far_apart_are_sent_apart_and_do_not_add_up_to_the_distance() -> None:
    builder = PromptBuilder(PromptSettings(snapshot_drift_chars=100))
    first = stable(builder, BODY, 10)
    top = BODY.replace("return x * 1\n", "return x * 1 + 1\n", 1)
    assert stable(builder, top, top.index(" + 1\n") + 4) == first
    edited = top.replace("return x * 58\n", "return x * 58 - 1\n")
    cursor = edited.index(" - 1\n") + 4
    assert stable(builder, edited, cursor) == first  # ~3,000 characters apart, 8 changed
    edits = tail(builder.completion(view(edited), cursor, [OTHER]))
    edits = edits.split("</edits_since_snapshot>")[0]
    # Both numberings, so the region's (live) line numbers can be matched to the snapshot's.
    assert "Snapshot lines 5-5, now lines 5-5 of the file:\n    return x * 1 + 1\n" in edits
    assert "Snapshot lines 176-176, now lines 176-176 of the file:\n" in edits
    assert "def f30" not in edits


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2), st.integers(1, 40))
def test_a_private_key_typed_after_the_snapshot_is_masked_in_the_tail(
    where: int, split: int
) -> None:
    """The snapshot held no key, so only the changed ranges are searched for one: a block
    typed into the file, even one whose marker is completed by the last keystroke, is masked
    (the cursor region holds only the block's last lines, which no pattern would recognise)."""
    body = "".join(f"MIIEvQIBADANSecretBody{i}\n" for i in range(12))
    key = f"-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\n"
    builder = PromptBuilder(PromptSettings(snapshot_drift_chars=10_000))
    stable(builder, BODY, 10)
    at = [0, BODY.index("def f3("), len(BODY)][where]
    partial = BODY[:at] + key[:-split] + BODY[at:]  # typed up to `split` characters short
    builder.completion(view(partial), at + len(key) - split, [OTHER])
    typed = BODY[:at] + key + BODY[at:]
    tail = builder.completion(view(typed), at + len(key) - 1, [OTHER])[-1]["content"]
    assert "SecretBody" not in tail


def test_lines_added_since_the_snapshot_shift_the_files_numbers_not_the_snapshots() -> None:
    builder = PromptBuilder(PromptSettings(snapshot_drift_chars=100))
    stable(builder, BODY, 10)
    edited = BODY.replace("return x * 1\n", "return x * 1\n    # a\n    # b\n", 1)
    cursor = edited.index("return x * 58") + 6
    tail = builder.completion(view(edited), cursor, [OTHER])[-1]["content"]
    assert "Snapshot lines 6-6, now lines 6-8 of the file:\n    # a\n    # b\n\n" in tail
    # The region counts live lines: line 176 of the snapshot is line 178 of the file now.
    assert 'cursor_line="178"' in tail
    region = tail.split("<cursor_region", 1)[1]
    assert region.split("\n")[1 + 178 - int(region.split('start_line="')[1].split('"')[0])] == (
        "    return<|cursor|> x * 58"
    )


def test_the_region_reaches_back_until_what_precedes_the_cursor_is_unique() -> None:
    repeated = "".join(f"def f{i}(x):\n" + "    x += 1\n" * 8 for i in range(5))
    cursor = repeated.index("def f3") + len("def f3(x):\n") + len("    x += 1\n") * 7
    tail = PromptBuilder(PromptSettings()).completion(view(repeated), cursor, [])[-1]["content"]
    region = tail.split("<cursor_region", 1)[1].split("<|cursor|>")[0]
    assert "def f3(x):" in region  # lines of `x += 1` alone could be any of five places
    assert repeated.count(region.split(">\n", 1)[1]) == 1
    short = PromptBuilder(PromptSettings()).completion(view(BODY), BODY.index("def f9"), [])
    short_region = short[-1]["content"].split("<cursor_region", 1)[1].split("<|cursor|>")[0]
    assert short_region.split(">\n", 1)[1].count("\n") == 3  # unique already: three lines
