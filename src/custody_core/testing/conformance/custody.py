"""Conformance of custody, the goods held for counterparties: one mixin of the areas
below, each in a module of its own."""

from __future__ import annotations

from custody_core.testing.conformance.catalog import CatalogConformance
from custody_core.testing.conformance.documents import DocumentsConformance
from custody_core.testing.conformance.isolation import IsolationConformance
from custody_core.testing.conformance.ledger import LedgerConformance
from custody_core.testing.conformance.orders import OrdersConformance
from custody_core.testing.conformance.periods import PeriodsConformance


class CustodyConformance(
    CatalogConformance,
    DocumentsConformance,
    OrdersConformance,
    LedgerConformance,
    PeriodsConformance,
    IsolationConformance,
):
    """Custody: reference data, receipts, shipments and reversals, delivery orders, the
    ledger and its totals, closed months, and isolation between accounts and clients."""
