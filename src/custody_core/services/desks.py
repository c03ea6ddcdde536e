"""Actor-scoped facades over the use cases: the back office and the client cabinet.

Both call the same use-case functions, which check authorization themselves;
the facades only fix who acts and, for the cabinet, whose data it is.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar, Unpack
from uuid import UUID

from custody_core.domain.attachments import Attachment
from custody_core.domain.audit import AuditEntry, Outcome
from custody_core.domain.cards import CardDraft, ConnectionCard
from custody_core.domain.errors import CustodyError, PermissionDenied
from custody_core.domain.forms import Form, FormKind, GoodsForm, Rendered, ServicesForm
from custody_core.domain.imports import ImportResult
from custody_core.domain.items import Item
from custody_core.domain.ledger import Movement, MovementKind
from custody_core.domain.lines import LineDraft
from custody_core.domain.orders import DeliveryOrder, OrderChange, OrderDraft, OrderState
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.parties import Contract, Counterparty, Warehouse
from custody_core.domain.principal import Principal, Role
from custody_core.domain.receipts import Receipt, ReceiptDraft
from custody_core.domain.registry import RegistryTemplate
from custody_core.domain.requisites import Requisites
from custody_core.domain.reversals import Reversal
from custody_core.domain.settings import AccountSettings
from custody_core.domain.shipments import Shipment
from custody_core.domain.stock import PickLine, StockReport
from custody_core.domain.tariffs import Rate, Tariff
from custody_core.domain.units import PIECE, UnitOfMeasure
from custody_core.domain.users import User, UserDraft
from custody_core.domain.vat import NO_VAT, Vat
from custody_core.services import (
    attachments,
    audit,
    billing,
    cards,
    catalog,
    forms,
    movements,
    orders,
    periods,
    receipts,
    refusals,
    registry,
    reports,
    reversals,
    settings,
    shipments,
    templates,
    users,
)
from custody_core.services.arguments import checking_arguments, list_limit
from custody_core.services.context import Context
from custody_core.services.registry import ImportOptions

T = TypeVar("T")


def _recording_denials(name: str, method: Callable[..., T]) -> Callable[..., T]:
    """`method`, with every refusal it meets stored in the audit log in its own
    transaction (the refused use case rolled its own back): a PermissionDenied, and
    every lookup a client was refused, missing and hidden objects alike (see
    `services.refusals`)."""

    @functools.wraps(method)
    def run(desk: _Desk, *args: Any, **kwargs: Any) -> T:
        with refusals.Refusals() as refused, list_limit(desk._ctx.max_list_length):
            try:
                return method(desk, *args, **kwargs)
            except CustodyError as error:
                if isinstance(error, PermissionDenied) or refused.lookup_refused:
                    entry = audit.denial(desk._ctx, name, error, refused.owner)
                    audit.record_denial(desk._ctx.storage, entry)
                raise

    return run


class _Desk:
    """Every public method of a desk checks its arguments' types against its annotations
    (`services.arguments`) and records its refusals in the audit log."""

    def __init__(self, context: Context) -> None:
        self._ctx = context

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        _guard(cls)

    @property
    def principal(self) -> Principal:
        return self._ctx.principal

    def create_order(self, draft: OrderDraft) -> DeliveryOrder:
        return orders.create_order(self._ctx, draft)

    def confirm_order(self, number: int, *, expected_version: int | None = None) -> DeliveryOrder:
        """Confirm a draft (or re-confirm a failed order): every cargo line is reserved,
        even beyond what is free."""
        return orders.change_order(self._ctx, number, OrderChange.CONFIRM, expected_version)

    def edit_order_lines(
        self, number: int, lines: Sequence[LineDraft], *, expected_version: int | None = None
    ) -> DeliveryOrder:
        """Replace an order's cargo; an order holding reserve reserves or releases the change."""
        return orders.edit_order_lines(self._ctx, number, lines, expected_version)

    def cancel_order(self, number: int, *, expected_version: int | None = None) -> DeliveryOrder:
        """Cancel an order; one holding reserve releases it."""
        return orders.change_order(self._ctx, number, OrderChange.CANCEL, expected_version)

    def order(self, number: int) -> DeliveryOrder:
        return orders.get_order(self._ctx, number)

    def shipment(self, number: int) -> Shipment:
        return shipments.get_shipment(self._ctx, number)

    def _pick_list(self, warehouse: str, counterparty: str | None) -> list[PickLine]:
        return reports.pick_list(self._ctx, warehouse, counterparty)

    def attachments(self, order: int) -> list[Attachment]:
        """An order's attachments; a client needs the account's setting to see them."""
        return attachments.list_attachments(self._ctx, order)

    def attachment_content(self, attachment_id: UUID) -> bytes:
        return attachments.attachment_content(self._ctx, attachment_id)

    def counterparties(self) -> list[Counterparty]:
        """Counterparties by code (a client's cabinet lists only its own)."""
        return catalog.list_counterparties(self._ctx)

    def templates(self) -> list[RegistryTemplate]:
        """Registry templates: the built-in ones, then the account's own."""
        return templates.list_templates(self._ctx)

    def warehouses(self) -> list[Warehouse]:
        return catalog.list_warehouses(self._ctx)

    def mx1(self, number: str, year: int, counterparty: str | None = None) -> GoodsForm:
        """MX-1 of a receipt (a client's own counterparty unless named); numbered when
        first printed."""
        return forms.mx1(self._ctx, number, year, counterparty)

    def mx3(self, shipment: int) -> GoodsForm:
        """MX-3 of a shipment, with the storage services for the goods returned."""
        return forms.mx3(self._ctx, shipment)

    def service_act(self, shipments: int | Sequence[int]) -> ServicesForm:
        """The act of delivery services rendered for one or more shipments."""
        return forms.services(self._ctx, FormKind.ACT, shipments)

    def invoice(self, shipments: int | Sequence[int]) -> ServicesForm:
        """The invoice for the delivery of one or more shipments."""
        return forms.services(self._ctx, FormKind.INVOICE, shipments)

    def render(self, form: Form, format_name: str = "xlsx") -> Rendered:
        """The file of `form`: "xlsx", "html", "pdf" (extra `pdf`) or a plugin's format."""
        return forms.render(self._ctx, form, format_name)


