"""The command line: options, and one subcommand per function in `commands`.

Its help texts, placeholders and argument errors are the catalogue's (`cli_help`,
`cli_metavars`, `cli_usage`), in the language `build_parser` is given; build and run it
inside `usage.speaking(lang)` for argparse's own words in that language too."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
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
from custody_core.cli.usage import CommandParser, default_language, usage_text
from custody_core.demo import ACCOUNT_CODE
from custody_core.domain.messages import language
from custody_core.domain.orders import FAILURE_REASONS, OrderState
from custody_core.domain.principal import Role

DEFAULT_DB = "sqlite:///custody.sqlite"
PASSWORD_HASHERS = ("argon2", "scrypt")
ROLES = [role.value for role in Role]


def database_url(value: str) -> str:
    """A storage URL; a bare path means a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


def date_argument(text: str, lang: str = "en") -> date:
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(usage_text(lang, "not_a_date", value=text))
    return parsed


def day_or_instant(text: str, lang: str = "en") -> date | datetime:
    """A date YYYY-MM-DD, or an instant "YYYY-MM-DD HH:MM" (on the account's clock unless
    it names its offset, as in 2026-11-12T14:30+03:00)."""
    if len(text.strip()) <= len("YYYY-MM-DD"):
        return date_argument(text, lang)
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(usage_text(lang, "not_an_instant", value=text)) from None


def sku_quantity(text: str, lang: str = "en") -> tuple[str, str]:
    """`SKU=QUANTITY`; the quantity stays a string for the library to check exactly."""
    sku, equals, quantity = text.partition("=")
    if not equals or not sku.strip() or not quantity.strip():
        raise argparse.ArgumentTypeError(usage_text(lang, "not_sku_quantity", value=text))
    return sku.strip(), quantity.strip()


def whole_number(text: str, lang: str = "en") -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(usage_text(lang, "not_a_number", value=text)) from None


class Words:
    """What one parser says: help texts and placeholders in its language, and argument
    types that word their errors in it."""

    def __init__(self, lang: str) -> None:
        texts = language(lang)
        self.lang = lang
        self.help = texts.cli_help
        self.metavar = texts.cli_metavars
        self.date = partial(date_argument, lang=lang)
        self.day_or_instant = partial(day_or_instant, lang=lang)
        self.sku_quantity = partial(sku_quantity, lang=lang)
        self.number = partial(whole_number, lang=lang)
        self.rows = partial(rows_argument, lang=lang)


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    words = Words(lang)
    say, metavar = words.help, words.metavar
    parser = CommandParser(prog="custody", description=say["custody"])
    parser.add_argument(
        "--db",
        default=os.environ.get("CUSTODY_DB", DEFAULT_DB),
        type=database_url,
        metavar=metavar["db"],
        help=say["database"],
    )
    parser.add_argument(
        "--account",
        default=os.environ.get("CUSTODY_ACCOUNT", ACCOUNT_CODE),
        metavar=metavar["code"],
        help=say["account"],
    )
    parser.add_argument(
        "--lang", choices=sorted(LABELS), default=default_language(), help=say["lang"]
    )
    # Hidden from --help: an install-wide choice (and tests' cheap hasher), not a daily option.
    # Users must log in with the hasher that hashed their password.
    parser.add_argument(
        "--password-hasher",
        choices=PASSWORD_HASHERS,
        default=os.environ.get("CUSTODY_PASSWORD_HASHER", "argon2"),
        help=argparse.SUPPRESS,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar=metavar["command"])

    demo = commands.add_parser("demo", help=say["demo"], description=say["demo"])
    demo.add_argument("directory", type=Path, metavar=metavar["dir"])

    for name, add in (
        ("stock", _add_stock_commands),
        ("receipt", _add_receipt_commands),
        ("order", _add_order_commands),
        ("shipment", _add_shipment_commands),
        ("period", _add_period_commands),
        ("db", _add_db_commands),
        ("user", _add_user_commands),
        ("card", _add_card_commands),
        ("registry", _add_registry_commands),
    ):
        add(_group(commands, name, words), words)
    _add_print_command(commands, words)
    _add_billing_commands(commands, words)
    login = _password_command(commands, "login", words, log_in)
    login.add_argument("login", metavar=metavar["login"], help=say["login_login"])
    _add_password_stdin(login, say["login_password_stdin"])
    return parser


Subcommands = Any  # argparse's _SubParsersAction is private
Run = Callable[["Session"], int | None]


def _group(commands: Subcommands, name: str, words: Words) -> Subcommands:
    group = commands.add_parser(name, help=words.help[name], description=words.help[name])
    return group.add_subparsers(
        dest=f"{name}_command", required=True, metavar=words.metavar["command"]
    )


