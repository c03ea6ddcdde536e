"""custody-core: the engine behind client cabinets of custody, delivery and service businesses."""

from custody_core.bootstrap import open
from custody_core.domain.errors import CustodyError
from custody_core.domain.lines import LineDraft
from custody_core.domain.orders import OrderDraft, OrderState
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.principal import Principal, Role
from custody_core.domain.receipts import ReceiptDraft
from custody_core.plugins import hookimpl
from custody_core.services.application import Application

__all__ = [
    "Application",
    "CustodyError",
    "LineDraft",
    "OrderDraft",
    "OrderState",
    "Page",
    "PageRequest",
    "Principal",
    "ReceiptDraft",
    "Role",
    "hookimpl",
    "open",
]
