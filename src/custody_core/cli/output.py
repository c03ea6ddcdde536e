"""Output: tables and cards for people, plain JSON-ready data for programs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from custody_core.cli.names import Names
from custody_core.cli.phrases import FAILURE_REASONS, LABELS, PHRASES, ROLES, STATES, TITLES
from custody_core.converter import make_converter
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.lines import Line
from custody_core.domain.messages import day, label, moment
from custody_core.domain.orders import DeliveryOrder
from custody_core.domain.principal import Principal, Role
from custody_core.domain.receipts import Receipt
from custody_core.domain.reversals import ReversalNote
from custody_core.domain.shipments import Shipment
from custody_core.domain.stock import StockLine, StockReport
from custody_core.domain.users import User

STOCK_COLUMNS = (
    "warehouse",
    "sku",
    "item",
    "opening",
    "received",
    "reserved",
    "delivered",
    "on_hand",
    "free",
    "shortage",
    "orders",
)
ORDER_COLUMNS = ("number", "state", "version", "counterparty", "warehouse", "lines", "recipient")
SHIPMENT_COLUMNS = (
    "number",
    "date",
    "order",
    "counterparty",
    "warehouse",
    "lines",
    "refused",
    "recipient",
    "reversal",
)
USER_COLUMNS = ("login", "name", "phone", "email", "roles", "status")
NUMERIC = frozenset({"opening", "received", "reserved", "delivered", "on_hand", "free", "shortage"})


CONVERTER = make_converter()


def plain(value: object) -> Any:
    """A domain object as JSON-ready data: decimals as exact strings, dates ISO, ids strings."""
    return CONVERTER.unstructure(value)


def report_data(report: StockReport) -> dict[str, Any]:
    """The report as plain data; quantities are exact decimal strings."""
    return {
        "counterparty": {"code": report.counterparty.code, "name": report.counterparty.name},
        "generated_at": plain(report.generated_at),
        "period_start": plain(report.period_start),
        "period_end": plain(report.period_end),
        "as_of": plain(report.as_of),
        "lines": [_line_data(line) for line in report.lines],
    }


def _line_data(line: StockLine) -> dict[str, Any]:
    figures = (
        "opening_on_hand",
        "opening_reserved",
        "received",
        "reservations",
        "released",
        "delivered",
        "on_hand",
        "reserved",
        "free",
        "shortage",
    )
    return {
        "warehouse": line.warehouse.code,
        "sku": line.item.sku,
        "name": line.item.name,
        "unit": line.item.unit.name,
        **{figure: plain(getattr(line, figure)) for figure in figures},
        "orders": [
            {
                "number": hold.order_number,
                "confirmed_at": plain(hold.confirmed_at),
                "reserved": plain(hold.reserved),
                "shortage": plain(hold.shortage),
            }
            for hold in line.holds
        ],
        "written_off": [
            {"number": write_off.order_number, "quantity": plain(write_off.quantity)}
            for write_off in line.written_off_by
        ],
    }


def print_report(report: StockReport, lang: str, zone: str, console: Console) -> None:
    title = TITLES[lang]["stock" if report.as_of is None else "stock_at"].format(
        name=report.counterparty.name,
        code=report.counterparty.code,
        start=day(report.period_start, lang),
        end=day(report.period_end, lang),
        at=_instant(report.as_of, lang, zone),
    )
    rows = [_stock_row(line, lang) for line in report.lines]
    print_table(console, lang, title, STOCK_COLUMNS, rows)


def _stock_row(line: StockLine, lang: str) -> dict[str, str]:
    return {
        "warehouse": line.warehouse.code,
        "sku": line.item.sku,
        "item": line.item.name,
        "opening": _number(line.opening_on_hand),
        "received": _number(line.received),
        "reserved": _number(line.reserved),
        "delivered": _number(line.delivered),
        "on_hand": _number(line.on_hand),
        "free": _number(line.free),
        "shortage": _number(line.shortage) if line.shortage else "",
        "orders": _line_orders(line, lang),
    }


def print_table(
    console: Console,
    lang: str,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, str]],
) -> None:
    """Rows as a table with the `columns` of each row, numbers to the right."""
    labels = LABELS[lang]
    table = Table(title=title)
    for column in columns:
        table.add_column(labels[column], justify="right" if column in NUMERIC else "left")
    for row in rows:
        table.add_row(*(row[column] for column in columns))
    console.print(table)


def _line_orders(line: StockLine, lang: str) -> str:
    """The orders behind a line: what each confirmed one holds, what each wrote off."""
    phrases = PHRASES[lang]
    parts = [
        phrases["holds_short" if hold.shortage else "holds"].format(
            number=hold.order_number,
            quantity=_number(hold.reserved),
            shortage=_number(hold.shortage),
        )
        for hold in line.holds
    ]
    parts += [
        phrases["wrote_off"].format(number=done.order_number, quantity=_number(done.quantity))
        for done in line.written_off_by
    ]
    return "; ".join(parts)


def print_shortages(report: StockReport, lang: str, console: Console) -> None:
    for number, missing in report.shortages_by_order().items():
        items = ", ".join(f"{sku} −{_number(quantity)}" for sku, quantity in missing)
        console.print(PHRASES[lang]["short"].format(number=number, items=items))


def receipt_fields(receipt: Receipt, names: Names, lang: str) -> dict[str, str]:
    return {
        "date": day(receipt.date, lang),
        "counterparty": names(receipt.counterparty_id),
        "warehouse": names(receipt.warehouse_id),
        "lines": _lines(receipt.lines, names),
        "reversal": _reversal(receipt.reversal, lang),
    }


def order_fields(order: DeliveryOrder, names: Names, lang: str, zone: str) -> dict[str, str]:
    return {
        "number": str(order.number),
        "state": STATES[lang][order.state],
        "version": str(order.version),
        "counterparty": names(order.counterparty_id),
        "warehouse": names(order.warehouse_id),
        "lines": _lines(order.lines, names),
        "handed_over": _lines(order.handed_over, names),
        "recipient": order.recipient or "",
        "address": order.address or "",
        "comment": order.comment or "",
        "reason": _failure_reason(order.failure_reason, lang),
        "created": _instant(order.created_at, lang, zone),
        "confirmed": _instant(order.confirmed_at, lang, zone),
    }


def _failure_reason(code: str | None, lang: str) -> str:
    """The reason's name; a code the language does not name (none stored today) as it is."""
    return "" if code is None else FAILURE_REASONS[lang].get(code, code)


