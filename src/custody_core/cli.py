"""The `custody` command. Errors print one line and exit non-zero; a traceback is a bug.

Every command but `demo` acts on an existing database as the manager "cli" of
one account; `--json` prints machine-readable output instead of a table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any
from uuid import UUID

from rich.console import Console
from rich.table import Table

from custody_core.adapters.storage.sqlite.backend import SQLiteStorage
from custody_core.bootstrap import open as open_app
from custody_core.converter import make_converter
from custody_core.demo import ACCOUNT_CODE, MAIN_CLIENT, build_demo
from custody_core.domain.errors import CustodyError, NotFound, Problem, ValidationError
from custody_core.domain.lines import Line, LineDraft
from custody_core.domain.messages import CATALOG
from custody_core.domain.orders import FAILURE_REASONS, DeliveryOrder, OrderDraft, OrderState
from custody_core.domain.paging import DEFAULT_LIMIT, Page, PageRequest
from custody_core.domain.principal import Principal
from custody_core.domain.receipts import Receipt, ReceiptDraft
from custody_core.domain.shipments import Shipment
from custody_core.domain.stock import StockLine, StockReport
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice

DEFAULT_DB = "sqlite:///custody.sqlite"
EXIT_ERROR = 1
EXIT_USAGE = 2

LABELS = {
    "en": {
        "warehouse": "Warehouse",
        "sku": "SKU",
        "item": "Item",
        "opening": "Opening",
        "received": "Received",
        "reserved": "Reserved",
        "delivered": "Delivered",
        "on_hand": "On hand",
        "free": "Free",
        "shortage": "Shortage",
        "orders": "Orders",
        "number": "№",
        "state": "State",
        "version": "Version",
        "counterparty": "Counterparty",
        "lines": "Lines",
        "handed_over": "Handed over",
        "refused": "Refused",
        "recipient": "Recipient",
        "address": "Address",
        "comment": "Comment",
        "reason": "Failure reason",
        "created": "Created",
        "confirmed": "Confirmed",
        "date": "Date",
        "order": "Order",
        "posted": "Posted",
    },
    "ru": {
        "warehouse": "Склад",
        "sku": "Артикул",
        "item": "Товар",
        "opening": "Начальный",
        "received": "Приход",
        "reserved": "Резерв",
        "delivered": "Отгружено",
        "on_hand": "Остаток",
        "free": "Свободно",
        "shortage": "Недостача",
        "orders": "Заказы",
        "number": "№",
        "state": "Состояние",
        "version": "Версия",
        "counterparty": "Контрагент",
        "lines": "Товары",
        "handed_over": "Передано",
        "refused": "Отказ",
        "recipient": "Получатель",
        "address": "Адрес",
        "comment": "Комментарий",
        "reason": "Причина недоставки",
        "created": "Создан",
        "confirmed": "Подтверждён",
        "date": "Дата",
        "order": "Заказ",
        "posted": "Проведён",
    },
}
PHRASES = {
    "en": {
        "short": "Order №{number} is short: {items}",
        "database": "Database: {path}",
        "try": "Try: {command}",
        "holds": "№{number} holds {quantity}",
        "holds_short": "№{number} holds {quantity} (short {shortage})",
        "wrote_off": "№{number} wrote off {quantity}",
        "next_page": "More rows: repeat with --after {cursor}",
        "no_rows": "Nothing found.",
        "closed": "Closed months ending {dates}",
        "nothing_closed": "No month to close.",
        "backup": "Backup written to {path}",
        "row": "row {row}",
        "problem": "{field}: {code}",
        "problem_value": "value {value}",
        "problem_expected": "expected {expected}",
        "no_file": "{path}: no such file",
        "bad_json": "{path}: not valid JSON at line {line}, column {column}: {reason}",
        "not_utf8": "{path}: not UTF-8 text",
        "top_not_object": "{path}: expected a JSON object {{...}}",
        "not_object": "{path}: {key} must be a JSON object",
        "not_list": "{path}: {key} must be a JSON list",
        "not_text": "{path}: {key} must be a string",
        "missing_key": "{path}: missing key {key}",
        "unknown_key": "{path}: unknown key {key}",
        "bad_date": "{path}: {key} must be a date YYYY-MM-DD, not {value}",
        "repeated": "{option} names {sku} more than once",
        "not_sqlite": "db backup works only on a SQLite database, not {url}",
    },
    "ru": {
        "short": "Заказу №{number} не хватает: {items}",
        "database": "База данных: {path}",
        "try": "Попробуйте: {command}",
        "holds": "№{number} резерв {quantity}",
        "holds_short": "№{number} резерв {quantity} (не хватает {shortage})",
        "wrote_off": "№{number} списано {quantity}",
        "next_page": "Есть ещё строки: повторите с --after {cursor}",
        "no_rows": "Ничего не найдено.",
        "closed": "Закрыты месяцы, оканчивающиеся {dates}",
        "nothing_closed": "Закрывать нечего.",
        "backup": "Резервная копия записана в {path}",
        "row": "строка {row}",
        "problem": "{field}: {code}",
        "problem_value": "значение {value}",
        "problem_expected": "ожидается {expected}",
        "no_file": "{path}: файл не найден",
        "bad_json": "{path}: ошибка JSON в строке {line}, столбце {column}: {reason}",
        "not_utf8": "{path}: текст не в кодировке UTF-8",
        "top_not_object": "{path}: ожидается объект JSON {{...}}",
        "not_object": "{path}: {key} должен быть объектом JSON",
        "not_list": "{path}: {key} должен быть списком JSON",
        "not_text": "{path}: {key} должен быть строкой",
        "missing_key": "{path}: нет ключа {key}",
        "unknown_key": "{path}: неизвестный ключ {key}",
        "bad_date": "{path}: {key} должен быть датой ГГГГ-ММ-ДД, а не {value}",
        "repeated": "{option}: артикул {sku} указан больше одного раза",
        "not_sqlite": "db backup работает только с базой SQLite, а не {url}",
    },
}
TITLES = {
    "en": {
        "stock": "Goods on custody: {name} ({code}), {start} – {end}",
        "receipt": "Receipt {number}",
        "order": "Delivery order №{number}",
        "orders": "Delivery orders",
        "shipment": "Shipment №{number}",
        "shipments": "Shipments",
    },
    "ru": {
        "stock": "Запасы на хранении: {name} ({code}), {start} – {end}",
        "receipt": "Приходная накладная {number}",
        "order": "Заказ на доставку №{number}",
        "orders": "Заказы на доставку",
        "shipment": "Расходная накладная №{number}",
        "shipments": "Расходные накладные",
    },
}
STATES = {
    "en": {state: state.value.replace("_", " ") for state in OrderState},
    "ru": {
        OrderState.DRAFT: "черновик",
        OrderState.CONFIRMED: "подтверждён",
        OrderState.NOT_DELIVERED: "не доставлен",
        OrderState.FAILED: "доставка не удалась",
        OrderState.DELIVERED: "доставлен",
        OrderState.PARTIALLY_DELIVERED: "доставлен частично",
        OrderState.CANCELLED: "отменён",
    },
}

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
)
NUMERIC = frozenset({"opening", "received", "reserved", "delivered", "on_hand", "free", "shortage"})
RECEIPT_KEYS = frozenset({"number", "date", "counterparty", "warehouse", "lines"})
LINE_KEYS = frozenset({"sku", "quantity"})
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CONVERTER = make_converter()


class InputError(Exception):
    """Input the command itself refuses (a file, an option); the message is a phrase."""

    def __init__(self, phrase: str, **values: object) -> None:
        super().__init__(phrase)
        self.phrase = phrase
        self.values = values

    def message(self, lang: str) -> str:
        return PHRASES[lang][self.phrase].format(**self.values)


# options -----------------------------------------------------------------------------------


def database_url(value: str) -> str:
    """A storage URL; a bare path means a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