def _command(
    group: Subcommands, name: str, words: Words, run: Run, **options: Any
) -> argparse.ArgumentParser:
    """A leaf command: every one can print JSON instead of a table. Its help is the
    `cli_help` text named after its group and itself ("order_show")."""
    prefix = group.dest.removesuffix("command").removesuffix("_")
    help_text = words.help[f"{prefix}_{name}" if prefix else name]
    parser: argparse.ArgumentParser = group.add_parser(
        name, help=help_text, description=help_text, **options
    )
    parser.add_argument("--json", action="store_true", help=words.help["json"])
    parser.set_defaults(run=run)
    return parser


def _add_period_options(parser: argparse.ArgumentParser, words: Words) -> None:
    date_metavar = words.metavar["date"]
    parser.add_argument("--from", dest="date_from", type=words.date, metavar=date_metavar)
    parser.add_argument("--to", dest="date_to", type=words.date, metavar=date_metavar)


def _add_paging_options(parser: argparse.ArgumentParser, words: Words) -> None:
    parser.add_argument(
        "--limit", type=words.number, default=None, metavar="N", help=words.help["limit"]
    )
    parser.add_argument("--after", metavar=words.metavar["cursor"], help=words.help["after"])


def _add_order_number(parser: argparse.ArgumentParser, words: Words, version: bool = True) -> None:
    parser.add_argument("number", type=words.number, metavar="N", help=words.help["order_number"])
    if version:
        parser.add_argument(
            "--expected-version",
            type=words.number,
            metavar="V",
            help=words.help["expected_version"],
        )


def _counterparty(parser: argparse.ArgumentParser, words: Words, **options: Any) -> None:
    parser.add_argument("--counterparty", metavar=words.metavar["code"], **options)


def _add_stock_commands(group: Subcommands, words: Words) -> None:
    report = _command(group, "report", words, stock_report)
    _counterparty(report, words, required=True)
    _add_period_options(report, words)
    report.add_argument(
        "--as-of",
        type=words.day_or_instant,
        metavar=words.metavar["day_or_instant"],
        help=words.help["as_of"],
    )


def _add_receipt_commands(group: Subcommands, words: Words) -> None:
    post = _command(group, "post", words, receipt_post)
    post.add_argument("file", type=Path, metavar=words.metavar["json_file"])


def _add_order_commands(group: Subcommands, words: Words) -> None:
    _add_order_create(_command(group, "create", words, order_create), words)
    for name, run in (("confirm", order_confirm), ("cancel", order_cancel)):
        _add_order_number(_command(group, name, words, run), words)
    deliver = _command(group, "deliver", words, order_deliver)
    _add_order_number(deliver, words)
    deliver.add_argument(
        "--refused",
        action="extend",
        nargs="+",
        type=words.sku_quantity,
        default=[],
        metavar=words.metavar["sku_quantity"],
    )
    _add_order_fail(_command(group, "fail", words, order_fail), words)
    listing = _command(group, "list", words, order_list)
    _counterparty(listing, words)
    listing.add_argument(
        "--state", action="extend", nargs="+", choices=[state.value for state in OrderState]
    )
    _add_paging_options(listing, words)
    _add_order_number(_command(group, "show", words, order_show), words, version=False)


def _add_order_create(create: argparse.ArgumentParser, words: Words) -> None:
    _counterparty(create, words, required=True)
    create.add_argument("--warehouse", required=True, metavar=words.metavar["code"])
    create.add_argument(
        "--line",
        required=True,
        action="append",
        type=words.sku_quantity,
        metavar=words.metavar["sku_quantity"],
    )
    for option in ("recipient", "address", "comment"):
        create.add_argument(f"--{option}", metavar=words.metavar[option])


def _add_order_fail(fail: argparse.ArgumentParser, words: Words) -> None:
    _add_order_number(fail, words)
    fail.add_argument("--reason", required=True, choices=sorted(FAILURE_REASONS))
    reserve = fail.add_mutually_exclusive_group()
    reserve.add_argument("--keep-reserve", dest="keep_reserve", action="store_const", const=True)
    reserve.add_argument(
        "--release-reserve", dest="keep_reserve", action="store_const", const=False
    )


def _add_shipment_commands(group: Subcommands, words: Words) -> None:
    listing = _command(group, "list", words, shipment_list)
    _counterparty(listing, words)
    listing.add_argument("--order", type=words.number, metavar="N")
    reversal = listing.add_mutually_exclusive_group()
    reversal.add_argument(
        "--reversed", action="store_const", const=True, help=words.help["reversed"]
    )
    reversal.add_argument(
        "--not-reversed",
        dest="reversed",
        action="store_const",
        const=False,
        help=words.help["not_reversed"],
    )
    _add_period_options(listing, words)
    _add_paging_options(listing, words)


