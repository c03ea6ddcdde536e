"""PostgreSQL repositories of requisites and tariffs (jsonb bodies) and of form numbers."""

from __future__ import annotations

from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from custody_core.adapters.storage.postgres.base import Repository, guarded
from custody_core.adapters.storage.postgres.codec import instant_out
from custody_core.converter import make_converter
from custody_core.domain import conflicts
from custody_core.domain.forms import FormKind, IssuedForm
from custody_core.domain.requisites import Requisites
from custody_core.domain.tariffs import Tariff

_CONVERTER = make_converter()


class RequisitesStore(Repository):
    def get(self, account_id: UUID, party_id: UUID) -> Requisites | None:
        row = self._one(
            "SELECT body FROM requisites WHERE account_id = %s AND party_id = %s",
            account_id,
            party_id,
        )
        return None if row is None else _CONVERTER.structure(row[0], Requisites)

    def put(self, account_id: UUID, party_id: UUID, requisites: Requisites) -> None:
        self._db.execute(
            "INSERT INTO requisites (account_id, party_id, body) VALUES (%s, %s, %s)"
            " ON CONFLICT (account_id, party_id) DO UPDATE SET body = excluded.body",
            (account_id, party_id, Jsonb(_CONVERTER.unstructure(requisites))),
        )


class Tariffs(Repository):
    """A tariff without a counterparty is the account's default one."""

    def get(self, account_id: UUID, counterparty_id: UUID | None) -> Tariff | None:
        row = self._one(
            "SELECT body FROM tariffs WHERE account_id = %s"
            " AND counterparty_id IS NOT DISTINCT FROM %s::uuid",
            account_id,
            counterparty_id,
        )
        return None if row is None else _CONVERTER.structure(row[0], Tariff)

    def put(self, tariff: Tariff) -> None:
        self._db.execute(
            "INSERT INTO tariffs (account_id, counterparty_id, body) VALUES (%s, %s, %s)"
            " ON CONFLICT ON CONSTRAINT tariffs_one_per_party DO UPDATE SET body = excluded.body",
            (tariff.account_id, tariff.counterparty_id, Jsonb(_CONVERTER.unstructure(tariff))),
        )


class FormNumbers(Repository):
    def get(self, account_id: UUID, kind: FormKind, source: str) -> IssuedForm | None:
        row = self._one(
            "SELECT year, number, issued_at, issued_by FROM form_numbers"
            " WHERE account_id = %s AND kind = %s AND source = %s",
            account_id,
            kind.value,
            source,
        )
        if row is None:
            return None
        year, number, issued_at, issued_by = row
        return IssuedForm(account_id, kind, source, year, number, instant_out(issued_at), issued_by)

    def next_number(self, account_id: UUID, kind: FormKind, year: int) -> int:
        """Numbers run without gaps, so concurrent writers of one kind and year take them
        one after another: the lock is held until the unit of work ends."""
        self._lock("form_number", account_id, kind.value, year)
        row = self._one(
            "SELECT coalesce(max(number), 0) + 1 FROM form_numbers"
            " WHERE account_id = %s AND kind = %s AND year = %s",
            account_id,
            kind.value,
            year,
        )
        assert row is not None
        return int(row[0])

    def add(self, issued: IssuedForm) -> None:
        try:
            with guarded(self._db):
                self._db.execute(
                    "INSERT INTO form_numbers"
                    " (account_id, kind, source, year, number, issued_at, issued_by)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (
                        issued.account_id,
                        issued.kind.value,
                        issued.source,
                        issued.year,
                        issued.number,
                        issued.issued_at,
                        issued.issued_by,
                    ),
                )
        except psycopg.errors.UniqueViolation:
            raise conflicts.form_issued(issued.kind, issued.number, issued.year) from None