def parse_date(value: object) -> date | None:
    """A calendar date written YYYY-MM-DD, or None for anything else."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def date_argument(text: str) -> date:
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}")
    return parsed


def sku_quantity(text: str) -> tuple[str, str]:
    """`SKU=QUANTITY`; the quantity stays a string for the library to check exactly."""
    sku, equals, quantity = text.partition("=")
    if not equals or not sku.strip() or not quantity.strip():
        raise argparse.ArgumentTypeError(f"expected SKU=QUANTITY, got {text!r}")
    return sku.strip(), quantity.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="custody", description="Goods on custody and delivery.")
    parser.add_argument(
        "--db",
        default=os.environ.get("CUSTODY_DB", DEFAULT_DB),
        type=database_url,
        help="storage URL or SQLite path (env CUSTODY_DB; default ./custody.sqlite)",
    )
    parser.add_argument(
        "--account",
        default=os.environ.get("CUSTODY_ACCOUNT", ACCOUNT_CODE),
        help="account (tenant) code; default %(default)s",
    )
    parser.add_argument(
        "--lang",
        choices=sorted(LABELS),
        default="ru" if os.environ.get("LANG", "").startswith("ru") else "en",
        help="language of messages and tables",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="build a sample database in DIR and show its report")
    demo.add_argument("directory", type=Path, metavar="DIR")

    _add_stock_commands(_group(commands, "stock", "stock on custody"))
    _add_receipt_commands(_group(commands, "receipt", "receipts (goods accepted on custody)"))
    _add_order_commands(_group(commands, "order", "delivery orders"))
    _add_shipment_commands(_group(commands, "shipment", "shipments (goods handed over)"))
    _add_period_commands(_group(commands, "period", "month-end closing"))
    _add_db_commands(_group(commands, "db", "the database file"))
    return parser


Subcommands = Any  # argparse's _SubParsersAction is private
Run = Callable[["Session"], None]


def _group(commands: Subcommands, name: str, help_text: str) -> Subcommands:
    group = commands.add_parser(name, help=help_text)
    return group.add_subparsers(dest=f"{name}_command", required=True)


def _command(group: Subcommands, name: str, help_text: str, run: Run) -> argparse.ArgumentParser:
    """A leaf command: every one can print JSON instead of a table."""
    parser: argparse.ArgumentParser = group.add_parser(name, help=help_text)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)
    return parser


def _add_period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", type=date_argument, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=date_argument, metavar="YYYY-MM-DD")


def _add_paging_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=None, help="rows per page (default 50)")
    parser.add_argument("--after", metavar="CURSOR", help="the cursor a previous page printed")


def _add_order_number(parser: argparse.ArgumentParser, version: bool = True) -> None:
    parser.add_argument("number", type=int, metavar="N", help="order number")
    if version:
        parser.add_argument(
            "--expected-version",
            type=int,
            metavar="V",
            help="refuse the change unless the order is at version V",
        )


def _add_stock_commands(group: Subcommands) -> None:
    report = _command(group, "report", "stock of one counterparty over a period", stock_report)
    report.add_argument("--counterparty", required=True, metavar="CODE")
    _add_period_options(report)
    report.add_argument(
        "--as-of", type=date_argument, metavar="YYYY-MM-DD", help="position at the end of a day"
    )


def _add_receipt_commands(group: Subcommands) -> None:
    post = _command(group, "post", "post a receipt from a JSON file", receipt_post)
    post.add_argument("file", type=Path, metavar="FILE.json")


def _add_order_commands(group: Subcommands) -> None:
    _add_order_create(_command(group, "create", "create a draft order", order_create))
    for name, run in (("confirm", order_confirm), ("cancel", order_cancel)):
        _add_order_number(_command(group, name, f"{name} an order", run))
    deliver = _command(group, "deliver", "deliver an order and post its shipment", order_deliver)
    _add_order_number(deliver)
    deliver.add_argument(
        "--refused", action="extend", nargs="+", type=sku_quantity, default=[], metavar="SKU=QTY"
    )
    _add_order_fail(_command(group, "fail", "record a failed delivery attempt", order_fail))
    listing = _command(group, "list", "list orders by number", order_list)
    listing.add_argument("--counterparty", metavar="CODE")
    listing.add_argument(
        "--state", action="extend", nargs="+", choices=[state.value for state in OrderState]
    )
    _add_paging_options(listing)
    _add_order_number(_command(group, "show", "show one order", order_show), version=False)


def _add_order_create(create: argparse.ArgumentParser) -> None:
    create.add_argument("--counterparty", required=True, metavar="CODE")
    create.add_argument("--warehouse", required=True, metavar="CODE")
    create.add_argument(
        "--line", required=True, action="append", type=sku_quantity, metavar="SKU=QTY"
    )
    for option in ("--recipient", "--address", "--comment"):
        create.add_argument(option)


def _add_order_fail(fail: argparse.ArgumentParser) -> None:
    _add_order_number(fail)
    fail.add_argument("--reason", required=True, choices=sorted(FAILURE_REASONS))
    reserve = fail.add_mutually_exclusive_group()
    reserve.add_argument("--keep-reserve", dest="keep_reserve", action="store_const", const=True)
    reserve.add_argument(
        "--release-reserve", dest="keep_reserve", action="store_const", const=False
    )


def _add_shipment_commands(group: Subcommands) -> None:
    listing = _command(group, "list", "list shipments", shipment_list)
    listing.add_argument("--counterparty", metavar="CODE")
    listing.add_argument("--order", type=int, metavar="N")
    _add_period_options(listing)
    _add_paging_options(listing)


def _add_period_commands(group: Subcommands) -> None:
    close = _command(group, "close", "close every ended month up to a date", period_close)
    close.add_argument(
        "--through", type=date_argument, metavar="YYYY-MM-DD", help="default: end of last month"
    )


def _add_db_commands(group: Subcommands) -> None:
    backup = _command(group, "backup", "copy a SQLite database while it is in use", db_backup)
    backup.add_argument("file", type=Path, metavar="FILE")


# running -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse printed the usage or the help
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    console = Console(
        highlight=False, markup=False, emoji=False, width=None if sys.stdout.isatty() else 160
    )
    try:
        if args.command == "demo":
            return run_demo(args.directory, args.lang, console)
        _require_existing(args.db)
        with open_app(args.db) as app:
            args.run(Session(app, args, console))
        return 0
    except ValidationError as error:
        for problem in error.problems:
            _complain(problem_text(problem, args.lang))
    except (CustodyError, InputError) as error:
        _complain(error.message(args.lang))
    except BrokenPipeError:
        # The reader went away (`custody ... | head`): what was asked is done; stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        _complain(str(error))
    return EXIT_ERROR


def _complain(message: str) -> None:
    print(f"custody: {message}", file=sys.stderr)


def problem_text(problem: Problem, lang: str) -> str:
    """One problem of a validation error, with its row when it has one.

    A code the message catalogue does not know yet still names its field,
    value and what was expected.
    """
    phrases = PHRASES[lang]
    if problem.code in CATALOG:
        text, notes = problem.message(lang), []
    else:
        text = phrases["problem"].format(field=problem.field, code=problem.code)
        notes = [
            phrases[f"problem_{key}"].format(**{key: getattr(problem, key)})
            for key in ("value", "expected")
            if getattr(problem, key) is not None
        ]
    if problem.row is not None:
        notes.append(phrases["row"].format(row=problem.row))
    return f"{text} ({', '.join(notes)})" if notes else text


def run_demo(directory: Path, lang: str, console: Console) -> int:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        print(f"custody: {directory} is not an empty folder; choose a new one", file=sys.stderr)
        return EXIT_USAGE
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "custody.sqlite"
    with open_app(f"sqlite:///{database}") as app:
        account = build_demo(app)
        report = _manager_desk(app, account.code).stock_report(MAIN_CLIENT)
        print_report(report, lang, console)
        _print_shortages(report, lang, console)
    command = f"custody --db {database} stock report --counterparty {MAIN_CLIENT} --json"
    console.print("\n" + PHRASES[lang]["database"].format(path=database))
    console.print(PHRASES[lang]["try"].format(command=command))
    return 0


def _require_existing(url: str) -> None:
    """Commands never create a database by accident."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise NotFound(entity="database", key=url.removeprefix("sqlite:///"))


