"""Conformance of documents: receipts, shipments and their reversals."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from attrs import evolve

from custody_core.domain.errors import DuplicateDocument
from custody_core.domain.paging import PageRequest
from custody_core.domain.reversals import ReversalNote
from custody_core.ports.storage import DocumentQuery, StorageBackend
from custody_core.testing.conformance.world import NOW, _World


class DocumentsConformance:
    """Receipts, shipments and their reversals."""

    def test_receipts_round_trip_and_duplicates_are_refused(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            receipt = world.receipt()
            uow.receipts.add(receipt)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.receipts.get(world.account.id, receipt.id) == receipt
            assert (
                uow.receipts.by_number(world.account.id, world.counterparty.id, "R-1", 2026)
                == receipt
            )
            assert (
                uow.receipts.by_number(world.account.id, world.counterparty.id, "R-1", 2025) is None
            )
            query = DocumentQuery(counterparty_id=world.counterparty.id)
            assert list(uow.receipts.find(world.account.id, query, PageRequest())) == [receipt]
            with pytest.raises(DuplicateDocument):
                uow.receipts.add(world.receipt("R-1", "1"))

    def test_shipments_round_trip_with_refused_lines_and_pages(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            order = world.order(uow.orders.next_number(world.account.id))
            uow.orders.add(order)
            shipments = [world.shipment(uow, order) for _ in range(3)]
            uow.commit()
        assert [s.number for s in shipments] == [1, 2, 3]
        with storage.unit_of_work() as uow:
            account = world.account.id
            assert uow.shipments.get(account, shipments[0].id) == shipments[0]
            assert uow.shipments.by_number(account, 2) == shipments[1]
            first = uow.shipments.find(account, DocumentQuery(), PageRequest(limit=2))
            rest = uow.shipments.find(account, DocumentQuery(), PageRequest(2, first.next_after))
            assert [*first, *rest] == shipments
            assert rest.next_after is None
            by_order = DocumentQuery(order_id=order.id, date_from=date(2026, 11, 20))
            assert list(uow.shipments.find(account, by_order, PageRequest())) == shipments
            later = DocumentQuery(date_from=date(2026, 11, 21))
            assert list(uow.shipments.find(account, later, PageRequest())) == []

    def test_a_document_is_reversed_once(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            receipt = world.receipt()
            uow.receipts.add(receipt)
            reversal = world.reversal(uow, receipt)
            uow.reversals.add(reversal)
            uow.commit()
        with storage.unit_of_work() as uow:
            account = world.account.id
            assert uow.reversals.of_document(account, receipt.id) == reversal
            assert uow.reversals.of_document(account, uuid4()) is None
            assert list(uow.reversals.find(account, DocumentQuery(), PageRequest())) == [reversal]
            with pytest.raises(DuplicateDocument):
                uow.reversals.add(world.reversal(uow, receipt))

    def test_a_reversed_document_is_read_with_its_reversal_and_lists_filter_on_it(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow), _World(uow, "other")
            receipts = [
                evolve(world.receipt(f"R-{n}"), posted_at=NOW + timedelta(minutes=n))
                for n in (1, 2, 3)
            ]
            for receipt in receipts:
                uow.receipts.add(receipt)
            order = world.order(uow.orders.next_number(world.account.id))
            uow.orders.add(order)
            shipments = [world.shipment(uow, order) for _ in range(3)]
            # Reversals 1 and 2: the second receipt and the first shipment.
            uow.reversals.add(world.reversal(uow, receipts[1]))
            uow.reversals.add(evolve(world.reversal(uow, shipments[0]), reason="wrong person"))
            uow.commit()
        first = ReversalNote(1, date(2026, 11, 20), NOW, "posted by mistake", "manager")
        second = ReversalNote(2, date(2026, 11, 20), NOW, "wrong person", "manager")
        account = world.account.id
        with storage.unit_of_work(read_only=True) as uow:
            cp = world.counterparty.id
            got = uow.receipts.get(account, receipts[1].id)
            assert got == evolve(receipts[1], reversal=first)
            assert uow.receipts.by_number(account, cp, "R-2", 2026) == got
            assert uow.receipts.get(account, receipts[0].id) == receipts[0]
            assert uow.receipts.by_number(account, cp, "R-3", 2026) == receipts[2]
            assert uow.shipments.get(account, shipments[0].id) == evolve(
                shipments[0], reversal=second
            )
            assert uow.shipments.by_number(account, 1) == evolve(shipments[0], reversal=second)
            assert uow.shipments.by_number(account, 2) == shipments[1]

            def receipt_numbers(reversed: bool | None, limit: int = 10) -> list[str]:
                query = DocumentQuery(counterparty_id=cp, reversed=reversed)
                page = uow.receipts.find(account, query, PageRequest(limit))
                rest = uow.receipts.find(account, query, PageRequest(limit, page.next_after))
                found = [*page, *(rest if page.next_after else ())]
                return [r.number for r in found]

            assert receipt_numbers(None) == ["R-1", "R-2", "R-3"]
            assert receipt_numbers(True) == ["R-2"]
            assert receipt_numbers(False, limit=1) == ["R-1", "R-3"]
            listed = list(uow.receipts.find(account, DocumentQuery(), PageRequest()))
            assert [r.reversal for r in listed] == [None, first, None]

            def shipment_numbers(reversed: bool | None, limit: int = 10) -> list[int]:
                query = DocumentQuery(order_id=order.id, reversed=reversed)
                page = uow.shipments.find(account, query, PageRequest(limit))
                rest = uow.shipments.find(account, query, PageRequest(limit, page.next_after))
                return [s.number for s in [*page, *(rest if page.next_after else ())]]

            assert shipment_numbers(None) == [1, 2, 3]
            assert shipment_numbers(True) == [1]
            assert shipment_numbers(False, limit=1) == [2, 3]
            listed_shipments = list(uow.shipments.find(account, DocumentQuery(), PageRequest()))
            assert [s.reversal for s in listed_shipments] == [second, None, None]
            # A reversal is never reversed itself; another account sees none of it.
            everything = uow.reversals.find(account, DocumentQuery(reversed=False), PageRequest())
            assert [r.number for r in everything] == [1, 2]
            assert (
                list(uow.reversals.find(account, DocumentQuery(reversed=True), PageRequest())) == []
            )
            stranger = DocumentQuery(reversed=True)
            assert list(uow.receipts.find(other.account.id, stranger, PageRequest())) == []
            assert list(uow.shipments.find(other.account.id, stranger, PageRequest())) == []
