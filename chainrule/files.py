"""Writing a file atomically (for saved models, pictures and pages): a temporary file in the same folder,
then ``os.replace``.

A failed or interrupted write leaves any old file untouched and no temporary file behind. Symlinks are
followed, and special files (devices, FIFOs) are written through rather than replaced.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` all at once (readers see the old file or the new, never half).

    A symlink is followed: its target is replaced, the link stays. Anything that exists and is not
    a regular file (a FIFO, ``/dev/null``, a terminal) is written through, never replaced by a
    regular file. An existing file keeps its permissions; a new one gets ``rw-r--r--``.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, b"hello").read_bytes()
    b'hello'
    """
    path = Path(path)
    if not isinstance(data, bytes):
        raise TypeError(f"write_atomic needs bytes, got {type(data).__name__}")
    target = Path(os.path.realpath(path))  # through every symlink, so the link itself survives
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = stat.S_IFREG | 0o644
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    if not stat.S_ISREG(mode):  # a device, FIFO or socket: renaming over it would destroy it
        with open(target, "wb") as file:
            file.write(data)
        return path
    _replace(target, data, stat.S_IMODE(mode))
    return path


def _replace(target: Path, data: bytes, mode: int) -> None:
    """Write a temporary file beside ``target`` and rename it over ``target``."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=_temporary_prefix(target), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _temporary_prefix(target: Path) -> str:
    """``.name.`` (the temporary file says whose it is) when that fits in a file name, else a short
    ``.cr-``: mkstemp adds 8 characters and ``.tmp`` 4, and a legal 242-255 character name plus
    those 14 would be too long."""
    try:
        limit = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    prefix = f".{target.name}."
    return prefix if len(os.fsencode(prefix)) + 12 <= limit else ".cr-"
