"""The command line: options, and one subcommand per function in `commands`."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from custody_core.cli.commands import (
    card_create,
    db_backup,
    log_in,
    order_cancel,
    order_confirm,
    order_create,
    order_deliver,
    order_fail,
    order_list,
    order_show,
    period_close,
    receipt_post,
    shipment_list,
    stock_report,
    user_add,
    user_grant,
    user_list,
)
from custody_core.cli.migrate import db_migrate
from custody_core.cli.phrases import LABELS
from custody_core.cli.printing import KINDS, print_form, requisites_set, tariff_set
from custody_core.cli.receipt_file import parse_date
from custody_core.cli.registry import registry_import, registry_templates, rows_argument
from custody_core.cli.session import Session
from custody_core.demo import ACCOUNT_CODE
from custody_core.domain.orders import FAILURE_REASONS, OrderState
from custody_core.domain.principal import Role

DEFAULT_DB = "sqlite:///custody.sqlite"
PASSWORD_HASHERS = ("argon2", "scrypt")
ROLES = [role.value for role in Role]


def database_url(value: str) -> str:
    """A storage URL; a bare path means a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


def date_argument(text: str) -> date:
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}")
    return parsed


def day_or_instant(text: str) -> date | datetime:
    """A date YYYY-MM-DD, or an instant "YYYY-MM-DD HH:MM" (on the account's clock unless
    it names its offset, as in 2026-11-12T14:30+03:00)."""
    if len(text.strip()) <= len("YYYY-MM-DD"):
        return date_argument(text)
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date YYYY-MM-DD or an instant YYYY-MM-DD HH:MM, got {text!r}"
        ) from None


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
    # Hidden from --help: an install-wide choice (and tests' cheap hasher), not a daily option.
    # Users must log in with the hasher that hashed their password.
    parser.add_argument(
        "--password-hasher",
        choices=PASSWORD_HASHERS,
        default=os.environ.get("CUSTODY_PASSWORD_HASHER", "argon2"),
        help=argparse.SUPPRESS,
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
    _add_user_commands(_group(commands, "user", "cabinet users and their roles (administrator)"))
    _add_card_commands(_group(commands, "card", "connection cards of client cabinets"))
    _add_registry_commands(_group(commands, "registry", "order registries from spreadsheets"))
    _add_print_command(commands)
    _add_billing_commands(commands)
    login = _password_command(
        commands, "login", "check a login and password; print who it is", log_in
    )
    login.add_argument("login", metavar="LOGIN", help="a user's login or a card's login")
    _add_password_stdin(login, "read the password from the first line of standard input")
    return parser


Subcommands = Any  # argparse's _SubParsersAction is private
Run = Callable[["Session"], int | None]


def _group(commands: Subcommands, name: str, help_text: str) -> Subcommands:
    group = commands.add_parser(name, help=help_text)
    return group.add_subparsers(dest=f"{name}_command", required=True)


def _command(
    group: Subcommands, name: str, help_text: str, run: Run, **options: Any
) -> argparse.ArgumentParser:
    """A leaf command: every one can print JSON instead of a table."""
    parser: argparse.ArgumentParser = group.add_parser(name, help=help_text, **options)
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
        "--as-of",
        type=day_or_instant,
        metavar="YYYY-MM-DD[THH:MM]",
        help="position at the end of a day, or at an instant on the account's clock",
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
    reversal = listing.add_mutually_exclusive_group()
    reversal.add_argument(
        "--reversed", action="store_const", const=True, help="only the reversed shipments"
    )
    reversal.add_argument(
        "--not-reversed", dest="reversed", action="store_const", const=False, help="only the others"
    )
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
    _command(group, "migrate", "apply the schema migrations the database lacks", db_migrate)


def _password_command(
    group: Subcommands, name: str, help_text: str, run: Run
) -> argparse.ArgumentParser:
    """A command that reads a password: never as an option, which would stay in shell
    history and show in `ps`. Its options are not abbreviated, so `--password SECRET` is a
    usage error rather than `--password-stdin` and a stray argument."""
    return _command(group, name, help_text, run, allow_abbrev=False)


def _add_password_stdin(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--password-stdin", action="store_true", help=help_text)


def _add_user_commands(group: Subcommands) -> None:
    add = _password_command(
        group, "add", "add a user with no role; asks for the password twice", user_add
    )
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--last-name", required=True, metavar="NAME")
    add.add_argument("--first-name", required=True, metavar="NAME")
    add.add_argument("--middle-name", metavar="NAME")
    add.add_argument(
        "--phone", metavar="PHONE", help="any common form; stored as E.164 (+79123456789)"
    )
    add.add_argument("--email", metavar="EMAIL")
    _add_password_stdin(
        add, "read the password from standard input: line 1, and its confirmation from line 2"
    )
    grant = _command(group, "grant", "set a user's roles to exactly ROLE ...", user_grant)
    grant.add_argument("login", metavar="LOGIN")
    grant.add_argument("roles", nargs="+", choices=ROLES, metavar="ROLE", help=", ".join(ROLES))
    listing = _command(group, "list", "list users by login", user_list)
    listing.add_argument("--role", choices=ROLES)
    state = listing.add_mutually_exclusive_group()
    state.add_argument("--disabled", dest="disabled", action="store_const", const=True)
    state.add_argument("--enabled", dest="disabled", action="store_const", const=False)
    _add_paging_options(listing)


def _add_card_commands(group: Subcommands) -> None:
    create = _command(
        group, "create", "connect a client-cabinet user to a counterparty", card_create
    )
    create.add_argument("--counterparty", required=True, metavar="CODE")
    create.add_argument("--user", required=True, metavar="LOGIN", help="a client_cabinet user")
    create.add_argument("--contract", metavar="NUMBER", help="default: the main contract")
    create.add_argument("--url", help="the cabinet's address; default: the account's setting")
    create.add_argument(
        "--login", metavar="LOGIN", help="the login the client types; default: its phone"
    )


def _add_registry_commands(group: Subcommands) -> None:
    _command(group, "templates", "list the registry templates", registry_templates)
    load = _command(group, "import", "create the orders of a registry file", registry_import)
    load.add_argument("file", type=Path, metavar="FILE", help=".xlsx, .xlsm, .csv (and more)")
    load.add_argument("--template", required=True, metavar="NAME")
    load.add_argument("--counterparty", required=True, metavar="CODE")
    load.add_argument(
        "--rows", type=rows_argument, metavar="FIRST:LAST", help="rows to read, e.g. 2:500"
    )
    load.add_argument("--dry-run", action="store_true", help="check and summarise; store nothing")
    mode = load.add_mutually_exclusive_group()
    mode.add_argument(
        "--all-or-nothing",
        dest="partial",
        action="store_false",
        help="create no order if any row has a problem (the default)",
    )
    mode.add_argument(
        "--partial", dest="partial", action="store_true", help="create the valid orders"
    )
    load.set_defaults(partial=False)
    load.add_argument("--warehouse", metavar="CODE", help="for rows that name none")
    load.add_argument("--reader", metavar="NAME", help="openpyxl, calamine or csv")


def _add_print_command(commands: Subcommands) -> None:
    printing = _command(commands, "print", "print a form of a document to a file", print_form)
    printing.add_argument("kind", choices=KINDS, help="mx1 (a receipt); mx3, act, invoice")
    printing.add_argument(
        "numbers",
        nargs="+",
        metavar="DOCUMENT_NUMBER",
        help="the receipt's number for mx1; shipment numbers (act, invoice: one or more)",
    )
    printing.add_argument(
        "--format", default="xlsx", metavar="FORMAT", help="xlsx (default), html, pdf"
    )
    printing.add_argument("-o", "--output", type=Path, metavar="FILE")
    printing.add_argument(
        "--force", action="store_true", help="replace an existing file (a symlink: itself)"
    )
    printing.add_argument("--counterparty", metavar="CODE", help="mx1: the receipt's")
    printing.add_argument("--year", type=int, metavar="YYYY", help="mx1: default this year")


def _add_billing_commands(commands: Subcommands) -> None:
    for name, help_text, run in (
        ("requisites", "requisites printed on forms (administrator)", requisites_set),
        ("tariff", "tariffs that price services (administrator)", tariff_set),
    ):
        group = _group(commands, name, help_text)
        setting = _command(group, "set", f"store the {name} from a TOML or JSON file", run)
        setting.add_argument("file", type=Path, metavar="FILE")
        setting.add_argument(
            "--counterparty", metavar="CODE", help="a counterparty's own; default: the company's"
        )
