"""What real models answer, through the protocol: the emulator's realistic shapes, and fields a
server refuses. For each shape, the user must see exactly what the bare answer would give."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.conftest import OVER_BOTH_APIS, Emulator, StartClient, open_document
from tests.e2e.test_actions import F401, SOURCE, actions_at, apply, titled
from tests.e2e.test_inline import EXPECTED, ORACLE, inline_params, inserted, set_oracle

from grok_lsp.emulator.shapes import EDIT_SHAPES, INLINE_SHAPES

FIXED = SOURCE.replace("import os\n", "")
TYPED = "import os\n\n\ndef greet(name: str) -> str:\n    return f'Hello, {na"


@pytest.mark.parametrize("shape", ["exact", *INLINE_SHAPES])
async def test_every_inline_answer_shape_shows_only_the_continuation(
    start_client: StartClient, emulator: Emulator, shape: str
) -> None:
    set_oracle(emulator, ORACLE)
    emulator.configure(answer_shape=shape)
    client = await start_client()
    uri = open_document(client, TYPED)
    result = await client.text_document_inline_completion_async(inline_params(uri, 4, 26))
    assert inserted(result) == [EXPECTED]


@pytest.mark.parametrize("shape", ["exact", *EDIT_SHAPES])
async def test_every_edit_answer_shape_applies_the_same_fix(
    start_client: StartClient, emulator: Emulator, shape: str
) -> None:
    # A server without structured outputs: the model wraps its answer as it likes.
    emulator.configure(answer_shape=shape, refused_fields=["response_format"])
    client = await start_client()
    uri = open_document(client, SOURCE)
    resolved = await client.code_action_resolve_async(
        titled(await actions_at(client, uri, F401), "Grok: fix")
    )
    assert apply(SOURCE, resolved.edit) == FIXED
    await asyncio.sleep(0.1)
    assert not client.shown(verdicts=False)  # nothing to apologise for


@OVER_BOTH_APIS
async def test_structured_outputs_where_accepted_hold_a_realistic_model_to_the_json(
    start_client: StartClient, emulator: Emulator, api: str
) -> None:
    emulator.configure(answer_shape="prose_json")  # what it would say without the schema
    client = await start_client()
    uri = open_document(client, SOURCE)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    assert apply(SOURCE, (await client.code_action_resolve_async(fix)).edit) == FIXED
    body = emulator.stats()["last_request"]["body"]
    # Chat's `response_format: {type, json_schema: {name, schema}}`; the Responses API's
    # `text.format: {type, name, schema}`.
    form = body["response_format"] if api == "chat" else body["text"]["format"]
    schema = form["json_schema"]["schema"] if api == "chat" else form["schema"]
    assert form["type"] == "json_schema"
    assert schema["required"] == ["replacement", "summary"]
    assert ("text" in body) == (api == "responses") and ("response_format" in body) == (
        api == "chat"
    )


@pytest.mark.parametrize(
    ("field", "ask", "api"),
    [
        ("response_format", "fix", "chat"),
        ("text", "fix", "responses"),  # the Responses API's structured outputs
        ("stream_options", "completion", "chat"),
    ],
)
async def test_a_refused_field_is_dropped_remembered_and_never_sent_again(
    start_client: StartClient, emulator: Emulator, tmp_path: Path, field: str, ask: str, api: str
) -> None:
    set_oracle(emulator, ORACLE)
    emulator.configure(refused_fields=[field])
    log_file = tmp_path / "grok-lsp.log"
    client = await start_client(args=["--log-file", str(log_file)])
    uri = open_document(client, SOURCE if ask == "fix" else TYPED)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix") if ask == "fix" else None

    async def asked() -> None:
        if fix is not None:
            assert apply(SOURCE, (await client.code_action_resolve_async(fix)).edit) == FIXED
        else:
            result = await client.text_document_inline_completion_async(inline_params(uri, 4, 26))
            assert inserted(result) == [EXPECTED]

    await asked()  # refused once, then answered without the field
    stats = emulator.stats()
    assert (stats["requests"], stats["errors_by_status"]) == (2, {"400": 1})
    assert field not in stats["last_request"]["body"]
    await asked()
    await asked()
    stats = emulator.stats()
    assert (stats["requests"], stats["errors_by_status"]) == (4, {"400": 1})  # never again
    assert field not in stats["last_request"]["body"]
    await asyncio.sleep(0.1)
    assert f"refused the field `{field}` for the model" in log_file.read_text()
    assert not client.shown(verdicts=False)