def _guard(cls: type) -> None:
    for name, member in list(vars(cls).items()):
        if inspect.isfunction(member) and not name.startswith("_"):
            setattr(cls, name, _recording_denials(name, checking_arguments(member)))


_guard(_Desk)


class BackOffice(_Desk):
    """Use cases of the company's staff (manager, administrator) within their account."""

    def add_counterparty(
        self, code: str, name: str, *, phone: str | None = None, inn: str | None = None
    ) -> Counterparty:
        return catalog.add_counterparty(self._ctx, code, name, phone=phone, inn=inn)

    def add_contract(
        self, counterparty: str, number: str, *, signed_on: date | None = None, main: bool = False
    ) -> Contract:
        return catalog.add_contract(self._ctx, counterparty, number, signed_on=signed_on, main=main)

    def add_warehouse(self, code: str, name: str) -> Warehouse:
        return catalog.add_warehouse(self._ctx, code, name)

    def items(self, counterparty: str) -> list[Item]:
        """The counterparty's items by SKU."""
        return catalog.list_items(self._ctx, counterparty)

    def contracts(self, counterparty: str) -> list[Contract]:
        """The counterparty's contracts; one of them is the main one."""
        return catalog.list_contracts(self._ctx, counterparty)

    def add_item(
        self,
        counterparty: str,
        sku: str,
        name: str,
        *,
        unit: UnitOfMeasure = PIECE,
        declared_value: object = 0,
    ) -> Item:
        return catalog.add_item(
            self._ctx, counterparty, sku, name, unit=unit, declared_value=declared_value
        )

    def post_receipt(self, draft: ReceiptDraft) -> Receipt:
        return receipts.post_receipt(self._ctx, draft)

    def receipt(self, counterparty: str, number: str, year: int) -> Receipt:
        return receipts.get_receipt(self._ctx, counterparty, number, year)

    def receipts(
        self,
        counterparty: str | None = None,
        *,
        warehouse: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        page: PageRequest | None = None,
        reversed: bool | None = None,
    ) -> Page[Receipt]:
        """Receipts by date; `reversed` keeps those that were (True) or were not reversed."""
        return receipts.list_receipts(
            self._ctx, counterparty, warehouse, date_from, date_to, page, reversed
        )

    def deliver_order(
        self,
        number: int,
        *,
        refused: Mapping[str, object] | None = None,
        expected_version: int | None = None,
    ) -> tuple[DeliveryOrder, Shipment]:
        """Deliver an order and post its shipment; `refused` (SKU -> quantity) goes back
        to free stock, the rest is written off."""
        return orders.deliver_order(self._ctx, number, refused, expected_version)

    def fail_order(
        self,
        number: int,
        reason: str,
        *,
        keep_reserve: bool | None = None,
        expected_version: int | None = None,
    ) -> DeliveryOrder:
        """Record a failed delivery attempt; the reason decides whether reserve is kept,
        unless `keep_reserve` says otherwise."""
        return orders.fail_order(self._ctx, number, reason, keep_reserve, expected_version)

    def reverse_receipt(self, counterparty: str, number: str, year: int, reason: str) -> Reversal:
        return reversals.reverse_receipt(self._ctx, counterparty, number, year, reason)

    def reverse_shipment(self, number: int, reason: str) -> tuple[Reversal, DeliveryOrder]:
        return reversals.reverse_shipment(self._ctx, number, reason)

    def reversals(
        self, counterparty: str | None = None, *, page: PageRequest | None = None
    ) -> Page[Reversal]:
        return reversals.list_reversals(self._ctx, counterparty, page)

    def orders(
        self,
        counterparty: str | None = None,
        states: Collection[OrderState | str] | None = None,
        *,
        warehouse: str | None = None,
        page: PageRequest | None = None,
    ) -> Page[DeliveryOrder]:
        return orders.list_orders(self._ctx, counterparty, states, warehouse, page)

    def shipments(
        self,
        counterparty: str | None = None,
        *,
        warehouse: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        order: int | None = None,
        page: PageRequest | None = None,
        reversed: bool | None = None,
    ) -> Page[Shipment]:
        """Shipments by number; `reversed` keeps those that were (True) or were not reversed."""
        return shipments.list_shipments(
            self._ctx, counterparty, warehouse, date_from, date_to, order, page, reversed
        )

    def movements(
        self,
        counterparty: str,
        *,
        sku: str | None = None,
        warehouse: str | None = None,
        kinds: Collection[MovementKind | str] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        page: PageRequest | None = None,
    ) -> Page[Movement]:
        return movements.list_movements(
            self._ctx, counterparty, sku, warehouse, kinds, date_from, date_to, page
        )

    def pick_list(self, counterparty: str, warehouse: str) -> list[PickLine]:
        return self._pick_list(warehouse, counterparty)

    def stock_report(
        self,
        counterparty: str,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        as_of: date | datetime | None = None,
    ) -> StockReport:
        """Stock over a period (default: this month to today), at the end of day `as_of` or,
        `as_of` an instant, at that instant (docs/concepts.md, "Stock reports")."""
        return reports.stock_report(self._ctx, counterparty, date_from, date_to, as_of)

    def close_periods(self, through: date | None = None) -> list[date]:
        """Store month-end snapshots of every ended month up to `through` (default: last month)."""
        return periods.close_periods(self._ctx, through)

    def closed_periods(self) -> list[date]:
        return periods.closed_periods(self._ctx)

    # Users, connection cards, settings and the audit log (administrators) ----------------

    def add_user(self, draft: UserDraft) -> User:
        """A user with no role yet; grant roles with `grant_roles`."""
        return users.add_user(self._ctx, draft)

    def grant_roles(self, login: str, roles: Iterable[Role | str]) -> User:
        """Set the user's roles to exactly `roles`; the client cabinet role stands alone."""
        return users.grant_roles(self._ctx, login, roles)

    def set_password(self, login: str, password: str, confirmation: str) -> User:
        return users.set_password(self._ctx, login, password, confirmation)

    def disable_user(self, login: str) -> User:
        return users.set_disabled(self._ctx, login, True)

    def enable_user(self, login: str) -> User:
        return users.set_disabled(self._ctx, login, False)

    def user(self, login: str) -> User:
        return users.get_user(self._ctx, login)

    def users(
        self,
        *,
        role: Role | str | None = None,
        disabled: bool | None = None,
        page: PageRequest | None = None,
    ) -> Page[User]:
        """Users by login."""
        return users.list_users(self._ctx, role, disabled, page)

    def create_card(self, draft: CardDraft) -> ConnectionCard:
        return cards.create_card(self._ctx, draft)

    def cards(self, counterparty: str) -> list[ConnectionCard]:
        return cards.list_cards(self._ctx, counterparty)

    def settings(self) -> AccountSettings:
        return settings.get_settings(self._ctx)

    def update_settings(self, new: AccountSettings) -> AccountSettings:
        return settings.update_settings(self._ctx, new)

    def audit_log(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        outcome: Outcome | str | None = None,
        counterparty: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        page: PageRequest | None = None,
    ) -> Page[AuditEntry]:
        return audit.list_audit(
            self._ctx,
            actor=actor,
            action=action,
            outcome=outcome,
            counterparty_code=counterparty,
            since=since,
            until=until,
            page=page,
        )

    def attach_file(self, order: int, name: str, media_type: str, content: bytes) -> Attachment:
        return attachments.attach_file(self._ctx, order, name, media_type, content)

    def set_requisites(self, requisites: Requisites, counterparty: str | None = None) -> Requisites:
        """Store the company's requisites, or a counterparty's (administrators)."""
        return billing.set_requisites(self._ctx, requisites, counterparty)

    def requisites(self, counterparty: str | None = None) -> Requisites | None:
        return billing.get_requisites(self._ctx, counterparty)

    def set_tariff(
        self, rates: Sequence[Rate], vat: Vat = NO_VAT, counterparty: str | None = None
    ) -> Tariff:
        """Store the default tariff, or a counterparty's own (administrators)."""
        return billing.set_tariff(self._ctx, rates, vat, counterparty)

    def tariff(self, counterparty: str | None = None) -> Tariff | None:
        return billing.get_tariff(self._ctx, counterparty)

    def save_template(self, template: RegistryTemplate) -> RegistryTemplate:
        """Store one of the account's registry templates (replacing one of the same name)."""
        return templates.save_template(self._ctx, template)

    def import_registry(
        self,
        path: Path | str,
        template: str | RegistryTemplate,
        counterparty: str,
        **options: Unpack[ImportOptions],
    ) -> ImportResult:
        """Create the orders of a registry file for `counterparty` (see docs/registry.md)."""
        return registry.import_registry(self._ctx, path, template, counterparty, **options)