def _manager_desk(app: Application, account_code: str) -> BackOffice:
    """The CLI is a local operator's tool: it acts as a manager of the account."""
    account = app.account(account_code)
    return app.back_office(Principal.manager(account.id, "cli"))


class Session:
    """One command's run: its arguments, the open application and where output goes."""

    def __init__(self, app: Application, args: argparse.Namespace, console: Console) -> None:
        self.app = app
        self.args = args
        self.console = console
        self.lang: str = args.lang

    @cached_property
    def desk(self) -> BackOffice:
        return _manager_desk(self.app, self.args.account)

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
        self.console.print(PHRASES[self.lang][phrase].format(**values), soft_wrap=True)

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

    def page(self, page: Page[Any], show: Callable[[], None]) -> None:
        """A page of a list: its rows, then how to get the next page."""
        data = {"items": [self.document(row) for row in page.items], "next_after": page.next_after}

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
        self.card(title, order_fields(order, self.names, self.lang))

    def show_shipment(self, shipment: Shipment) -> None:
        self.names.learn([shipment.counterparty_id])
        title = TITLES[self.lang]["shipment"].format(number=shipment.number)
        self.card(title, shipment_fields(shipment, self.names))


class Names:
    """Codes and SKUs by id, for output; an id it cannot name prints as is."""

    def __init__(self, desk: BackOffice) -> None:
        self._desk = desk
        self._known: dict[UUID, str] = {}

    def __call__(self, key: UUID) -> str:
        return self._known.get(key, str(key))

    def get(self, key: UUID) -> str | None:
        return self._known.get(key)

    def learn(self, counterparty_ids: Iterable[UUID]) -> None:
        """Learn the codes of these counterparties, their items and the warehouses."""
        wanted = [key for key in dict.fromkeys(counterparty_ids) if key not in self._known]
        if not wanted:
            return
        for warehouse in self._desk.warehouses():
            self._known[warehouse.id] = warehouse.code
        for counterparty in self._desk.counterparties():
            if counterparty.id in wanted:
                self._known[counterparty.id] = counterparty.code
                for item in self._desk.items(counterparty.code):
                    self._known[item.id] = item.sku


