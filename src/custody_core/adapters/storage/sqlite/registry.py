"""SQLite repositories of registry templates (JSON bodies) and import records."""

from __future__ import annotations

import json
from uuid import UUID

from custody_core.adapters.storage.sqlite.base import Repository, Row
from custody_core.adapters.storage.sqlite.codec import instant_in, instant_out, uid, uid_out
from custody_core.domain.imports import RegistryImport
from custody_core.domain.registry import RegistryTemplate, template_from_data, template_to_data


class Templates(Repository):
    def get(self, account_id: UUID, name: str) -> RegistryTemplate | None:
        row = self._one(
            "SELECT body FROM registry_templates WHERE account_id = ? AND name = ?",
            uid(account_id),
            name,
        )
        return None if row is None else template_from_data(json.loads(str(row[0])))

    def put(self, account_id: UUID, template: RegistryTemplate) -> None:
        self._db.execute(
            "INSERT INTO registry_templates (account_id, name, body) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, name) DO UPDATE SET body = excluded.body",
            (uid(account_id), template.name, json.dumps(template_to_data(template))),
        )

    def find_all(self, account_id: UUID) -> list[RegistryTemplate]:
        rows = self._all(
            "SELECT body FROM registry_templates WHERE account_id = ? ORDER BY name",
            uid(account_id),
        )
        return [template_from_data(json.loads(str(row[0]))) for row in rows]


class Imports(Repository):
    def lock(self, account_id: UUID, counterparty_id: UUID) -> None:
        """Nothing to do: a writing unit holds the database's only write lock."""

    def add(self, record: RegistryImport) -> None:
        r = record
        self._db.execute(
            "INSERT INTO registry_imports (id, account_id, counterparty_id, template, file_name,"
            " file_hash, imported_at, imported_by, orders_created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid(r.id),
                uid(r.account_id),
                uid(r.counterparty_id),
                r.template,
                r.file_name,
                r.file_hash,
                instant_in(r.imported_at),
                r.imported_by,
                r.orders_created,
            ),
        )

    def with_hash(
        self, account_id: UUID, counterparty_id: UUID, file_hash: str
    ) -> list[RegistryImport]:
        rows = self._all(
            "SELECT id, account_id, counterparty_id, template, file_name, file_hash, imported_at,"
            " imported_by, orders_created FROM registry_imports"
            " WHERE account_id = ? AND counterparty_id = ? AND file_hash = ? ORDER BY imported_at",
            uid(account_id),
            uid(counterparty_id),
            file_hash,
        )
        return [_record(row) for row in rows]


def _record(row: Row) -> RegistryImport:
    id_, account, counterparty, template, name, digest, at, by, created = row
    return RegistryImport(
        id=uid_out(str(id_)),
        account_id=uid_out(str(account)),
        counterparty_id=uid_out(str(counterparty)),
        template=str(template),
        file_name=str(name),
        file_hash=str(digest),
        imported_at=instant_out(str(at)),
        imported_by=str(by),
        orders_created=int(str(created)),
    )
