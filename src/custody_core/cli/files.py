"""Writing a file a command was asked for: whole or not at all, and never over an existing
file or through a symlink unless the user asked (`--force`).

The content goes to a new temporary file next to the target (created with O_EXCL and
O_NOFOLLOW, so no symlink planted there is followed), then it is put in place at once: by
a hard link, which never replaces anything, or with `--force` by a rename, which
replaces the target itself (a symlink is replaced, not followed).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from custody_core.cli.errors import InputError
from custody_core.domain.errors import file_cause

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def write_new_file(target: Path, content: bytes, *, force: bool = False) -> None:
    """Put `content` at `target`; InputError if `target` exists (unless `force`) or
    cannot be written."""
    if not target.parent.is_dir():
        raise InputError("no_folder", path=target.parent)
    if not force and os.path.lexists(target):
        raise InputError("file_exists", path=target)
    partial = target.parent / f".{target.name}.{secrets.token_hex(8)}.partial"
    try:
        handle = os.open(partial, _NEW, 0o666)
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        _put_in_place(partial, target, force=force)
    except OSError as error:
        raise InputError(
            "cannot_write", path=target, cause=file_cause(error, writing=True)
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def _put_in_place(partial: Path, target: Path, *, force: bool) -> None:
    if force:
        os.replace(partial, target)
        return
    try:
        os.link(partial, target)
    except FileExistsError:
        raise InputError("file_exists", path=target) from None
    except OSError:  # a file system without hard links: check, then rename
        if os.path.lexists(target):
            raise InputError("file_exists", path=target) from None
        os.replace(partial, target)
