"""Secrets stay home: excluded files are never sent, credentials never reach a prompt, the API
key never reaches a log line, a message or `grok/stats`, and TLS is verified."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import pytest
from lsprotocol import types as t

from grok_lsp.redaction import PLACEHOLDER, restore_secrets, scrub
from grok_lsp.server import GrokServer
from tests.conftest import StartClient
from tests.support.actions import F401, actions_at, apply, titled
from tests.support.emulator import Emulator
from tests.support.inline import EXPECTED, ORACLE, PARTIAL, inline_params, inserted
from tests.support.lsp import TEST_KEY, GrokClient, everything_said, open_document
from tests.support.proxy import ForwardProxy
from tests.support.secrets import MARKER

# The server inherits this process's proxy settings; only the test's may count.
pytestmark = pytest.mark.usefixtures("no_inherited_proxy")

EXCLUDED = [
    "file:///work/.env",
    "file:///work/config/.env.local",
    "file:///work/keys/id_rsa",
    "file:///work/certs/server.pem",
    "file:///work/secrets.py",
]


@pytest.mark.parametrize("uri", EXCLUDED, ids=lambda uri: uri.rsplit("/", 1)[1])
async def test_an_excluded_file_is_never_sent(
    start_client: StartClient, emulator: Emulator, uri: str
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client()
    text = f"{MARKER} = 1\n" + PARTIAL
    open_document(client, text, uri=uri)
    result = await client.text_document_inline_completion_async(inline_params(uri, 2, 23))
    assert inserted(result) == []
    diagnostic = t.Diagnostic(t.Range(t.Position(0, 0), t.Position(0, 3)), "unused", source="x")
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            t.TextDocumentIdentifier(uri),
            t.Range(t.Position(0, 0), t.Position(2, 0)),  # a selection too: no refactors
            t.CodeActionContext([diagnostic]),
        )
    )
    assert not actions
    data = {"uri": uri, "version": 1, "task": "explain", "diagnostic": {}}
    await client.workspace_execute_command_async(t.ExecuteCommandParams("grok.explain", [data]))
    assert emulator.stats()["requests"] == 0  # nothing at all went upstream
    # Nor does it ride along as project context in another file's prompt.
    other = open_document(client, PARTIAL, uri="file:///work/demo.py")
    result = await client.text_document_inline_completion_async(inline_params(other, 1, 23))
    assert inserted(result) == [EXPECTED]
    assert MARKER not in emulator.prompt()


CREDENTIALS = {
    "xai": "xai-Q1w2E3r4T5y6U7i8O9p0AaSsDdFfGg",
    "openai": "sk-proj-abcdefghijklmnopqrstuvwxyz123456",
    "github": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "pem": "MIIEowIBAAKCAQEAx9secretbodyofthekey",
    "url-password": "s3cr3t-pass",
    "password": "correct horse battery",
}
WITH_CREDENTIALS = (
    "import os\n"
    "import sys\n"
    f'XAI_KEY = "{CREDENTIALS["xai"]}"\n'
    f"OPENAI = '{CREDENTIALS['openai']}'\n"
    f"GITHUB_TOKEN = '{CREDENTIALS['github']}'\n"
    f'DATABASE = "postgres://app:{CREDENTIALS["url-password"]}@db.internal:5432/app"\n'
    f'password = "{CREDENTIALS["password"]}"\n'
    'PRIVATE = """\n'
    "-----BEGIN RSA PRIVATE KEY-----\n"
    f"{CREDENTIALS['pem']}\n"
    "-----END RSA PRIVATE KEY-----\n"
    '"""\n'
    "\n"
    "\n"
    "def main():\n"
    "    print(sys.argv)\n"
)


async def test_credentials_in_a_file_are_replaced_in_every_prompt(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client()
    uri = open_document(client, WITH_CREDENTIALS)
    await client.text_document_inline_completion_async(inline_params(uri, 15, 19))
    prompts = [emulator.prompt()]
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    await client.code_action_resolve_async(fix)
    prompts.append(emulator.prompt())
    explain = titled(await actions_at(client, uri, F401), "Grok: explain")
    assert explain.command is not None
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(explain.command.command, explain.command.arguments)
    )
    prompts.append(emulator.prompt())
    for prompt in prompts:
        for name, secret in CREDENTIALS.items():
            assert secret not in prompt, name
        assert PLACEHOLDER in prompt
        assert "def main():" in prompt  # the code itself is there


