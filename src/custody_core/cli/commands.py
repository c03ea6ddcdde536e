"""The commands: one function per leaf of the command line, each given its `Session`."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from custody_core.adapters.storage.sqlite.backend import SQLiteStorage
from custody_core.cli.errors import InputError
from custody_core.cli.output import (
    ORDER_COLUMNS,
    SHIPMENT_COLUMNS,
    USER_COLUMNS,
    card_data,
    card_fields,
    order_fields,
    principal_data,
    principal_fields,
    print_report,
    print_shortages,
    receipt_fields,
    report_data,
    shipment_fields,
    user_data,
    user_fields,
    user_row,
)
from custody_core.cli.phrases import PHRASES, TITLES
from custody_core.cli.receipt_file import read_receipt
from custody_core.cli.session import Session
from custody_core.domain.cards import CardDraft
from custody_core.domain.lines import LineDraft
from custody_core.domain.messages import day
from custody_core.domain.orders import OrderDraft, OrderState
from custody_core.domain.paging import DEFAULT_LIMIT, PageRequest
from custody_core.domain.users import User, UserDraft


def stock_report(session: Session) -> None:
    args = session.args
    as_of = args.as_of
    if isinstance(as_of, datetime) and as_of.tzinfo is None:  # read on the account's clock
        as_of = as_of.replace(tzinfo=ZoneInfo(session.zone))
    report = session.desk.stock_report(
        args.counterparty, date_from=args.date_from, date_to=args.date_to, as_of=as_of
    )

    def show() -> None:
        print_report(report, session.lang, session.zone, session.console)
        print_shortages(report, session.lang, session.console)

    session.emit(report_data(report), show)


def receipt_post(session: Session) -> None:
    draft = read_receipt(session.args.file)
    receipt = session.desk.post_receipt(draft)

    def show() -> None:
        session.names.learn([receipt.counterparty_id])
        title = TITLES[session.lang]["receipt"].format(number=receipt.number)
        session.card(title, receipt_fields(receipt, session.names, session.lang))

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
        rows = [
            order_fields(order, session.names, session.lang, session.zone) for order in page.items
        ]
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
        reversed=args.reversed,
    )

    def show() -> None:
        session.names.learn(shipment.counterparty_id for shipment in page.items)
        rows = [
            shipment_fields(shipment, session.names, session.lang, session.zone)
            for shipment in page.items
        ]
        session.table(TITLES[session.lang]["shipments"], SHIPMENT_COLUMNS, rows)

    session.page(page, show)


def period_close(session: Session) -> None:
    closed = session.desk.close_periods(session.args.through)

    def show() -> None:
        if closed:
            session.say("closed", dates=", ".join(day(end, session.lang) for end in closed))
        else:
            session.say("nothing_closed")

    session.emit({"closed": [end.isoformat() for end in closed]}, show)


def db_backup(session: Session) -> None:
    storage = session.app.storage
    if not isinstance(storage, SQLiteStorage):
        raise InputError("not_sqlite", url=session.args.db)
    target: Path = session.args.file
    storage.backup(target)
    session.emit({"file": str(target)}, lambda: session.say("backup", path=target))


# Users, connection cards and logging in: the user and card commands act as administrator.


def user_add(session: Session) -> None:
    args = session.args
    password, confirmation = _new_password(session)
    draft = UserDraft(
        args.login,
        password,
        confirmation,
        last_name=args.last_name,
        first_name=args.first_name,
        middle_name=args.middle_name,
        phone=args.phone,
        email=args.email,
    )
    _emit_user(session, session.admin.add_user(draft))


def user_grant(session: Session) -> None:
    _emit_user(session, session.admin.grant_roles(session.args.login, session.args.roles))


def user_list(session: Session) -> None:
    args = session.args
    page = session.admin.users(role=args.role, disabled=args.disabled, page=_page_request(args))

    def show() -> None:
        rows = [user_row(user, session.lang, session.zone) for user in page.items]
        session.table(TITLES[session.lang]["users"], USER_COLUMNS, rows)

    session.page(page, show, user_data)


def card_create(session: Session) -> None:
    args = session.args
    desk = session.admin
    draft = CardDraft(
        args.counterparty, args.user, contract=args.contract, url=args.url, login=args.login
    )
    card = desk.create_card(draft)
    user = desk.user(args.user).login
    session.names.learn([card.counterparty_id])
    counterparty = session.names(card.counterparty_id)
    contracts = desk.contracts(args.counterparty)
    contract = next((c.number for c in contracts if c.id == card.contract_id), None)

    def show() -> None:
        title = TITLES[session.lang]["card"].format(user=user)
        session.card(
            title, card_fields(card, counterparty, contract, user, session.lang, session.zone)
        )

    session.emit(card_data(card, counterparty, contract, user), show)


def log_in(session: Session) -> None:
    """Check a login and password as the cabinet would, and print who they prove to be."""
    args = session.args
    password = _password(session)
    principal = session.app.log_in(args.account, args.login, password)
    account = session.app.account(args.account).code
    counterparty = None
    if principal.counterparty_id is not None:
        own = session.app.cabinet(principal).counterparties()
        counterparty = next(
            (found.code for found in own if found.id == principal.counterparty_id), None
        )

    def show() -> None:
        title = TITLES[session.lang]["principal"].format(user=principal.user)
        session.card(title, principal_fields(principal, account, counterparty, session.lang))

    session.emit(principal_data(principal, account, counterparty), show)


def _emit_user(session: Session, user: User) -> None:
    def show() -> None:
        title = TITLES[session.lang]["user"].format(login=user.login)
        session.card(title, user_fields(user, session.lang, session.zone))

    session.emit(user_data(user), show)


def _password(session: Session) -> str:
    """A password to check: the first line of standard input under --password-stdin, else
    typed without echo. Never an argument: it would stay in shell history and show in `ps`."""
    if session.args.password_stdin:
        return _stdin_password()
    return _typed(session, "password_prompt")


def _new_password(session: Session) -> tuple[str, str]:
    """A new password and its confirmation: lines 1 and 2 of standard input under
    --password-stdin (line 1 again when there is no line 2), else typed twice without echo.
    The library compares the two and applies the account's password policy."""
    if not session.args.password_stdin:
        return _typed(session, "password_prompt"), _typed(session, "confirmation_prompt")
    password = _stdin_password()
    confirmation = _stdin_line()
    return password, password if confirmation is None else confirmation


def _stdin_password() -> str:
    password = _stdin_line()
    if password is None:
        raise InputError("no_password_stdin")
    return password


def _stdin_line() -> str | None:
    """The next line of standard input without its line ending; None at the end of input
    (an empty line is an empty string)."""
    line = sys.stdin.readline()
    return line.rstrip("\r\n") if line else None


def _typed(session: Session, prompt: str) -> str:
    try:
        return getpass.getpass(PHRASES[session.lang][prompt])
    except EOFError:
        raise InputError("no_password") from None


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