# commands ----------------------------------------------------------------------------------


def stock_report(session: Session) -> None:
    args = session.args
    report = session.desk.stock_report(
        args.counterparty, date_from=args.date_from, date_to=args.date_to, as_of=args.as_of
    )

    def show() -> None:
        print_report(report, session.lang, session.console)
        _print_shortages(report, session.lang, session.console)

    session.emit(report_data(report), show)


def receipt_post(session: Session) -> None:
    draft = read_receipt(session.args.file)
    receipt = session.desk.post_receipt(draft)

    def show() -> None:
        names = session.names
        names.learn([receipt.counterparty_id])
        fields = {
            "date": receipt.date.isoformat(),
            "counterparty": names(receipt.counterparty_id),
            "warehouse": names(receipt.warehouse_id),
            "lines": _lines(receipt.lines, names),
        }
        session.card(TITLES[session.lang]["receipt"].format(number=receipt.number), fields)

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


# the receipt file --------------------------------------------------------------------------


def read_receipt(path: Path) -> ReceiptDraft:
    """A receipt draft from a JSON file; numbers are read as exact decimals, never floats."""
    data = _load_json(path)
    if not isinstance(data, dict):
        raise InputError("top_not_object", path=path)
    fields = _keys(data, path, "", RECEIPT_KEYS, frozenset({"contract"}))
    lines = fields["lines"]
    if not isinstance(lines, list):
        raise InputError("not_list", path=path, key="lines")
    drafts = [_line_draft(line, path, f"lines[{row}]") for row, line in enumerate(lines, 1)]
    for key in ("number", "counterparty", "warehouse"):
        _text(fields[key], path, key)
    if fields.get("contract") is not None:
        _text(fields["contract"], path, "contract")
    day = parse_date(fields["date"])
    if day is None:
        raise InputError("bad_date", path=path, key="date", value=json.dumps(fields["date"]))
    return ReceiptDraft(
        number=fields["number"],
        date=day,
        counterparty=fields["counterparty"],
        warehouse=fields["warehouse"],
        lines=drafts,
        contract=fields.get("contract"),
    )


