"""What a prompt carries of a file holding credentials: none of them, in any part, whatever the
cursor, the cut or the file's shape; the cursor marker always."""

from __future__ import annotations

import pytest
from lsprotocol import types as t

from grok_lsp.completions.postprocess import CURSOR_MARKER
from grok_lsp.redaction import PLACEHOLDER
from tests.conftest import StartClient
from tests.support.emulator import Emulator
from tests.support.inline import inline_params
from tests.support.lsp import open_document


def fragments(secret: str, size: int = 8) -> set[str]:
    """Every piece of `secret` this long: none may reach a prompt."""
    return {secret[at : at + size] for at in range(len(secret) - size + 1)}


def tail_of(emulator: Emulator) -> str:
    """The last message of the last prompt: the one with the cursor region."""
    content: str = emulator.stats()["last_request"]["body"]["messages"][-1]["content"]
    return content


def leaked(secret: str, prompt: str) -> list[str]:
    return sorted(piece for piece in fragments(secret) if piece in prompt)


async def complete_at(start_client: StartClient, text: str, line: int, column: int) -> str:
    client = await start_client()
    uri = open_document(client, text)
    await client.text_document_inline_completion_async(inline_params(uri, line, column))
    return uri


IN_CALL = {
    "xai": "xai-zymMq1w2E3r4T5y6U7i8O9p0RSIfAaSsDdFf",
    "github": "ghp_zymMabcdefghijklmnopqrstuvwxyz012345",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "anthropic": "sk-ant-api03-zymMabcdefghijklmnopqrstuvwx",
}


@pytest.mark.parametrize("secret", IN_CALL.values(), ids=IN_CALL.keys())
async def test_a_cursor_inside_a_key_splits_nothing_and_stays(
    start_client: StartClient, emulator: Emulator, secret: str
) -> None:
    line = f'client = Client("{secret}")'
    column = line.index(secret) + len(secret) // 2
    await complete_at(start_client, f"import os\n{line}\nprint(client)\n", 1, column)
    prompt = emulator.prompt()
    assert leaked(secret, prompt) == []
    assert tail_of(emulator).count(CURSOR_MARKER) == 1
    assert f'Client("{PLACEHOLDER}{CURSOR_MARKER}")' in prompt


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('password = "tr0ub4dor&3-horse"', "tr0ub4dor&3-horse"),
        ("DATABASE = 'postgres://app:s3cr3t-pass@db:5432/app'", "s3cr3t-pass"),
    ],
    ids=["assignment", "url"],
)
async def test_a_cursor_inside_an_assigned_secret_keeps_its_marker(
    start_client: StartClient, emulator: Emulator, line: str, secret: str
) -> None:
    column = line.index(secret) + 4
    await complete_at(start_client, f"import os\n{line}\nprint(1)\n", 1, column)
    prompt = emulator.prompt()
    assert secret[:4] not in prompt.split("<cursor_region", 1)[1] and secret[4:] not in prompt
    assert tail_of(emulator).count(CURSOR_MARKER) == 1
    assert PLACEHOLDER + CURSOR_MARKER in prompt


