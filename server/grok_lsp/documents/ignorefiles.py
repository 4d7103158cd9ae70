"""The ignore files in a workspace, read with gitignore semantics and re-read when they change.

Each ignore file applies to the files below its directory, as `.gitignore` does, a deeper one
overriding a shallower one of the same kind. Besides `.gitignore` (with
`grok.excludeGitignored`; the repository's `.git/info/exclude` with it), the files that users
of AI tools keep are honoured always: `.grokignore` for grok-lsp itself, and those of Gemini
Code Assist (`.aiexclude`), JetBrains AI Assistant (`.aiignore`), Cursor (`.cursorignore`),
Windsurf / Codeium (`.codeiumignore`) and aider (`.aiderignore`).
A file is read once per change: its modification time and size are checked at most once a
second (a completion request judges every open file, and most ignore files do not exist).
"""

from __future__ import annotations

import os
import time
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from grok_lsp.privacy import spec, verdict

if TYPE_CHECKING:  # built by `privacy.spec`, after `initialize` is answered
    from pathspec import GitIgnoreSpec

AI_IGNORE_FILES = (
    ".grokignore",
    ".aiexclude",
    ".aiignore",
    ".cursorignore",
    ".codeiumignore",
    ".aiderignore",
)
GITIGNORE = ".gitignore"
_MAX_IGNORE_FILE = 1_000_000  # bytes; a larger "ignore file" is not one
RECHECK_SECONDS = 1.0
_MAX_ANSWERS = 4096  # files remembered (all are forgotten past it)
_ABSENT = (-1, -1)


class IgnoreFiles:
    def __init__(self) -> None:
        # path -> (when checked, (modification time, size) or _ABSENT, patterns) as last read
        self._read: dict[str, tuple[float, tuple[int, int], GitIgnoreSpec | None]] = {}
        # (root, relative, gitignored) -> (when answered, the answer)
        self._answers: dict[tuple[str, str, bool], tuple[float, str | None]] = {}

    def ignored_by(
        self, root: str, relative: str, *, gitignored: bool, fold_case: bool
    ) -> str | None:
        """The name of the ignore files under `root` that cover `relative` (`/`-separated,
        inside it), if any do."""
        now = time.monotonic()
        known = self._answers.get((root, relative, gitignored))
        if known is not None and now - known[0] < RECHECK_SECONDS:
            return known[1]
        if len(self._answers) > _MAX_ANSWERS:
            self._answers.clear()
        answer = self._ignored_by(root, relative, gitignored, fold_case)
        self._answers[root, relative, gitignored] = (now, answer)
        return answer

    def _ignored_by(
        self, root: str, relative: str, gitignored: bool, fold_case: bool
    ) -> str | None:
        parts = PurePosixPath(relative).parts
        names = (*AI_IGNORE_FILES, GITIGNORE) if gitignored else AI_IGNORE_FILES
        for name in names:
            found: bool | None = None
            if name == GITIGNORE:
                found = self._verdict(
                    os.path.join(root, ".git", "info", "exclude"), relative, fold_case
                )
            for depth in range(len(parts)):
                directory = os.path.join(root, *parts[:depth])
                below = "/".join(parts[depth:])
                said = self._verdict(os.path.join(directory, name), below, fold_case)
                found = found if said is None else said
            if found:
                return name
        return None

    def _verdict(self, ignore_file: str, path: str, fold_case: bool) -> bool | None:
        patterns = self._patterns(ignore_file, fold_case)
        return None if patterns is None else verdict(patterns, path, fold_case)

    def _patterns(self, ignore_file: str, fold_case: bool) -> GitIgnoreSpec | None:
        now = time.monotonic()
        known = self._read.get(ignore_file)
        if known is not None and now - known[0] < RECHECK_SECONDS:
            return known[2]
        try:
            status = os.stat(ignore_file)
            stamp = (status.st_mtime_ns, status.st_size)
        except OSError:
            stamp = _ABSENT
        if known is not None and known[1] == stamp:
            self._read[ignore_file] = (now, stamp, known[2])
            return known[2]
        patterns = None
        if stamp != _ABSENT and stamp[1] <= _MAX_IGNORE_FILE:
            try:
                with open(ignore_file, encoding="utf-8", errors="replace") as lines:
                    patterns = spec(tuple(lines.read().splitlines()), fold_case)
            except OSError:
                patterns = None
        self._read[ignore_file] = (now, stamp, patterns)
        return patterns