async def test_a_fix_next_to_a_credential_keeps_the_credential(start_client: StartClient) -> None:
    """The model sees the placeholder in the lines it rewrites; the edit must not write it."""
    client = await start_client()
    uri = open_document(client, WITH_CREDENTIALS)
    fix = titled(await actions_at(client, uri, F401), "Grok: fix")
    resolved = await client.code_action_resolve_async(fix)
    fixed = apply(WITH_CREDENTIALS, resolved.edit)
    assert fixed == WITH_CREDENTIALS.replace("import os\n", "")
    assert PLACEHOLDER not in fixed


def test_restoring_secrets_line_by_line() -> None:
    original = 'import os\nKEY = "xai-Q1w2E3r4T5y6U7i8O9p0AaSsDdFfGg"\nx = 1'
    seen = scrub(original)
    assert PLACEHOLDER in seen
    assert restore_secrets(seen.replace("import os\n", ""), original) == original.replace(
        "import os\n", ""
    )
    assert restore_secrets("y = 2", original) == "y = 2"  # nothing to restore
    # The model changed a line holding a credential it never saw: no edit can be right.
    changed = seen.replace("KEY =", "API_KEY =")
    assert restore_secrets(changed, original) is None


WORKSPACE_KEY = "k-live-0123456789abcdefXYZ"  # not shaped like an xAI key: masked by name
INIT_KEY = "xai-initoptions-0123456789abcdef"


async def start_logging(
    start_client: StartClient,
    tmp_path: Path,
    api_key: str,
    completion: dict[str, Any] | None = None,
    level: str = "INFO",
) -> tuple[GrokClient, Path]:
    """A server given `api_key` (and these `completion` settings), logging to a file."""
    log_file = tmp_path / "grok.log"
    client = await start_client(
        settings={"completion": {"debounceMs": 0, **(completion or {})}, "apiKey": api_key},
        args=["--log-level", level, "--log-file", str(log_file)],
    )
    return client, log_file


