"""PostgreSQL repositories of posted documents: receipts, shipments and reversals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any
from uuid import UUID

import psycopg

from custody_core.adapters.storage.cursors import dated_cursor, number_cursor, paged
from custody_core.adapters.storage.postgres.base import (
    Repository,
    Row,
    Where,
    guarded,
    insert_lines,
    load_lines,
    violated,
)
from custody_core.adapters.storage.postgres.codec import instant_out
from custody_core.domain.errors import DuplicateDocument
from custody_core.domain.ledger import DocumentKind
from custody_core.domain.lines import Line
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.receipts import Receipt
from custody_core.domain.reversals import Reversal, ReversalNote
from custody_core.domain.shipments import Shipment
from custody_core.ports.storage import DocumentQuery


def _filters(query: DocumentQuery, date_column: str, prefix: str = "") -> Where:
    """WHERE terms of a document query (the account is added by the caller)."""
    return (
        Where()
        .equal(f"{prefix}counterparty_id", query.counterparty_id)
        .equal(f"{prefix}warehouse_id", query.warehouse_id)
        .within(f"{prefix}{date_column}", query.date_from, query.date_to)
    )


#: The reversal `v` of a document, joined to it: its columns read by `_note`.
_REVERSAL_COLUMNS = "v.number, v.reversal_date, v.posted_at, v.reason, v.posted_by"
_REVERSAL_JOIN = "LEFT JOIN reversals v ON v.document_id = {0}.id AND v.account_id = {0}.account_id"


def _reversal_filter(where: Where, query: DocumentQuery) -> Where:
    """The query's `reversed` filter, over the joined reversal `v`."""
    if query.reversed is None:
        return where
    return where.add("v.id IS NOT NULL" if query.reversed else "v.id IS NULL")


def _note(row: Sequence[Any]) -> ReversalNote | None:
    """The reversal read by `_REVERSAL_COLUMNS`, None when the document is not reversed."""
    number, on, at, reason, by = row
    return None if number is None else ReversalNote(number, on, instant_out(at), reason, by)


class Receipts(Repository):
    _SELECT = (
        "SELECT d.id, d.account_id, d.number, d.document_date, d.counterparty_id, d.contract_id,"
        f" d.warehouse_id, d.posted_at, d.posted_by, {_REVERSAL_COLUMNS}"
        f" FROM documents d {_REVERSAL_JOIN.format('d')}"
    )

    def add(self, receipt: Receipt) -> None:
        r = receipt
        try:
            with guarded(self._db):
                self._db.execute(
                    "INSERT INTO documents (id, account_id, kind, counterparty_id, contract_id,"
                    " warehouse_id, number, document_date, document_year, posted_at, posted_by)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        r.id,
                        r.account_id,
                        r.kind.value,
                        r.counterparty_id,
                        r.contract_id,
                        r.warehouse_id,
                        r.number,
                        r.date,
                        r.year,
                        r.posted_at,
                        r.posted_by,
                    ),
                )
        except psycopg.errors.UniqueViolation as error:
            if violated(error) != "documents_unique_number":
                raise
            raise DuplicateDocument(
                kind=r.kind.value, number=r.number, year=r.year, counterparty=str(r.counterparty_id)
            ) from None
        insert_lines(self._db, "document_lines", "document_id", [(r.id, r.lines)])

    def get(self, account_id: UUID, receipt_id: UUID) -> Receipt | None:
        found = self._receipts("d.id = %s", account_id, receipt_id)
        return found[0] if found else None

    def by_number(
        self, account_id: UUID, counterparty_id: UUID, number: str, year: int
    ) -> Receipt | None:
        found = self._receipts(
            "d.counterparty_id = %s AND d.number = %s AND d.document_year = %s",
            account_id,
            counterparty_id,
            number,
            year,
        )
        return found[0] if found else None

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Receipt]:
        if query.order_id is not None:
            return Page(())
        where = _reversal_filter(_filters(query, "document_date", "d."), query)
        if page.after is not None:
            day, instant, key = dated_cursor(page.after)
            where.add(
                "(d.document_date, d.posted_at, d.id) > (%s::date, %s::timestamptz, %s::uuid)",
                day,
                instant,
                key,
            )
        found = self._receipts(str(where), account_id, *where.params, limit=page.limit + 1)
        return paged(found, page, _receipt_cursor)

    def _receipts(self, where: str, *params: object, limit: int | None = None) -> list[Receipt]:
        rows = self._all(
            f"{self._SELECT} WHERE d.account_id = %s AND d.kind = 'receipt' AND {where}"
            " ORDER BY d.document_date, d.posted_at, d.id LIMIT %s",
            *params,
            limit,
        )
        lines = load_lines(self._db, "document_lines", "document_id", [row[0] for row in rows])
        return [
            Receipt(
                id=id_,
                account_id=account,
                number=number,
                date=on,
                counterparty_id=cp,
                contract_id=contract,
                warehouse_id=wh,
                lines=lines.get(id_, ()),
                posted_at=instant_out(at),
                posted_by=by,
                reversal=_note(reversal),
            )
            for (id_, account, number, on, cp, contract, wh, at, by, *reversal) in rows
        ]


def _receipt_cursor(receipt: Receipt) -> str:
    instant = receipt.posted_at.astimezone(UTC).isoformat()
    return f"{receipt.date.isoformat()}|{instant}|{receipt.id}"


def _number(document: Shipment | Reversal) -> int:
    return document.number


