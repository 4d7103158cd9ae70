"""The realistic-answers mode: the shapes real models wrap an answer in, seeded and repeatable.

grok-lsp asks for a bare inline completion and a bare JSON edit; real models often answer
otherwise. With `realisticSeed` set, each answer takes one shape of its kind, chosen from the
seed and the request's number (so a run replays exactly); `answerShape` forces one shape, for
tests that go over every shape. A request that carries a JSON-schema `response_format` gets a
bare JSON edit, as structured outputs guarantee. Stream-level shapes (cut streams, no usage,
pings) are elsewhere.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any, Literal, get_args

from grok_lsp.emulator.tags import CURSOR, last_tag
from grok_lsp.emulator.tokens import message_text

InlineShape = Literal["fenced", "echo_task", "echo_region", "echo_lines", "echo_marker"]
EditShape = Literal[
    "json_fence", "prose_json", "slash_comment", "hash_comment", "single_quotes", "code_fence"
]
Shape = Literal["exact", InlineShape, EditShape]
INLINE_SHAPES: tuple[InlineShape, ...] = get_args(InlineShape)
EDIT_SHAPES: tuple[EditShape, ...] = get_args(EditShape)
TASK_LINE = "Task: complete the code at the cursor."


def choose(
    kind: str, seed: int | None, forced: Shape | None, request_number: int, structured: bool
) -> Shape:
    """The shape of this answer; "exact" when realistic mode is off or cannot apply."""
    if kind == "edit" and structured:
        return "exact"  # the schema holds the model to the bare object
    shapes: tuple[Shape, ...] = {"inline": INLINE_SHAPES, "edit": EDIT_SHAPES}.get(kind, ())
    if forced is not None:
        return forced if forced in shapes else "exact"
    if seed is None or not shapes:
        return "exact"
    return random.Random(f"{seed}:{request_number}").choice(("exact", *shapes))


def structured(body: Mapping[str, Any]) -> bool:
    """Whether the request asks for structured outputs (a JSON schema)."""
    form = body.get("response_format")
    return isinstance(form, dict) and form.get("type") == "json_schema"


def shaped(content: str, shape: Shape, messages: Any) -> str:
    """`content` (the exact answer) as a model answering in `shape` writes it; an echoing model
    copies from the last user message of `messages`."""
    users = [m for m in messages if isinstance(m, Mapping) and m.get("role") == "user"]
    message = message_text(users[-1]) if users else ""
    match shape:
        case "fenced":
            return f"```python\n{content}\n```"
        case "echo_task":
            return f"{TASK_LINE}\n{content}"
        case "echo_region" | "echo_lines" | "echo_marker":
            return _echo(content, shape, message)
        case "json_fence":
            return f"```json\n{content}\n```"
        case "prose_json":
            return f"Here is the fix for the diagnostic.\n\n```json\n{content}\n```\n"
        case "slash_comment":
            return f"{content} // the lines above, fixed"
        case "hash_comment":
            return f"{content}\n# done"
        case "single_quotes":
            return repr(json.loads(content))
        case "code_fence":
            code = json.loads(content)["replacement"]
            return f"Sure! Here is the corrected code:\n\n```python\n{code}\n```\n"
    return content


def _echo(content: str, shape: Shape, message: str) -> str:
    """An answer that repeats the cursor region before going on: with its opening tag
    (`echo_region`), its lines up to the cursor (`echo_lines`), or with the marker itself."""
    region = last_tag("cursor_region", message)
    if region is None or CURSOR not in region.body:
        return content
    before = region.body.rsplit(CURSOR, 1)[0]
    if shape == "echo_marker":
        return f"{before}{CURSOR}{content}"
    if shape == "echo_lines":
        return before + content
    attrs = " ".join(f'{name}="{value}"' for name, value in region.attrs.items())
    return f"<cursor_region {attrs}>\n{before}{content}"
