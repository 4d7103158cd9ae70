"""The realistic-answers mode: seeded, repeatable shapes; refused fields in xAI's error shape."""

from __future__ import annotations

import json

import httpx
import pytest

from grok_lsp.emulator.shapes import EDIT_SHAPES, INLINE_SHAPES, choose
from tests.support.emulator_http import chat

EDIT = (
    '<edit_target path="a.py" start_line="1" end_line="2">\nimport os\nimport sys\n</edit_target>\n'
    '<diagnostic code="F401" source="ruff">`os` imported but unused</diagnostic>'
)


def test_shapes_repeat_from_the_seed_and_cover_every_shape() -> None:
    def run(seed: int, kind: str) -> list[str]:
        return [choose(kind, seed, None, n, structured=False) for n in range(200)]

    assert run(7, "inline") == run(7, "inline")
    assert run(7, "inline") != run(8, "inline")
    assert set(run(7, "inline")) == {"exact", *INLINE_SHAPES}
    assert set(run(7, "edit")) == {"exact", *EDIT_SHAPES}
    assert set(run(7, "explain")) == {"exact"}  # markdown is what is asked for there
    assert choose("edit", None, None, 3, structured=False) == "exact"  # off by default
    assert choose("edit", 7, "prose_json", 3, structured=True) == "exact"  # the schema holds
    assert choose("inline", None, "prose_json", 3, structured=False) == "exact"  # not its kind


async def test_edit_shapes_over_http(client: httpx.AsyncClient) -> None:
    messages = [{"role": "user", "content": EDIT}]
    seen = {}
    for shape in EDIT_SHAPES:
        await client.post("/emulator/config", json={"answerShape": shape})
        reply = (await chat(client, messages=messages, stream=False)).json()
        seen[shape] = reply["choices"][0]["message"]["content"]
    assert seen["json_fence"].startswith("```json\n{")
    assert seen["prose_json"].startswith("Here is") and "```json" in seen["prose_json"]
    assert seen["slash_comment"].endswith("// the lines above, fixed")
    assert seen["hash_comment"].endswith("\n# done")
    assert seen["single_quotes"].startswith("{'replacement': 'import sys'")
    assert "```python\nimport sys\n```" in seen["code_fence"]
    for text in seen.values():  # none is the bare object the prompt asks for
        with pytest.raises(ValueError):
            json.loads(text)


async def test_a_refused_field_gets_xais_400(client: httpx.AsyncClient) -> None:
    await client.post("/emulator/config", json={"refusedFields": ["response_format"]})
    refused = await chat(client, response_format={"type": "json_schema"})
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "Client specified an invalid argument",
        "error": "Argument not supported on this model: response_format",
    }
    assert (await chat(client)).status_code == 200  # without the field: answered