def shipment_fields(shipment: Shipment, names: Names, lang: str, zone: str) -> dict[str, str]:
    return {
        "number": str(shipment.number),
        "date": day(shipment.date, lang),
        "order": str(shipment.order_number),
        "counterparty": names(shipment.counterparty_id),
        "warehouse": names(shipment.warehouse_id),
        "lines": _lines(shipment.lines, names),
        "refused": _lines(shipment.refused, names),
        "recipient": shipment.recipient or "",
        "address": shipment.address or "",
        "posted": f"{_instant(shipment.posted_at, lang, zone)}, {shipment.posted_by}",
        "reversal": _reversal(shipment.reversal, lang),
    }


def _reversal(note: ReversalNote | None, lang: str) -> str:
    """A reversed document's reversal: its number and date ("" when not reversed)."""
    return "" if note is None else f"№ {note.number}, {day(note.date, lang)}"


def _lines(lines: Iterable[Line], names: Names) -> str:
    return ", ".join(f"{names(line.item_id)} × {_number(line.quantity)}" for line in lines)


def _instant(value: datetime | None, lang: str, zone: str) -> str:
    """An instant on the account's clock, in the language's format ("" when none)."""
    return "" if value is None else moment(value, lang, zone)


def _number(value: Decimal) -> str:
    return f"{value:,}".replace(",", " ")


# Users, connection cards and principals. Their JSON is built field by field, never from the
# whole object, so that a password hash (or any field added later) cannot leak into output.


def user_data(user: User) -> dict[str, Any]:
    return {
        "id": plain(user.id),
        "login": user.login,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "middle_name": user.middle_name,
        "phone": user.phone,
        "email": user.email,
        "roles": _role_values(user.roles),
        "disabled": user.disabled,
        "external_id": user.external_id,
        "created_at": plain(user.created_at),
        "version": user.version,
    }


def user_fields(user: User, lang: str, zone: str) -> dict[str, str]:
    """A user's card: each name on its own row; a table row uses `name` instead."""
    return {
        "login": user.login,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "middle_name": user.middle_name or "",
        "phone": user.phone or "",
        "email": user.email or "",
        "roles": _roles(user.roles, lang),
        "status": PHRASES[lang]["disabled" if user.disabled else "active"],
        "created": _instant(user.created_at, lang, zone),
    }


def user_row(user: User, lang: str, zone: str) -> dict[str, str]:
    return {**user_fields(user, lang, zone), "name": user.full_name}


def card_data(
    card: ConnectionCard, counterparty: str, contract: str | None, user: str
) -> dict[str, Any]:
    """A card as JSON data: its ids, and the codes, number and login they stand for."""
    return {
        "id": plain(card.id),
        "counterparty": counterparty,
        "counterparty_id": plain(card.counterparty_id),
        "contract": contract,
        "contract_id": plain(card.contract_id),
        "url": card.url,
        "login": card.login,
        "user": user,
        "user_id": plain(card.user_id),
        "created_at": plain(card.created_at),
    }


def card_fields(
    card: ConnectionCard,
    counterparty: str,
    contract: str | None,
    user: str,
    lang: str,
    zone: str,
) -> dict[str, str]:
    return {
        "counterparty": counterparty,
        "contract": contract or str(card.contract_id),
        "url": card.url or "",
        "login": card.login,
        "user": user,
        "created": _instant(card.created_at, lang, zone),
    }


def principal_data(principal: Principal, account: str, counterparty: str | None) -> dict[str, Any]:
    return {
        "user": principal.user,
        "account": account,
        "account_id": plain(principal.account_id),
        "roles": _role_values(principal.roles),
        "counterparty": counterparty,
        "counterparty_id": plain(principal.counterparty_id),
    }


def principal_fields(
    principal: Principal, account: str, counterparty: str | None, lang: str
) -> dict[str, str]:
    return {
        "user": principal.user,
        "account": account,
        "roles": _roles(principal.roles, lang),
        "counterparty": counterparty or "",
    }


def _role_values(roles: Iterable[Role]) -> list[str]:
    return sorted(role.value for role in roles)


def _roles(roles: Iterable[Role], lang: str) -> str:
    names = [ROLES[lang][Role(value)] for value in _role_values(roles)]
    return ", ".join(names) or PHRASES[lang]["no_roles"]


def template_row(name: str, title: str, fields: Iterable[str], lang: str) -> dict[str, str]:
    """A registry template as a table row: its fields by their labels in `lang`."""
    return {
        "template": name,
        "title": title,
        "fields": ", ".join(label(lang, field) for field in fields),
    }
