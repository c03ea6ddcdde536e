"""A custody-core storage plugin: `pickle:///path/to/file` keeps everything in memory
and writes it to that one file, atomically, whenever a unit of work commits.

It reuses the built-in memory backend (its repositories, units of work and
rollback journal) and adds only persistence: the memory backend's tables are
loaded when the file is opened and saved by `commit()`. Only one process may
use a file at a time, and pickle runs code while loading, so open only files
this backend wrote.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import custody_core
from custody_core.adapters.storage.memory import MemoryStorage, MemoryUnitOfWork
from custody_core.domain.errors import CorruptStorage, StorageError
from custody_core.plugins import StorageRegistry, reject_unknown_options

PREFIX = "pickle:///"
#: Marks the file as this backend's, in this layout.
FORMAT = "custody-pickle 1"
#: The memory backend's append-only logs; its other state is tables of rows.
LOGS = ("movements", "audit")


class PickleStorage(MemoryStorage):
    """The memory backend, loaded from `path` when opened and saved to it on commit."""

    def __init__(self, url: str, path: Path) -> None:
        super().__init__(url)
        self.path = path
        if path.exists():
            self._load()

    def unit_of_work(self, read_only: bool = False) -> PickleUnitOfWork:
        return PickleUnitOfWork(self, read_only)

    def _tables(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if hasattr(value, "rows")}

    def save(self) -> None:
        """Write every row to a new file beside `path`, then rename it over `path`."""
        state = {name: list(table.rows.values()) for name, table in self._tables().items()}
        state.update({log: list(getattr(self, log)) for log in LOGS})
        data = pickle.dumps((FORMAT, state), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            write_atomically(self.path, data)
        except OSError as error:
            raise StorageError(
                "storage.unavailable", location=str(self.path), reason=str(error)
            ) from error

    def _load(self) -> None:
        try:
            marker, state = pickle.loads(self.path.read_bytes())  # noqa: S301 (our own file)
        except Exception as error:  # a foreign or damaged file fails in any number of ways
            raise CorruptStorage(location=str(self.path), reason=str(error)) from error
        if marker != FORMAT:
            raise CorruptStorage(location=str(self.path), reason=f"expected {FORMAT!r}")
        tables = self._tables()
        # Through a unit of work of the memory backend, so that the unique indexes are rebuilt.
        with super().unit_of_work() as uow:
            for name, rows in state.items():
                if name in LOGS:
                    getattr(self, name).extend(rows)
                else:
                    for row in rows:
                        tables[name].put(row)
            uow.commit()


class PickleUnitOfWork(MemoryUnitOfWork):
    def __init__(self, storage: PickleStorage, read_only: bool = False) -> None:
        super().__init__(storage, read_only)
        self._pickled = storage
        self._writes = not read_only

    def commit(self) -> None:
        # Saved first: if writing fails, the unit of work still rolls back in memory.
        if self._writes:
            self._pickled.save()
        super().commit()


def write_atomically(path: Path, data: bytes) -> None:
    """Whoever opens `path` finds the old file or the new one, never half of one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def open_pickle(url: str, options: Mapping[str, Any]) -> PickleStorage:
    """Open `pickle:///relative/path` or `pickle:////absolute/path`; no options."""
    reject_unknown_options(options, ())
    path = Path(url.removeprefix(PREFIX))
    if not url.startswith(PREFIX) or url == PREFIX or path.is_dir():
        raise StorageError("storage.bad_url", url=url, reason="expected pickle:///path/to/file")
    if not path.parent.is_dir():
        raise StorageError("storage.bad_url", url=url, reason=f"folder {path.parent} is missing")
    return PickleStorage(url, path)


class PicklePlugin:
    @custody_core.hookimpl
    def custody_register_storage(self, register: StorageRegistry) -> None:
        register("pickle", open_pickle)


plugin = PicklePlugin()
