"""The `custody` command. Errors print one line and exit non-zero; a traceback is a bug."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from custody_core.bootstrap import open as open_app
from custody_core.converter import make_converter
from custody_core.demo import ACCOUNT_CODE, MAIN_CLIENT, build_demo
from custody_core.domain.errors import CustodyError, NotFound
from custody_core.domain.principal import Principal
from custody_core.domain.stock import StockReport
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice

DEFAULT_DB = "sqlite:///custody.sqlite"
EXIT_ERROR = 1
EXIT_USAGE = 2

LABELS = {
    "en": ("Warehouse", "SKU", "Item", "Unit", "On hand", "Reserved", "Free", "Shortage", "Orders"),
    "ru": (
        "Склад",
        "Артикул",
        "Товар",
        "Ед.",
        "Остаток",
        "Резерв",
        "Свободно",
        "Недостача",
        "Заказы",
    ),
}
PHRASES = {
    "en": {
        "short": "Order №{number} is short: {items}",
        "database": "Database: {path}",
        "try": "Try: {command}",
    },
    "ru": {
        "short": "Заказу №{number} не хватает: {items}",
        "database": "База данных: {path}",
        "try": "Попробуйте: {command}",
    },
}
TITLES = {
    "en": "Goods on custody: {name} ({code}), as of {when}",
    "ru": "Запасы на хранении: {name} ({code}) на {when}",
}


def database_url(value: str) -> str:
    """A storage URL; a bare path means a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


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

    stock = commands.add_parser("stock", help="stock on custody")
    stock_commands = stock.add_subparsers(dest="stock_command", required=True)
    report = stock_commands.add_parser("report", help="current stock of one counterparty")
    report.add_argument("--counterparty", required=True, metavar="CODE")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    try:
        if args.command == "demo":
            return run_demo(args.directory, args.lang, console)
        return run_stock_report(args, console)
    except CustodyError as error:
        print(f"custody: {error.message(args.lang)}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"custody: {error}", file=sys.stderr)
        return EXIT_ERROR


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


def run_stock_report(args: argparse.Namespace, console: Console) -> int:
    _require_existing(args.db)
    with open_app(args.db) as app:
        report = _manager_desk(app, args.account).stock_report(args.counterparty)
    if args.json:
        console.print_json(json.dumps(report_data(report), ensure_ascii=False))
    else:
        print_report(report, args.lang, console)
        _print_shortages(report, args.lang, console)
    return 0


def _require_existing(url: str) -> None:
    """Read commands never create a database by accident."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise NotFound(entity="database", key=url.removeprefix("sqlite:///"))


def _manager_desk(app: Application, account_code: str) -> BackOffice:
    """The CLI is a local operator's tool: it acts as a manager of the account."""
    account = app.account(account_code)
    return app.back_office(Principal.manager(account.id, "cli"))


def report_data(report: StockReport) -> dict[str, Any]:
    """The report as plain data; quantities are exact decimal strings."""
    converter = make_converter()
    return {
        "counterparty": {"code": report.counterparty.code, "name": report.counterparty.name},
        "generated_at": converter.unstructure(report.generated_at),
        "lines": [
            {
                "warehouse": line.warehouse.code,
                "sku": line.item.sku,
                "name": line.item.name,
                "unit": line.item.unit.name,
                "on_hand": converter.unstructure(line.on_hand),
                "reserved": converter.unstructure(line.reserved),
                "free": converter.unstructure(line.free),
                "shortage": converter.unstructure(line.shortage),
                "orders": [
                    {
                        "number": hold.order_number,
                        "confirmed_at": converter.unstructure(hold.confirmed_at),
                        "reserved": converter.unstructure(hold.reserved),
                        "shortage": converter.unstructure(hold.shortage),
                    }
                    for hold in line.holds
                ],
            }
            for line in report.lines
        ],
    }


def print_report(report: StockReport, lang: str, console: Console) -> None:
    when = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    title = TITLES[lang].format(
        name=report.counterparty.name, code=report.counterparty.code, when=when
    )
    table = Table(title=title)
    for index, label in enumerate(LABELS[lang]):
        table.add_column(label, justify="right" if 4 <= index <= 7 else "left")
    for line in report.lines:
        holds = ", ".join(
            f"№{hold.order_number}: {_number(hold.reserved)}"
            + (f" (−{_number(hold.shortage)})" if hold.shortage else "")
            for hold in line.holds
        )
        table.add_row(
            line.warehouse.code,
            line.item.sku,
            line.item.name,
            line.item.unit.name,
            _number(line.on_hand),
            _number(line.reserved),
            _number(line.free),
            _number(line.shortage) if line.shortage else "",
            holds,
        )
    console.print(table)


def _print_shortages(report: StockReport, lang: str, console: Console) -> None:
    for number, missing in report.shortages_by_order().items():
        items = ", ".join(f"{sku} −{_number(quantity)}" for sku, quantity in missing)
        console.print(PHRASES[lang]["short"].format(number=number, items=items))


def _number(value: Decimal) -> str:
    return f"{value:,}".replace(",", " ")


if __name__ == "__main__":
    sys.exit(main())