def _add_period_commands(group: Subcommands, words: Words) -> None:
    close = _command(group, "close", words, period_close)
    close.add_argument(
        "--through", type=words.date, metavar=words.metavar["date"], help=words.help["through"]
    )


def _add_db_commands(group: Subcommands, words: Words) -> None:
    backup = _command(group, "backup", words, db_backup)
    backup.add_argument("file", type=Path, metavar=words.metavar["file"])
    _command(group, "migrate", words, db_migrate)


def _password_command(
    group: Subcommands, name: str, words: Words, run: Run
) -> argparse.ArgumentParser:
    """A command that reads a password: never as an option, which would stay in shell
    history and show in `ps`. Its options are not abbreviated, so `--password SECRET` is a
    usage error rather than `--password-stdin` and a stray argument."""
    return _command(group, name, words, run, allow_abbrev=False)


def _add_password_stdin(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--password-stdin", action="store_true", help=help_text)


def _add_user_commands(group: Subcommands, words: Words) -> None:
    say, metavar = words.help, words.metavar
    add = _password_command(group, "add", words, user_add)
    add.add_argument("login", metavar=metavar["login"])
    add.add_argument("--last-name", required=True, metavar=metavar["name"])
    add.add_argument("--first-name", required=True, metavar=metavar["name"])
    add.add_argument("--middle-name", metavar=metavar["name"])
    add.add_argument("--phone", metavar=metavar["phone"], help=say["phone"])
    add.add_argument("--email", metavar=metavar["email"])
    _add_password_stdin(add, say["user_password_stdin"])
    grant = _command(group, "grant", words, user_grant)
    grant.add_argument("login", metavar=metavar["login"])
    grant.add_argument(
        "roles", nargs="+", choices=ROLES, metavar=metavar["role"], help=", ".join(ROLES)
    )
    listing = _command(group, "list", words, user_list)
    listing.add_argument("--role", choices=ROLES)
    state = listing.add_mutually_exclusive_group()
    state.add_argument("--disabled", dest="disabled", action="store_const", const=True)
    state.add_argument("--enabled", dest="disabled", action="store_const", const=False)
    _add_paging_options(listing, words)


def _add_card_commands(group: Subcommands, words: Words) -> None:
    say, metavar = words.help, words.metavar
    create = _command(group, "create", words, card_create)
    _counterparty(create, words, required=True)
    create.add_argument("--user", required=True, metavar=metavar["login"], help=say["card_user"])
    create.add_argument("--contract", metavar=metavar["number"], help=say["contract"])
    create.add_argument("--url", metavar=metavar["url"], help=say["url"])
    create.add_argument("--login", metavar=metavar["login"], help=say["card_login"])


def _add_registry_commands(group: Subcommands, words: Words) -> None:
    say, metavar = words.help, words.metavar
    _command(group, "templates", words, registry_templates)
    load = _command(group, "import", words, registry_import)
    load.add_argument("file", type=Path, metavar=metavar["file"], help=say["registry_file"])
    load.add_argument("--template", required=True, metavar=metavar["name"])
    _counterparty(load, words, required=True)
    load.add_argument("--rows", type=words.rows, metavar=metavar["rows"], help=say["rows"])
    load.add_argument("--dry-run", action="store_true", help=say["dry_run"])
    mode = load.add_mutually_exclusive_group()
    mode.add_argument(
        "--all-or-nothing", dest="partial", action="store_false", help=say["all_or_nothing"]
    )
    mode.add_argument("--partial", dest="partial", action="store_true", help=say["partial"])
    load.set_defaults(partial=False)
    load.add_argument("--warehouse", metavar=metavar["code"], help=say["warehouse"])
    load.add_argument("--reader", metavar=metavar["name"], help=say["reader"])


def _add_print_command(commands: Subcommands, words: Words) -> None:
    say, metavar = words.help, words.metavar
    printing = _command(commands, "print", words, print_form)
    printing.add_argument("kind", choices=KINDS, metavar=metavar["kind"], help=say["kind"])
    printing.add_argument(
        "numbers", nargs="+", metavar=metavar["document_number"], help=say["numbers"]
    )
    printing.add_argument("--format", default="xlsx", metavar=metavar["format"], help=say["format"])
    printing.add_argument("-o", "--output", type=Path, metavar=metavar["file"])
    printing.add_argument("--force", action="store_true", help=say["force"])
    _counterparty(printing, words, help=say["print_counterparty"])
    printing.add_argument("--year", type=words.number, metavar=metavar["year"], help=say["year"])


def _add_billing_commands(commands: Subcommands, words: Words) -> None:
    for name, run in (("requisites", requisites_set), ("tariff", tariff_set)):
        setting = _command(_group(commands, name, words), "set", words, run)
        setting.add_argument("file", type=Path, metavar=words.metavar["file"])
        _counterparty(setting, words, help=words.help["billing_counterparty"])
