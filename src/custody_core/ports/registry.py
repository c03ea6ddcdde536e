"""Storage of registry templates and of the imports made with them."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from custody_core.domain.imports import RegistryImport
from custody_core.domain.registry import RegistryTemplate


class TemplateRepository(Protocol):
    def get(self, account_id: UUID, name: str) -> RegistryTemplate | None: ...
    def put(self, account_id: UUID, template: RegistryTemplate) -> None:
        """Store `template`, replacing the account's template of the same name."""
        ...

    def find_all(self, account_id: UUID) -> list[RegistryTemplate]:
        """The account's templates by name."""
        ...


class ImportRepository(Protocol):
    def lock(self, account_id: UUID, counterparty_id: UUID) -> None:
        """Hold the counterparty's registry imports until the unit of work ends: another
        import storing for it waits here, then reads what this one stored. A backend whose
        writing units never overlap has nothing to do."""
        ...

    def add(self, record: RegistryImport) -> None: ...
    def with_hash(
        self, account_id: UUID, counterparty_id: UUID, file_hash: str
    ) -> list[RegistryImport]:
        """Earlier imports of a file with this content hash, oldest first."""
        ...
