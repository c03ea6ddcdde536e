"""PostgreSQL repositories of registry templates (jsonb bodies) and import records."""

from __future__ import annotations

from uuid import UUID

from psycopg.types.json import Jsonb

from custody_core.adapters.storage.postgres.base import Repository, Row, lock_key, lock_keys
from custody_core.adapters.storage.postgres.codec import instant_out
from custody_core.domain.imports import RegistryImport
from custody_core.domain.registry import RegistryTemplate, template_from_data, template_to_data


class Templates(Repository):
    def get(self, account_id: UUID, name: str) -> RegistryTemplate | None:
        row = self._one(
            "SELECT body FROM registry_templates WHERE account_id = %s AND name = %s",
            account_id,
            name,
        )
        return None if row is None else template_from_data(row[0])

    def put(self, account_id: UUID, template: RegistryTemplate) -> None:
        self._db.execute(
            "INSERT INTO registry_templates (account_id, name, body) VALUES (%s, %s, %s)"
            " ON CONFLICT (account_id, name) DO UPDATE SET body = excluded.body",
            (account_id, template.name, Jsonb(template_to_data(template))),
        )

    def find_all(self, account_id: UUID) -> list[RegistryTemplate]:
        rows = self._all(
            "SELECT body FROM registry_templates WHERE account_id = %s ORDER BY name", account_id
        )
        return [template_from_data(row[0]) for row in rows]


class Imports(Repository):
    def lock(self, account_id: UUID, counterparty_id: UUID) -> None:
        lock_keys(self._db, [lock_key("registry", account_id, counterparty_id)])

    def add(self, record: RegistryImport) -> None:
        r = record
        self._db.execute(
            "INSERT INTO registry_imports (id, account_id, counterparty_id, template, file_name,"
            " file_hash, imported_at, imported_by, orders_created)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                r.id,
                r.account_id,
                r.counterparty_id,
                r.template,
                r.file_name,
                r.file_hash,
                r.imported_at,
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
            " WHERE account_id = %s AND counterparty_id = %s AND file_hash = %s"
            " ORDER BY imported_at",
            account_id,
            counterparty_id,
            file_hash,
        )
        return [_record(row) for row in rows]


def _record(row: Row) -> RegistryImport:
    id_, account, counterparty, template, name, digest, at, by, created = row
    return RegistryImport(
        id=id_,
        account_id=account,
        counterparty_id=counterparty,
        template=template,
        file_name=name,
        file_hash=digest,
        imported_at=instant_out(at),
        imported_by=by,
        orders_created=created,
    )
