"""Private files written so that a crash or a power cut leaves the old file or the new one.

Keys, credentials, pulled bundles and report exports all go through here: write to a temporary
file (mode 0600) in the same folder, fsync it, rename or link it into place, and fsync the
folder so the rename itself is durable.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, data: bytes, *, replace: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically, mode 0600; returns whether ``path`` was written.

    ``replace=False`` never overwrites: if ``path`` exists (another process won a race to
    create the same key), it is kept and ``False`` is returned.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    written = True
    try:
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # link() refuses to replace an existing file
    except FileExistsError:
        written = False
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return written
