"""The built-in backends pass the public storage conformance suite."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from custody_core.adapters.storage.memory import MemoryStorage
from custody_core.adapters.storage.sqlite import open_sqlite
from custody_core.testing.conformance import StorageConformance, StorageMaker


class TestMemory(StorageConformance):
    @pytest.fixture
    def make_storage(self) -> StorageMaker:
        return MemoryStorage


class TestSQLite(StorageConformance):
    @pytest.fixture
    def make_storage(self, tmp_path: Path) -> StorageMaker:
        return lambda: open_sqlite(f"sqlite:///{tmp_path / uuid4().hex}.sqlite", {})
