"""Atomic file writes for nn (which may not import viz): a temp file beside the target, then os.replace."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that a failure leaves any old file intact and no temp file behind."""
    target = Path(path)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, mode)  # mkstemp makes it private: keep the old mode, else rw-r--r--
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target

