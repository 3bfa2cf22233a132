"""Data files only their owner may read: the database, its WAL and the secret key."""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o600


def create_private_file(path: Path) -> bool:
    """Create `path` empty and readable by its owner alone (and its folder, if new, owner-only
    too); False when it already exists, which is left as it is.

    An empty file is a valid empty SQLite database, and SQLite gives the database's WAL and
    shared-memory files the permissions of the database file.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        return False
    os.close(descriptor)
    os.chmod(path, OWNER_ONLY)  # whatever the umask said
    return True
