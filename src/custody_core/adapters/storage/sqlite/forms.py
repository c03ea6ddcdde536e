"""SQLite repositories of requisites and tariffs (JSON bodies) and of form numbers."""

from __future__ import annotations

import json
import sqlite3
from uuid import UUID

from custody_core.adapters.storage.sqlite.base import Repository
from custody_core.adapters.storage.sqlite.codec import instant_in, instant_out, uid
from custody_core.converter import make_converter
from custody_core.domain import conflicts
from custody_core.domain.forms import FormKind, IssuedForm
from custody_core.domain.requisites import Requisites
from custody_core.domain.tariffs import Tariff

_CONVERTER = make_converter()


class RequisitesStore(Repository):
    def get(self, account_id: UUID, party_id: UUID) -> Requisites | None:
        row = self._one(
            "SELECT body FROM requisites WHERE account_id = ? AND party_id = ?",
            uid(account_id),
            uid(party_id),
        )
        if row is None:
            return None
        return _CONVERTER.structure(json.loads(str(row[0])), Requisites)

    def put(self, account_id: UUID, party_id: UUID, requisites: Requisites) -> None:
        self._db.execute(
            "INSERT INTO requisites (account_id, party_id, body) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, party_id) DO UPDATE SET body = excluded.body",
            (uid(account_id), uid(party_id), json.dumps(_CONVERTER.unstructure(requisites))),
        )


class Tariffs(Repository):
    def get(self, account_id: UUID, counterparty_id: UUID | None) -> Tariff | None:
        row = self._one(
            "SELECT body FROM tariffs WHERE account_id = ? AND counterparty_id = ?",
            uid(account_id),
            _party(counterparty_id),
        )
        return None if row is None else _CONVERTER.structure(json.loads(str(row[0])), Tariff)

    def put(self, tariff: Tariff) -> None:
        self._db.execute(
            "INSERT INTO tariffs (account_id, counterparty_id, body) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, counterparty_id) DO UPDATE SET body = excluded.body",
            (
                uid(tariff.account_id),
                _party(tariff.counterparty_id),
                json.dumps(_CONVERTER.unstructure(tariff)),
            ),
        )


class FormNumbers(Repository):
    def get(self, account_id: UUID, kind: FormKind, source: str) -> IssuedForm | None:
        row = self._one(
            "SELECT year, number, issued_at, issued_by FROM form_numbers"
            " WHERE account_id = ? AND kind = ? AND source = ?",
            uid(account_id),
            kind.value,
            source,
        )
        if row is None:
            return None
        year, number, issued_at, issued_by = row
        return IssuedForm(
            account_id,
            kind,
            source,
            int(str(year)),
            int(str(number)),
            instant_out(str(issued_at)),
            str(issued_by),
        )

    def next_number(self, account_id: UUID, kind: FormKind, year: int) -> int:
        row = self._one(
            "SELECT coalesce(max(number), 0) + 1 FROM form_numbers"
            " WHERE account_id = ? AND kind = ? AND year = ?",
            uid(account_id),
            kind.value,
            year,
        )
        assert row is not None
        return int(str(row[0]))

    def add(self, issued: IssuedForm) -> None:
        try:
            self._db.execute(
                "INSERT INTO form_numbers"
                " (account_id, kind, source, year, number, issued_at, issued_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    uid(issued.account_id),
                    issued.kind.value,
                    issued.source,
                    issued.year,
                    issued.number,
                    instant_in(issued.issued_at),
                    issued.issued_by,
                ),
            )
        except sqlite3.IntegrityError:
            raise conflicts.form_issued(issued.kind, issued.number, issued.year) from None


def _party(counterparty_id: UUID | None) -> str:
    """The key column of a tariff: the counterparty, or '' for the account's default."""
    return "" if counterparty_id is None else uid(counterparty_id)
