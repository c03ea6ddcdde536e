"""In-memory registry templates and import records."""

from __future__ import annotations

from uuid import UUID

from custody_core.adapters.storage.memory_access import MemoryRepository
from custody_core.domain import conflicts
from custody_core.domain.imports import RegistryImport
from custody_core.domain.registry import RegistryTemplate


class Templates(MemoryRepository):
    def get(self, account_id: UUID, name: str) -> RegistryTemplate | None:
        row = self._s.templates.get((account_id, name))
        return None if row is None else row[1]

    def put(self, account_id: UUID, template: RegistryTemplate) -> None:
        self._s.templates.put((account_id, template))

    def find_all(self, account_id: UUID) -> list[RegistryTemplate]:
        rows = self._s.templates.where(lambda row: row[0] == account_id)
        return sorted((row[1] for row in rows), key=lambda template: template.name)


class Imports(MemoryRepository):
    def lock(self, account_id: UUID, counterparty_id: UUID) -> None:
        """Nothing to do: a unit of work holds the whole storage."""

    def add(self, record: RegistryImport) -> None:
        if self._s.imports.get(record.id) is not None:
            raise conflicts.id_taken("registry import", record.id)
        self._s.imports.put(record)

    def with_hash(
        self, account_id: UUID, counterparty_id: UUID, file_hash: str
    ) -> list[RegistryImport]:
        found = self._s.imports.where(
            lambda r: (
                (r.account_id, r.counterparty_id, r.file_hash)
                == (account_id, counterparty_id, file_hash)
            )
        )
        return sorted(found, key=lambda record: record.imported_at)
