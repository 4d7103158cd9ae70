"""Files never sent: `grok.exclude` with gitignore semantics, credential defaults whatever the
case, unsaved buffers by their name, and the ignore files of a workspace, re-read when they
change."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from grok_lsp.documents.ignorefiles import RECHECK_SECONDS
from tests.conftest import StartClient
from tests.support.emulator import Emulator
from tests.support.inline import inline_params
from tests.support.lsp import GrokClient, open_document
from tests.support.secrets import MARKER

TEXT = f"{MARKER} = 1\nimport os\nprint(os.name)\n"


async def sent(client: GrokClient, emulator: Emulator, uri: str) -> bool:
    """Whether a completion in the file at `uri` went upstream (with the file's text)."""
    before = emulator.stats()["requests"]
    open_document(client, TEXT, uri=uri)
    await client.text_document_inline_completion_async(inline_params(uri, 2, 5))
    if emulator.stats()["requests"] == before:
        return False
    messages = emulator.stats()["last_request"]["body"]["messages"]
    assert MARKER in "".join(message["content"] for message in messages)
    return True


CREDENTIAL_FILES = [
    "file:///work/.ENV",
    "file:///work/config/Prod.Env",
    "file:///work/prod.env",
    "untitled:.env",
    "file:///work/.ssh/id_ed25519",
    "file:///work/gcp/credentials.json",
    "file:///work/.npmrc",
    "file:///work/.netrc",
    "file:///work/.pgpass",
    "file:///work/certs/client.p12",
    "file:///work/certs/CLIENT.PFX",
    "file:///work/keys/deploy.ppk",
]


@pytest.mark.parametrize("uri", CREDENTIAL_FILES, ids=lambda uri: uri.rsplit("/", 1)[-1])
async def test_credential_files_are_never_sent_whatever_their_case(
    start_client: StartClient, emulator: Emulator, uri: str
) -> None:
    client = await start_client()
    assert not await sent(client, emulator, uri)
    assert await sent(client, emulator, "file:///work/app.py")  # (the server does send)


async def test_exclude_patterns_have_gitignore_semantics(
    start_client: StartClient, emulator: Emulator
) -> None:
    patterns = ["secrets/**", "build/", "/top.py", "!.env.example"]
    client = await start_client(settings={"completion": {"debounceMs": 0}, "exclude": patterns})
    for uri in (
        "file:///work/secrets/a/b/deep.py",
        "file:///work/build/x/y/gen.py",
        "file:///work/pkg/build/gen.py",
        "file:///work/top.py",
        "file:///work/.env",  # the defaults still hold
    ):
        assert not await sent(client, emulator, uri), uri
    for uri in (
        "file:///work/pkg/top.py",  # `/top.py` is anchored at the root
        "file:///work/src/secretsfile.py",  # not under a `secrets/` directory
        "file:///work/.env.example",  # taken back with `!`
    ):
        assert await sent(client, emulator, uri), uri


async def test_everything_excluded_sends_nothing(
    start_client: StartClient, emulator: Emulator
) -> None:
    client = await start_client(settings={"completion": {"debounceMs": 0}, "exclude": ["**/*"]})
    for uri in ("file:///work/main.py", "file:///work/src/deep/app.py", "untitled:Untitled-1"):
        assert not await sent(client, emulator, uri), uri
    assert emulator.stats()["requests"] == 0


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def test_the_ignore_files_of_ai_tools_are_honoured(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    root = tmp_path / "workspace"
    write(root / ".cursorignore", "private/\n")
    write(root / ".grokignore", "# ours\n*.secret.py\n")
    write(root / "sub" / ".aiexclude", "notes.py\n")
    write(root / ".aiignore", "vendor/**\n")
    client = await start_client(root_uri=root.as_uri())
    for relative in ("private/plan.py", "src/db.secret.py", "sub/x/notes.py", "vendor/a/b.py"):
        assert not await sent(client, emulator, (root / relative).as_uri()), relative
    for relative in ("notes.py", "src/app.py"):  # `sub/.aiexclude` covers `sub/` only
        assert await sent(client, emulator, (root / relative).as_uri()), relative


async def test_a_changed_gitignore_is_read_again(
    start_client: StartClient, emulator: Emulator, tmp_path: Path
) -> None:
    root = tmp_path / "workspace"
    gitignore = root / ".gitignore"
    write(gitignore, "generated.py\n")
    client = await start_client(
        settings={"completion": {"debounceMs": 0}, "excludeGitignored": True},
        root_uri=root.as_uri(),
    )
    generated = (root / "generated.py").as_uri()
    assert not await sent(client, emulator, generated)
    assert await sent(client, emulator, (root / "kept.py").as_uri())
    write(gitignore, "other.py\n")
    stamp = gitignore.stat().st_mtime_ns + 1_000_000_000  # a changed file, whatever the clock
    os.utime(gitignore, ns=(stamp, stamp))
    await asyncio.sleep(RECHECK_SECONDS + 0.1)  # (ignore files are checked once a second)
    assert await sent(client, emulator, generated)
    assert not await sent(client, emulator, (root / "other.py").as_uri())
