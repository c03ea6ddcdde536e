"""The commands: one function per leaf of the command line, each given its `Session`."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from custody_core.adapters.storage.sqlite.backend import SQLiteStorage
from custody_core.cli.errors import InputError
from custody_core.cli.output import (
    ORDER_COLUMNS,
    SHIPMENT_COLUMNS,
    order_fields,
    print_report,
    print_shortages,
    receipt_fields,
    report_data,
    shipment_fields,
)
from custody_core.cli.phrases import TITLES
from custody_core.cli.receipt_file import read_receipt
from custody_core.cli.session import Session
from custody_core.domain.lines import LineDraft
from custody_core.domain.orders import OrderDraft, OrderState
from custody_core.domain.paging import DEFAULT_LIMIT, PageRequest


def stock_report(session: Session) -> None:
    args = session.args
    report = session.desk.stock_report(
        args.counterparty, date_from=args.date_from, date_to=args.date_to, as_of=args.as_of
    )

    def show() -> None:
        print_report(report, session.lang, session.console)
        print_shortages(report, session.lang, session.console)

    session.emit(report_data(report), show)


def receipt_post(session: Session) -> None:
    draft = read_receipt(session.args.file)
    receipt = session.desk.post_receipt(draft)

    def show() -> None:
        session.names.learn([receipt.counterparty_id])
        title = TITLES[session.lang]["receipt"].format(number=receipt.number)
        session.card(title, receipt_fields(receipt, session.names))

    session.emit(session.document(receipt), show)


def order_create(session: Session) -> None:
    args = session.args
    draft = OrderDraft(
        args.warehouse,
        [LineDraft(sku, quantity) for sku, quantity in args.line],
        counterparty=args.counterparty,
        recipient=args.recipient,
        address=args.address,
        comment=args.comment,
    )
    session.emit_order(session.desk.create_order(draft))


def order_confirm(session: Session) -> None:
    args = session.args
    session.emit_order(
        session.desk.confirm_order(args.number, expected_version=args.expected_version)
    )


def order_cancel(session: Session) -> None:
    args = session.args
    session.emit_order(
        session.desk.cancel_order(args.number, expected_version=args.expected_version)
    )


def order_deliver(session: Session) -> None:
    args = session.args
    refused = _refused(args.refused)
    order, shipment = session.desk.deliver_order(
        args.number, refused=refused, expected_version=args.expected_version
    )

    def show() -> None:
        session.show_order(order)
        session.show_shipment(shipment)

    data = {"order": session.document(order), "shipment": session.document(shipment)}
    session.emit(data, show)


def order_fail(session: Session) -> None:
    args = session.args
    order = session.desk.fail_order(
        args.number,
        args.reason,
        keep_reserve=args.keep_reserve,
        expected_version=args.expected_version,
    )
    session.emit_order(order)


def order_show(session: Session) -> None:
    session.emit_order(session.desk.order(session.args.number))


def order_list(session: Session) -> None:
    args = session.args
    states = None if args.state is None else [OrderState(state) for state in args.state]
    page = session.desk.orders(args.counterparty, states, page=_page_request(args))

    def show() -> None:
        session.names.learn(order.counterparty_id for order in page.items)
        rows = [order_fields(order, session.names, session.lang) for order in page.items]
        session.table(TITLES[session.lang]["orders"], ORDER_COLUMNS, rows)

    session.page(page, show)


def shipment_list(session: Session) -> None:
    args = session.args
    page = session.desk.shipments(
        args.counterparty,
        date_from=args.date_from,
        date_to=args.date_to,
        order=args.order,
        page=_page_request(args),
    )

    def show() -> None:
        session.names.learn(shipment.counterparty_id for shipment in page.items)
        rows = [shipment_fields(shipment, session.names) for shipment in page.items]
        session.table(TITLES[session.lang]["shipments"], SHIPMENT_COLUMNS, rows)

    session.page(page, show)


def period_close(session: Session) -> None:
    closed = session.desk.close_periods(session.args.through)

    def show() -> None:
        if closed:
            session.say("closed", dates=", ".join(day.isoformat() for day in closed))
        else:
            session.say("nothing_closed")

    session.emit({"closed": [day.isoformat() for day in closed]}, show)


def db_backup(session: Session) -> None:
    storage = session.app.storage
    if not isinstance(storage, SQLiteStorage):
        raise InputError("not_sqlite", url=session.args.db)
    target: Path = session.args.file
    storage.backup(target)
    session.emit({"file": str(target)}, lambda: session.say("backup", path=target))


def _page_request(args: argparse.Namespace) -> PageRequest | None:
    if args.limit is None and args.after is None:
        return None
    return PageRequest(DEFAULT_LIMIT if args.limit is None else args.limit, args.after)


def _refused(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    refused: dict[str, str] = {}
    for sku, quantity in pairs:
        if sku in refused:
            raise InputError("repeated", option="--refused", sku=sku)
        refused[sku] = quantity
    return refused
