"""Running the command: parse, open the database, run, and turn errors into one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from custody_core.bootstrap import open as open_app
from custody_core.cli.errors import InputError, file_error, problem_text
from custody_core.cli.output import print_report, print_shortages
from custody_core.cli.parser import build_parser
from custody_core.cli.phrases import PHRASES
from custody_core.cli.session import Session, manager_desk
from custody_core.cli.usage import command_language, speaking
from custody_core.demo import MAIN_CLIENT, build_demo, write_forms
from custody_core.domain.errors import CustodyError, NotFound, StorageError, ValidationError
from custody_core.domain.imports import RegistryRejected, omitted_message

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    lang = command_language(arguments)
    try:
        with speaking(lang):  # argparse's usage, help and errors in the chosen language
            args = build_parser(lang).parse_args(arguments)
    except SystemExit as stop:  # argparse printed the usage or the help
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    console = Console(
        highlight=False, markup=False, emoji=False, width=None if sys.stdout.isatty() else 160
    )
    try:
        if args.command == "demo":
            return run_demo(args.directory, args.lang, console)
        _require_existing(args.db)
        with open_app(args.db, password_hasher=args.password_hasher) as app:
            code = args.run(Session(app, args, console))
        return code or 0
    except KeyboardInterrupt:  # Ctrl-C, say at a password prompt: nothing more is done
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except ValidationError as error:
        for problem in error.problems:
            _complain(problem_text(problem, args.lang))
        omitted = isinstance(error, RegistryRejected) and omitted_message(error.result, args.lang)
        if omitted:
            _complain(omitted)
    except (CustodyError, InputError) as error:
        _complain(error.message(args.lang))
        if isinstance(error, StorageError):
            # The CLI's user is the operator of the database it names: where and why.
            for note in getattr(error, "__notes__", ()):
                _complain(note)
    except BrokenPipeError:
        # The reader went away (`custody ... | head`): what was asked is done; stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        _complain(file_error(error, args.lang))
    return EXIT_ERROR


def _complain(message: str) -> None:
    print(f"custody: {message}", file=sys.stderr)


def run_demo(directory: Path, lang: str, console: Console) -> int:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        _complain(PHRASES[lang]["not_empty_folder"].format(path=directory))
        return EXIT_USAGE
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "custody.sqlite"
    with open_app(f"sqlite:///{database}") as app:
        account = build_demo(app)
        report = manager_desk(app, account.code).stock_report(MAIN_CLIENT)
        print_report(report, lang, account.time_zone, console)
        print_shortages(report, lang, console)
        write_forms(app, account, directory)
    command = f"custody --db {database} stock report --counterparty {MAIN_CLIENT} --json"
    console.print("\n" + PHRASES[lang]["database"].format(path=database))
    console.print(PHRASES[lang]["forms_written"].format(path=directory))
    console.print(PHRASES[lang]["try"].format(command=command))
    return 0


def _require_existing(url: str) -> None:
    """Commands never create a database by accident."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise NotFound(entity="database", key=url.removeprefix("sqlite:///"))