class Shipments(Repository):
    _SELECT = (
        "SELECT s.id, s.account_id, s.number, s.shipment_date, s.order_id, o.number,"
        " s.counterparty_id, s.warehouse_id, s.posted_at, s.posted_by, s.recipient, s.address,"
        f" {_REVERSAL_COLUMNS} FROM shipments s JOIN orders o ON o.id = s.order_id"
        f" {_REVERSAL_JOIN.format('s')}"
    )

    def next_number(self, account_id: UUID) -> int:
        return self._next_number(account_id, "shipment")

    def add(self, shipment: Shipment) -> None:
        s = shipment
        self._db.execute(
            "INSERT INTO shipments (id, account_id, number, shipment_date, order_id,"
            " counterparty_id, warehouse_id, posted_at, posted_by, recipient, address)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                s.id,
                s.account_id,
                s.number,
                s.date,
                s.order_id,
                s.counterparty_id,
                s.warehouse_id,
                s.posted_at,
                s.posted_by,
                s.recipient,
                s.address,
            ),
        )
        insert_lines(self._db, "shipment_lines", "shipment_id", [(s.id, s.lines)], refused=False)
        insert_lines(self._db, "shipment_lines", "shipment_id", [(s.id, s.refused)], refused=True)

    def get(self, account_id: UUID, shipment_id: UUID) -> Shipment | None:
        found = self._shipments("s.id = %s", account_id, shipment_id)
        return found[0] if found else None

    def by_number(self, account_id: UUID, number: int) -> Shipment | None:
        found = self._shipments("s.number = %s", account_id, number)
        return found[0] if found else None

    def counterparty_of(self, account_id: UUID, number: int) -> UUID | None:
        row = self._one(
            "SELECT counterparty_id FROM shipments WHERE account_id = %s AND number = %s",
            account_id,
            number,
        )
        return None if row is None else row[0]

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Shipment]:
        where = (
            _filters(query, "shipment_date", "s.")
            .equal("s.order_id", query.order_id)
            .add("s.number > %s", number_cursor(page.after))
        )
        _reversal_filter(where, query)
        found = self._shipments(str(where), account_id, *where.params, limit=page.limit + 1)
        return paged(found, page, _number)

    def _shipments(self, where: str, *params: object, limit: int | None = None) -> list[Shipment]:
        rows = self._all(
            f"{self._SELECT} WHERE s.account_id = %s AND {where} ORDER BY s.number LIMIT %s",
            *params,
            limit,
        )
        ids = [row[0] for row in rows]
        handed = load_lines(self._db, "shipment_lines", "shipment_id", ids, "NOT l.refused")
        refused = load_lines(self._db, "shipment_lines", "shipment_id", ids, "l.refused")
        return [_shipment(row, handed, refused) for row in rows]


def _shipment(
    row: Row, handed: dict[UUID, tuple[Line, ...]], refused: dict[UUID, tuple[Line, ...]]
) -> Shipment:
    id_, account, number, on, order, order_number, cp, wh, at, by, recipient, address = row[:12]
    return Shipment(
        id=id_,
        account_id=account,
        number=number,
        date=on,
        order_id=order,
        order_number=order_number,
        counterparty_id=cp,
        warehouse_id=wh,
        lines=handed.get(id_, ()),
        refused=refused.get(id_, ()),
        posted_at=instant_out(at),
        posted_by=by,
        recipient=recipient,
        address=address,
        reversal=_note(row[12:]),
    )


class Reversals(Repository):
    _SELECT = (
        "SELECT id, account_id, number, reversal_date, document_kind, document_id,"
        " counterparty_id, warehouse_id, reason, posted_at, posted_by FROM reversals"
    )

    def next_number(self, account_id: UUID) -> int:
        return self._next_number(account_id, "reversal")

    def add(self, reversal: Reversal) -> None:
        r = reversal
        try:
            with guarded(self._db):
                self._db.execute(
                    "INSERT INTO reversals (id, account_id, number, reversal_date, document_kind,"
                    " document_id, counterparty_id, warehouse_id, reason, posted_at, posted_by)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        r.id,
                        r.account_id,
                        r.number,
                        r.date,
                        r.document_kind.value,
                        r.document_id,
                        r.counterparty_id,
                        r.warehouse_id,
                        r.reason,
                        r.posted_at,
                        r.posted_by,
                    ),
                )
        except psycopg.errors.UniqueViolation as error:
            if violated(error) != "reversals_once":
                raise
            raise DuplicateDocument(
                kind=r.kind.value,
                number=r.number,
                year=r.date.year,
                counterparty=str(r.counterparty_id),
            ) from None
        insert_lines(self._db, "reversal_lines", "reversal_id", [(r.id, r.lines)])

    def of_document(self, account_id: UUID, document_id: UUID) -> Reversal | None:
        found = self._reversals("document_id = %s", account_id, document_id)
        return found[0] if found else None

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Reversal]:
        if query.order_id is not None or query.reversed:
            return Page(())
        where = _filters(query, "reversal_date").add("number > %s", number_cursor(page.after))
        found = self._reversals(str(where), account_id, *where.params, limit=page.limit + 1)
        return paged(found, page, _number)

    def _reversals(self, where: str, *params: object, limit: int | None = None) -> list[Reversal]:
        rows = self._all(
            f"{self._SELECT} WHERE account_id = %s AND {where} ORDER BY number LIMIT %s",
            *params,
            limit,
        )
        lines = load_lines(self._db, "reversal_lines", "reversal_id", [row[0] for row in rows])
        return [
            Reversal(
                id=id_,
                account_id=account,
                number=number,
                date=on,
                document_kind=DocumentKind(kind),
                document_id=document,
                counterparty_id=cp,
                warehouse_id=wh,
                lines=lines.get(id_, ()),
                reason=reason,
                posted_at=instant_out(at),
                posted_by=by,
            )
            for id_, account, number, on, kind, document, cp, wh, reason, at, by in rows
        ]