async def test_the_api_key_is_in_no_log_line_message_or_stats(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.set_oracle(ORACLE)
    client, log_file = await start_logging(start_client, tmp_path, INIT_KEY, level="DEBUG")
    uri = open_document(client, PARTIAL)
    assert inserted(
        await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    ) == [EXPECTED]
    # The editor's settings now carry another key (and an invalid value next to it).
    client.set_configuration(
        {"completion": {"debounceMs": "soon"}, "apiKey": WORKSPACE_KEY}, section="grok"
    )
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    emulator.fault("bad_key")  # the API echoes the (masked) key back
    assert (
        inserted(await client.text_document_inline_completion_async(inline_params(uri, 1, 23)))
        == []
    )
    client.set_configuration(
        {"completion": {"debounceMs": 0}, "apiKey": [WORKSPACE_KEY]}, section="grok"
    )  # a key of the wrong type is named as invalid, its value hidden
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    other = open_document(client, "import os\nimport sys\n", uri="file:///work/other.py")
    fix = titled(await actions_at(client, other, F401), "Grok: fix")
    await client.code_action_resolve_async(fix)
    seen = await everything_said(client, log_file)
    assert "Incorrect API key provided" in seen["log file"]  # the bad-key failure was logged
    assert "grok.apiKey" in seen["messages"]  # and the invalid value named
    assert len(seen["log file"].splitlines()) > 10  # DEBUG did log
    for where, text in seen.items():
        for key in (TEST_KEY, INIT_KEY, WORKSPACE_KEY):
            assert key not in text, (where, key)
            assert key[4:] not in text, (where, key)


def test_tls_is_verified_by_default_and_a_ca_bundle_is_accepted(tmp_path: Path) -> None:
    def context(settings: dict[str, Any]) -> ssl.SSLContext:
        server = GrokServer({"XAI_API_KEY": TEST_KEY, "GROK_LSP_STATE_DIR": str(tmp_path)})
        server.apply_settings(settings)
        provider = server.connection.client()
        # httpx's and httpcore's private attributes: the only place the SSL context shows.
        pool = provider._client._transport._pool  # type: ignore[attr-defined]
        found: ssl.SSLContext = pool._ssl_context
        return found

    default = context({})
    assert default.verify_mode == ssl.CERT_REQUIRED and default.check_hostname
    bundle = context({"caBundle": certifi.where()})
    assert bundle.verify_mode == ssl.CERT_REQUIRED and bundle.check_hostname
    assert bundle.cert_store_stats()["x509_ca"] > 0
    directory = context({"caBundle": str(tmp_path)})
    assert directory.verify_mode == ssl.CERT_REQUIRED


async def test_a_ca_bundle_setting_is_accepted_end_to_end(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    client = await start_client(
        settings={"completion": {"debounceMs": 0}, "caBundle": certifi.where()},
    )
    uri = open_document(client, PARTIAL)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == [EXPECTED]
    await asyncio.sleep(0.1)
    assert not client.messages


async def test_a_missing_ca_bundle_is_one_clear_message(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.set_oracle(ORACLE)
    missing = str(tmp_path / "no-such-ca.pem")
    client: GrokClient = await start_client(
        settings={"completion": {"debounceMs": 0}, "caBundle": missing}
    )
    uri = open_document(client, PARTIAL)
    for _ in range(2):
        result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
        assert inserted(result) == []
    await asyncio.sleep(0.1)
    [message] = [m.message for m in client.messages]
    assert "caBundle" in message and missing in message


OLD_KEY = "k-old-unshaped-0123456789abcdefXYZ"  # no credential shape: masked only as held
NEW_KEY = "k-new-unshaped-9876543210fedcbaZYX"
UNHELD_XAI_KEY = "xai-pasted-elsewhere-0123456789abcdefghij"


async def test_a_key_pasted_into_another_setting_is_masked_in_the_message(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    pasted = {"maxTokens": NEW_KEY, "maxLines": UNHELD_XAI_KEY}
    client, log_file = await start_logging(start_client, tmp_path, NEW_KEY, pasted)
    await asyncio.sleep(0.3)
    seen = await everything_said(client, log_file)
    assert "grok.completion.maxTokens" in seen["messages"]
    assert "grok.completion.maxLines" in seen["messages"]
    for where, text in seen.items():
        for key in (NEW_KEY, UNHELD_XAI_KEY):
            assert key[:12] not in text and key[-12:] not in text, (where, key)


async def test_a_previous_key_echoed_after_the_key_changed_is_masked(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.set_oracle(ORACLE)
    client, log_file = await start_logging(start_client, tmp_path, OLD_KEY)
    uri = open_document(client, PARTIAL)
    assert inserted(
        await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    ) == [EXPECTED]
    # The old key pasted where the model goes, then the key changed: the API's 404 names it.
    client.set_configuration(
        {"completion": {"debounceMs": 0, "model": OLD_KEY}, "apiKey": NEW_KEY}, section="grok"
    )
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    emulator.fault("model_not_found")
    await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    seen = await everything_said(client, log_file)
    assert "does not exist" in seen["messages"]  # the echo reached the user, masked
    for where, text in seen.items():
        assert OLD_KEY not in text, where


async def test_a_plain_http_base_url_to_another_host_never_carries_the_key(
    start_client: StartClient, emulator: Emulator
) -> None:
    """Through a loopback proxy (the host's name is never resolved): the request goes out,
    without the key, and one message names the setting."""
    emulator.set_oracle(ORACLE)
    port = urlsplit(emulator.base_url).port
    assert port is not None
    async with ForwardProxy(origin=("127.0.0.1", port)) as proxy:
        client = await start_client(
            settings={"completion": {"debounceMs": 0}, "baseUrl": f"http://llm.lan:{port}/v1"},
            env=dict(HTTP_PROXY=proxy.url()),
        )
        uri = open_document(client, PARTIAL)
        result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
        assert inserted(result) == [EXPECTED]  # the emulator needs no key
        assert "POST /v1/chat/completions" in proxy.forwarded
        assert proxy.api_authorizations == []
        await asyncio.sleep(0.1)
        [message] = [m.message for m in client.messages]
        assert "`grok.baseUrl`" in message and "http://llm.lan" in message
        assert TEST_KEY not in message


async def test_a_plain_http_base_url_to_loopback_carries_the_key(
    start_client: StartClient, emulator: Emulator
) -> None:
    emulator.set_oracle(ORACLE)
    emulator.configure(requireApiKey=TEST_KEY)
    client = await start_client()
    uri = open_document(client, PARTIAL)
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 23))
    assert inserted(result) == [EXPECTED]
    assert emulator.base_url.startswith("http://127.0.0.1")
    await asyncio.sleep(0.1)
    assert not client.messages
