"""One command's run, and the desk it acts through."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any
from uuid import UUID

from rich.console import Console
from rich.table import Table

from custody_core.cli.names import Names
from custody_core.cli.output import order_fields, plain, print_table, shipment_fields
from custody_core.cli.phrases import LABELS, PHRASES, TITLES
from custody_core.domain.messages import fill
from custody_core.domain.orders import DeliveryOrder
from custody_core.domain.paging import Page
from custody_core.domain.principal import Principal
from custody_core.domain.receipts import Receipt
from custody_core.domain.shipments import Shipment
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice

#: Who the CLI's changes are recorded as (documents' `posted_by`, the audit log's actor).
CLI_USER = "cli"


def manager_desk(app: Application, account_code: str) -> BackOffice:
    """The CLI is a local operator's tool: it acts as a manager of the account."""
    account = app.account(account_code)
    return app.back_office(Principal.manager(account.id, CLI_USER))


def administrator_desk(app: Application, account_code: str) -> BackOffice:
    """The desk of the user and card commands: an administrator of the account.

    A local operator who can open the database file is trusted: whoever can do that can
    change any row of it anyway, so asking them to log in first would protect nothing. The
    cabinet's own users log in (`custody login`); the CLI acts as the administrator "cli",
    the name its changes carry in the audit log.
    """
    account = app.account(account_code)
    return app.back_office(Principal.administrator(account.id, CLI_USER))


class Session:
    """One command's run: its arguments, the open application and where output goes."""

    def __init__(self, app: Application, args: argparse.Namespace, console: Console) -> None:
        self.app = app
        self.args = args
        self.console = console
        self.lang: str = args.lang

    @cached_property
    def desk(self) -> BackOffice:
        return manager_desk(self.app, self.args.account)

    @cached_property
    def admin(self) -> BackOffice:
        """The administrator's desk, for users and connection cards."""
        return administrator_desk(self.app, self.args.account)

    @cached_property
    def zone(self) -> str:
        """The account's time zone: every instant the command shows is on its clock."""
        return self.app.account(self.args.account).time_zone

    @cached_property
    def names(self) -> Names:
        return Names(self.desk)

    def emit(self, data: object, show: Callable[[], None]) -> None:
        """Print `data` as JSON under --json, else call `show` to print tables."""
        if self.args.json:
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            show()

    def say(self, phrase: str, **values: object) -> None:
        self.console.print(fill(self.lang, PHRASES[self.lang][phrase], values), soft_wrap=True)

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
        print_table(self.console, self.lang, title, columns, rows)

    def card(self, title: str, fields: Mapping[str, str]) -> None:
        """One record as a two-column table of its non-empty fields."""
        labels = LABELS[self.lang]
        table = Table(title=title, show_header=False)
        table.add_column(style="bold")
        table.add_column()
        for key, value in fields.items():
            if value:
                table.add_row(labels[key], value)
        self.console.print(table)

    def page(
        self,
        page: Page[Any],
        show: Callable[[], None],
        data_of: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        """A page of a list: its rows (as JSON, `data_of` each, a document by default), then
        how to get the next page."""
        to_data = self.document if data_of is None else data_of
        data = {"items": [to_data(row) for row in page.items], "next_after": page.next_after}

        def show_page() -> None:
            if page.items:
                show()
            else:
                self.say("no_rows")
            if page.next_after is not None:
                self.say("next_page", cursor=page.next_after)

        self.emit(data, show_page)

    def document(self, document: DeliveryOrder | Shipment | Receipt) -> dict[str, Any]:
        """A document as JSON data: its ids, and the codes and SKUs they stand for."""
        names = self.names
        names.learn([document.counterparty_id])
        data: dict[str, Any] = plain(document)
        data["counterparty"] = names.get(document.counterparty_id)
        data["warehouse"] = names.get(document.warehouse_id)
        for key in ("lines", "handed_over", "refused"):
            for line in data.get(key, ()):
                line["sku"] = names.get(UUID(line["item_id"]))
        return data

    def emit_order(self, order: DeliveryOrder) -> None:
        self.emit(self.document(order), lambda: self.show_order(order))

    def show_order(self, order: DeliveryOrder) -> None:
        self.names.learn([order.counterparty_id])
        title = TITLES[self.lang]["order"].format(number=order.number)
        self.card(title, order_fields(order, self.names, self.lang, self.zone))

    def show_shipment(self, shipment: Shipment) -> None:
        self.names.learn([shipment.counterparty_id])
        title = TITLES[self.lang]["shipment"].format(number=shipment.number)
        self.card(title, shipment_fields(shipment, self.names, self.lang, self.zone))