class Cabinet(_Desk):
    """Use cases of a client in its cabinet: always and only its own counterparty's data.

    Receipts and shipments are read-only here."""

    def receipts(
        self,
        *,
        warehouse: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        page: PageRequest | None = None,
        reversed: bool | None = None,
    ) -> Page[Receipt]:
        """The client's receipts by date; `reversed` as for the back office."""
        return receipts.list_receipts(
            self._ctx, None, warehouse, date_from, date_to, page, reversed
        )

    def receipt(self, number: str, year: int) -> Receipt:
        return receipts.get_receipt(self._ctx, None, number, year)

    def reversals(self, *, page: PageRequest | None = None) -> Page[Reversal]:
        """Reversals of the client's own documents (read-only)."""
        return reversals.list_reversals(self._ctx, None, page)

    def shipments(
        self,
        *,
        warehouse: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        order: int | None = None,
        page: PageRequest | None = None,
        reversed: bool | None = None,
    ) -> Page[Shipment]:
        """The client's shipments by number; `reversed` as for the back office."""
        return shipments.list_shipments(
            self._ctx, None, warehouse, date_from, date_to, order, page, reversed
        )

    def orders(
        self,
        states: Collection[OrderState | str] | None = None,
        *,
        warehouse: str | None = None,
        page: PageRequest | None = None,
    ) -> Page[DeliveryOrder]:
        return orders.list_orders(self._ctx, None, states, warehouse, page)

    def movements(
        self,
        *,
        sku: str | None = None,
        warehouse: str | None = None,
        kinds: Collection[MovementKind | str] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        page: PageRequest | None = None,
    ) -> Page[Movement]:
        return movements.list_movements(
            self._ctx, None, sku, warehouse, kinds, date_from, date_to, page
        )

    def pick_list(self, warehouse: str) -> list[PickLine]:
        return self._pick_list(warehouse, None)

    def items(self) -> list[Item]:
        """The client's own items by SKU."""
        return catalog.list_items(self._ctx)

    def stock_report(
        self,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        as_of: date | datetime | None = None,
    ) -> StockReport:
        return reports.stock_report(self._ctx, None, date_from, date_to, as_of)

    def import_registry(
        self, path: Path | str, template: str | RegistryTemplate, **options: Unpack[ImportOptions]
    ) -> ImportResult:
        """Create the orders of a registry file for the client's own counterparty."""
        return registry.import_registry(self._ctx, path, template, None, **options)