HELD_KEY = "k-live-unshaped-0123456789abcdefXYZ"  # no credential shape: known only as held
VERBATIM = {
    "stripe": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "stripe-restricted": "rk_live_51H8zQabcdefghijklmnopqrstuv",
    "gitlab": "glpat-Xy7wQ9zR2kL5mN8pT3vB",
    "huggingface": "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
    "npm": "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "sendgrid": "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",
    "azure": "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBe==",
    "aws-secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "yaml-password": "s3cr3tP4ss!word",
    "env-password": "hunter2hunter2",
    "held-key": HELD_KEY,
    "xai-comment": "xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "pgp": "lQOYBGXyZ0sBCADMb4kPfx0secretpgpbody",
    "putty": "AAAAIBsecretputtyprivatebody0123",
}
WITH_VERBATIM = (
    "import os\n"
    "# deploy notes\n"
    f"STRIPE = '{VERBATIM['stripe']}'\n"
    f"RESTRICTED = {VERBATIM['stripe-restricted']}\n"
    f"GITLAB = '{VERBATIM['gitlab']}'\n"
    f"HF = '{VERBATIM['huggingface']}'\n"
    f"NPM = '{VERBATIM['npm']}'\n"
    f"SENDGRID = '{VERBATIM['sendgrid']}'\n"
    "AZURE = 'DefaultEndpointsProtocol=https;AccountName=demo;"
    f"AccountKey={VERBATIM['azure']};EndpointSuffix=core.windows.net'\n"
    '"""\n'
    "[default]\n"
    f"aws_secret_access_key = {VERBATIM['aws-secret']}\n"
    "db:\n"
    f"  password: {VERBATIM['yaml-password']}\n"
    f"DB_PASSWORD={VERBATIM['env-password']}\n"
    f"# the grok key: {HELD_KEY}\n"
    f"# export XAI_API_KEY={VERBATIM['xai-comment']}\n"
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n"
    "\n"
    f"{VERBATIM['pgp']}\n"
    "-----END PGP PRIVATE KEY BLOCK-----\n"
    "PuTTY-User-Key-File-3: ssh-ed25519\n"
    "Encryption: none\n"
    "Public-Lines: 1\n"
    "AAAAC3NzaC1lZDI1NTE5AAAAIPublicHalf\n"
    "Private-Lines: 1\n"
    f"{VERBATIM['putty']}\n"
    "Private-MAC: 8f2a9b1c0d3e4f5a\n"
    '"""\n'
    "\n"
    "\n"
    "def main():\n"
    "    print(os.environ)\n"
)


async def test_every_kind_of_credential_is_masked(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings={"completion": {"debounceMs": 0}, "apiKey": HELD_KEY})
    uri = open_document(client, WITH_VERBATIM)
    last = WITH_VERBATIM.count("\n") - 1
    await client.text_document_inline_completion_async(inline_params(uri, last, 10))
    prompt = emulator.prompt()
    for name, secret in VERBATIM.items():
        assert leaked(secret, prompt) == [], name
    assert "def main():" in prompt and "AccountName=demo" in prompt  # the rest is there


TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ456789"


async def test_a_token_at_the_snapshots_cut_is_not_half_sent(
    start_client: StartClient, emulator: Emulator
) -> None:
    budget_chars = 512 * 3  # prompt.budgetTokens 512, three characters a token
    cut = budget_chars * 6 // 10  # the snapshot's share
    head = "".join(f"value_{n:03} = {n}\n" for n in range(cut // 16))
    head += "#" * (cut - len(head) - 20) + "\n"
    text = head + f'TOKEN = "{TOKEN}"\n' + "".join(f"tail_{n} = {n}\n" for n in range(60))
    assert text.index(TOKEN) < cut < text.index(TOKEN) + len(TOKEN)
    client = await start_client(
        settings={"completion": {"debounceMs": 0}, "prompt": {"budgetTokens": 512}}
    )
    uri = open_document(client, text)
    await client.text_document_inline_completion_async(inline_params(uri, 1, 5))
    prompt = emulator.prompt()
    assert "value_000" in prompt  # the snapshot was sent, cut
    assert leaked(TOKEN, prompt) == []


MINIFIED_CHARS = 3_800_000


async def test_a_minified_one_line_file_sends_a_prompt_within_its_budget(
    start_client: StartClient, emulator: Emulator
) -> None:
    """3.8 MB on one line (under the 4 M limit): the cursor region and the edits since the
    snapshot are cut around the cursor too, not sent whole."""
    unit = "function f(a){return a+1};var x=[1,2,3];"
    text = unit * (MINIFIED_CHARS // len(unit))
    client = await start_client()
    uri = open_document(client, text)
    middle = len(text) // 2
    await client.text_document_inline_completion_async(inline_params(uri, 0, middle))
    budget_chars = 16000 * 3  # the default prompt.budgetTokens
    assert len(emulator.prompt()) < budget_chars
    assert CURSOR_MARKER in tail_of(emulator)
    edit = t.TextDocumentContentChangePartial(
        t.Range(t.Position(0, middle), t.Position(0, middle)), "var y=2;"
    )
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(t.VersionedTextDocumentIdentifier(2, uri), [edit])
    )
    await client.text_document_inline_completion_async(inline_params(uri, 0, middle + 8))
    prompt = emulator.prompt()
    assert "var y=2;" + CURSOR_MARKER in prompt and "<edits_since_snapshot>" in prompt
    assert len(prompt) < budget_chars
