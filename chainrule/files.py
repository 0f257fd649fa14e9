"""Writing a file atomically (for saved models, pictures and pages): a temporary file in the same folder,
then ``os.replace``.

A failed or interrupted write leaves any old file untouched and no temporary file behind.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` all at once (readers see the old file or the new, never half).

    An existing file keeps its permissions; a new one gets ``rw-r--r--``.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, b"hello").read_bytes()
    b'hello'
    """
    path = Path(path)
    if not isinstance(data, bytes):
        raise TypeError(f"write_atomic needs bytes, got {type(data).__name__}")
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path