def _load_json(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as file:
            return json.load(file, parse_float=Decimal)
    except FileNotFoundError:
        raise InputError("no_file", path=path) from None
    except UnicodeDecodeError:
        raise InputError("not_utf8", path=path) from None
    except json.JSONDecodeError as error:
        raise InputError(
            "bad_json", path=path, line=error.lineno, column=error.colno, reason=error.msg
        ) from None


def _keys(
    data: dict[str, Any],
    path: Path,
    prefix: str,
    required: frozenset[str],
    optional: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """`data` once it has every required key and no unknown one (a typo must not pass)."""
    missing = sorted(required - data.keys())
    if missing:
        raise InputError("missing_key", path=path, key=prefix + missing[0])
    unknown = sorted(data.keys() - required - optional)
    if unknown:
        raise InputError("unknown_key", path=path, key=prefix + unknown[0])
    return data


def _line_draft(line: object, path: Path, where: str) -> LineDraft:
    if not isinstance(line, dict):
        raise InputError("not_object", path=path, key=where)
    fields = _keys(line, path, f"{where}.", LINE_KEYS)
    _text(fields["sku"], path, f"{where}.sku")
    return LineDraft(fields["sku"], fields["quantity"])


def _text(value: object, path: Path, key: str) -> None:
    if not isinstance(value, str):
        raise InputError("not_text", path=path, key=key)


# output ------------------------------------------------------------------------------------


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


def print_report(report: StockReport, lang: str, console: Console) -> None:
    title = TITLES[lang]["stock"].format(
        name=report.counterparty.name,
        code=report.counterparty.code,
        start=report.period_start.isoformat(),
        end=report.period_end.isoformat(),
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


def _print_shortages(report: StockReport, lang: str, console: Console) -> None:
    for number, missing in report.shortages_by_order().items():
        items = ", ".join(f"{sku} −{_number(quantity)}" for sku, quantity in missing)
        console.print(PHRASES[lang]["short"].format(number=number, items=items))


def order_fields(order: DeliveryOrder, names: Names, lang: str) -> dict[str, str]:
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
        "reason": order.failure_reason or "",
        "created": _instant(order.created_at),
        "confirmed": _instant(order.confirmed_at),
    }


def shipment_fields(shipment: Shipment, names: Names) -> dict[str, str]:
    return {
        "number": str(shipment.number),
        "date": shipment.date.isoformat(),
        "order": str(shipment.order_number),
        "counterparty": names(shipment.counterparty_id),
        "warehouse": names(shipment.warehouse_id),
        "lines": _lines(shipment.lines, names),
        "refused": _lines(shipment.refused, names),
        "recipient": shipment.recipient or "",
        "address": shipment.address or "",
        "posted": f"{_instant(shipment.posted_at)}, {shipment.posted_by}",
    }


def _lines(lines: Iterable[Line], names: Names) -> str:
    return ", ".join(f"{names(line.item_id)} × {_number(line.quantity)}" for line in lines)


def _instant(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _number(value: Decimal) -> str:
    return f"{value:,}".replace(",", " ")


if __name__ == "__main__":
    sys.exit(main())
