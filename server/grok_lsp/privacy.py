"""What may leave the machine: which files are never sent, and where the key is never sent.

Exclusion patterns have `.gitignore` syntax and meaning (the `pathspec` library): a pattern
without a slash matches a name at any depth, `dir/` everything under it, `**` any number of
directories, `!pattern` takes a file back. The credential defaults are matched ignoring case
always (`.ENV` is `.env` on a case-insensitive disk, and a secret either way); the user's
patterns and ignore files ignore case where the workspace's file system does.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

from grok_lsp.provider.urls import scheme_and_host

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

# Credential files, never sent whatever `grok.exclude` says (unless it takes one back with
# `!`): environment files, private keys and keystores, and the credential stores of common
# tools.
DEFAULT_EXCLUDE = (
    ".env*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.ppk",
    "*.gpg",
    "*.asc",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "secrets.*",
    "credentials",
    "credentials.json",
    "*.tfvars",
    ".npmrc",
    ".pypirc",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".git-credentials",
    ".htpasswd",
    ".dockercfg",
    ".docker/config.json",
    ".kube/config",
)


@lru_cache(maxsize=256)
def spec(patterns: tuple[str, ...], fold_case: bool) -> GitIgnoreSpec:
    # Here, not at the top: the documents load this module before `initialize` is answered,
    # and pathspec takes ~14 ms to import; nothing is judged before a request is sent.
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines([p.lower() for p in patterns] if fold_case else patterns)


def verdict(patterns: GitIgnoreSpec, path: str, fold_case: bool) -> bool | None:
    """True: excluded; False: taken back by a `!` pattern; None: no pattern matches."""
    return patterns.check_file(path.lower() if fold_case else path).include


@lru_cache(maxsize=4096)  # (every open file is judged again for every completion request)
def is_excluded(path: str, user_patterns: tuple[str, ...], *, fold_case: bool) -> bool:
    """`path` (relative to the workspace, `/`-separated) by `grok.exclude`, then the defaults."""
    said = verdict(spec(user_patterns, fold_case), path, fold_case)
    if said is not None:
        return said
    return bool(verdict(spec(DEFAULT_EXCLUDE, True), path, True))


@lru_cache(maxsize=64)
def folds_case(directory: str) -> bool:
    """Whether the file system holding `directory` ignores case (macOS and Windows do by
    default): the same directory is found under its name in the other case."""
    flipped = directory.swapcase()
    if flipped == directory or not os.path.isdir(directory):
        return sys.platform in ("darwin", "win32")
    try:
        return os.path.samefile(directory, flipped)
    except OSError:
        return False


def key_in_clear(base_url: str) -> bool:
    """Whether a key sent to `base_url` would cross a network unencrypted: plain `http://` to
    a host that is not this machine."""
    read = scheme_and_host(base_url)
    if read is None:
        return False  # (the client built on it says what is wrong)
    scheme, host = read
    if scheme != "http":
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name: it may resolve anywhere
