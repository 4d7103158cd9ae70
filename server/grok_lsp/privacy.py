"""Which files are never sent upstream."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import PurePosixPath


def is_excluded(path: str, globs: Iterable[str]) -> bool:
    """Match each glob against the file name and against the path (`**/` style globs)."""
    posix = PurePosixPath(path)
    return any(fnmatchcase(posix.name, glob) or posix.match(glob) for glob in globs)
