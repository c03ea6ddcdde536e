"""Benchmark 3: importing an order registry, against bare reads of the same file in one run.

A registry in the built-in `courier-simple` layout (one order per row, eleven
columns: number, date, recipient, phone, address, cargo description, places,
weight, declared value, cash on delivery, comment) is generated with
openpyxl. Measured on it, best of a few runs each:

- bare openpyxl: `load_workbook(read_only=True, data_only=True)` and every row's
  values; bare python-calamine: the sheet's rows (`iter_rows`);
- the import's dry run (parse, validate, summarise) with each reader; targets:
  within 1.3x of bare openpyxl with the openpyxl reader, within 3x of bare
  calamine with the calamine reader;
- the real run creating every order in SQLite; target: within 2x of the dry
  run with the same reader; the goal beyond: the whole import with calamine
  faster than bare openpyxl merely reading the file;
- for the calamine target, two floors beside it: the calamine reader adapter
  alone (grid guard, calamine, normalisation), and that reader followed by
  every field read and checked into a checked order, with none of the
  import's bookkeeping;
- peak memory (the child process's peak resident set, VmHWM) of an openpyxl dry
  run and of an openpyxl real run on 10,000 and on 100,000 rows, each in a fresh
  process; target: flat (the larger within 1.25x of the smaller), shown beside
  bare openpyxl's.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import openpyxl

import custody_core
from benchmarks.common import Outcome, table, verdict
from custody_core import Principal
from custody_core.domain import cells, numbers
from custody_core.domain.checks import Checks
from custody_core.domain.orders import Cargo
from custody_core.domain.parties import Warehouse
from custody_core.ports.spreadsheets import ReadLimits, SheetRequest
from custody_core.services import contacts
from custody_core.services.order_building import CheckedOrder
from custody_core.testing.clock import ManualClock

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
COUNTERPARTY = "CLIENT"
TEMPLATE = "courier-simple"
HEADER = ["№ заказа", "Дата доставки", "Получатель", "Телефон", "Адрес", "Груз", "Мест", "Вес",
          "Ценность", "Наложенный платёж", "Комментарий"]  # fmt: skip
STREETS = ["Ленина", "Мира", "Садовая", "Лесная", "Школьная", "Советская", "Молодёжная"]
NAMES = ["Иванов И. И.", "Петрова А. С.", "Сидоров П. П.", "Кузнецова Е. В.", "Смирнов Д. А."]


@dataclass(frozen=True)
class Sizes:
    rows: int
    small: int
    runs: int


QUICK = Sizes(rows=2_000, small=500, runs=1)
FULL = Sizes(rows=100_000, small=10_000, runs=3)


def generate(path: Path, rows: int, seed: int = 7) -> Path:
    """A registry of `rows` orders, one per row, as a courier's client would send it."""
    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Реестр")
    sheet.append(HEADER)
    first_day = date(2026, 12, 1)
    for number in range(1, rows + 1):
        sheet.append(
            [
                f"R-{number:07d}",
                datetime.combine(first_day + timedelta(days=number % 20), datetime.min.time()),
                rng.choice(NAMES),
                f"+7 912 {rng.randrange(10**7):07d}",
                f"г. Москва, ул. {rng.choice(STREETS)}, д. {rng.randrange(1, 200)}",
                "Коробка" if number % 3 else None,
                rng.randrange(1, 4),
                round(rng.uniform(0.1, 30), 2),
                rng.randrange(0, 50_000),
                f"{rng.randrange(0, 10_000)},{rng.randrange(100):02d}" if number % 4 == 0 else None,
                "Позвонить за час" if number % 7 == 0 else None,
            ]
        )
    book.save(path)
    return path


def bare_openpyxl(path: Path) -> int:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return count


def bare_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return sum(1 for _ in workbook.get_sheet_by_index(0).iter_rows())


def calamine_reader(path: Path) -> int:
    """The calamine reader adapter alone (its grid guard, calamine, the normalisation rule):
    what the import pays before it reads a field."""
    from custody_core.adapters.spreadsheets.calamine_reader import CalamineReader

    request = SheetRequest(sheet=1, first_row=1, width=len(HEADER))
    with CalamineReader().open(path, request, ReadLimits()) as rows:
        return sum(1 for _ in rows)


def fields_floor(path: Path) -> int:
    """A floor under the calamine dry run: the calamine reader's rows (guard and
    normalisation included), each row's eleven fields read by the library's cell readers
    and checked by its own checks into a checked order with its cargo. No grouping, seen
    numbers, problems or summary: what any import through that reader must do at least."""
    from custody_core.adapters.spreadsheets.calamine_reader import CalamineReader

    warehouse = Warehouse(uuid4(), uuid4(), "W1", "Main")
    request = SheetRequest(sheet=1, first_row=2, width=len(HEADER))
    made = 0
    with CalamineReader().open(path, request, ReadLimits()) as rows:
        for _, row in rows:
            number, day, name, phone, address, cargo, places, weight, value, cash, comment = row
            checks = Checks()
            weight_read, value_read = cells.read_decimal(weight), cells.read_decimal(value)
            cash_read = cells.read_decimal(cash)
            CheckedOrder(
                warehouse=warehouse,
                lines=(),
                cargo=(
                    Cargo(
                        checks.text(cells.read_text(cargo) or "Груз", "description"),
                        cells.read_integer(places) or 1,
                        None if weight_read is None else numbers.quantity(weight_read, 3, "w"),
                        None if value_read is None else numbers.money(value_read, "value"),
                    ),
                ),
                recipient=checks.optional_text(cells.read_text(name), "recipient"),
                address=checks.optional_text(cells.read_text(address), "address", 1000),
                comment=checks.optional_text(cells.read_text(comment), "comment", 1000),
                external_number=checks.optional_text(cells.read_text(number), "number", 64),
                phone=contacts.phone(checks, cells.read_text(phone), "phone"),
                delivery_date=cells.read_date(day, ("%d.%m.%Y",)),
                cash_on_delivery=None if cash_read is None else numbers.money(cash_read, "cash"),
                zone=None,
            )
            made += 1
    return made


def prepare(folder: Path) -> Path:
    """A SQLite database with the account, the counterparty and one warehouse."""
    database = folder / "registry-empty.sqlite"
    with _open(database) as app:
        account = app.create_account("bench", "Bench")
        office = app.back_office(Principal.manager(account.id, "bench"))
        office.add_warehouse("W1", "Main")
        office.add_counterparty(COUNTERPARTY, "Client")
        office.add_contract(COUNTERPARTY, "C-1", main=True)
    return database


def _open(database: Path) -> custody_core.Application:
    return custody_core.open(f"sqlite:///{database}", clock=ManualClock(NOW), entry_points=False)


def import_once(database: Path, registry: Path, reader: str, dry_run: bool) -> int:
    """One import through the public API; the orders it made (or would make)."""
    with _open(database) as app:
        office = app.back_office(Principal.manager(app.account("bench").id, "bench"))
        result = office.import_registry(
            registry, TEMPLATE, COUNTERPARTY, dry_run=dry_run, reader=reader
        )
    if not result.ok:
        raise AssertionError(f"the generated registry has problems: {result.problems[:3]}")
    return result.orders


def best(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def peak_memory(registry: Path, database: Path, mode: str) -> int:
    """Peak resident set (KiB, VmHWM) of a fresh process reading `registry`: bare openpyxl
    ("bare"), an openpyxl dry run ("dry") or real run ("real", into a copy of `database`).
    Not ru_maxrss: Linux carries that over from the parent across exec."""
    target = database
    if mode == "real":
        target = database.with_name("registry-memory.sqlite")
        shutil.copyfile(database, target)
    code = (
        "import re\n"
        "from pathlib import Path\n"
        "from benchmarks import registry\n"
        f"registry.bare_openpyxl(Path({str(registry)!r})) if {mode == 'bare'} else "
        f"registry.import_once(Path({str(target)!r}), Path({str(registry)!r}), "
        f"'openpyxl', {mode == 'dry'})\n"
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def run(folder: Path, quick: bool) -> Outcome:
    sizes = QUICK if quick else FULL
    outcome = Outcome(lines=[f"== registry import: {sizes.rows:,} rows ({TEMPLATE}) =="])
    started = time.perf_counter()
    registry = generate(folder / "registry.xlsx", sizes.rows)
    small = generate(folder / "registry-small.xlsx", sizes.small)
    outcome.lines.append(f"generated in {time.perf_counter() - started:.1f} s")
    empty = prepare(folder)
    scratch = folder / "registry-run.sqlite"

    def real(reader: str) -> Callable[[], object]:
        def once() -> None:
            shutil.copyfile(empty, scratch)
            made = import_once(scratch, registry, reader, dry_run=False)
            if made != sizes.rows:
                outcome.problems.append(f"real run with {reader} made {made} orders")

        return once

    def dry(reader: str) -> Callable[[], object]:
        def once() -> None:
            planned = import_once(empty, registry, reader, dry_run=True)
            if planned != sizes.rows:
                outcome.problems.append(f"dry run with {reader} planned {planned} orders")

        return once

    counts = (bare_openpyxl(registry), bare_calamine(registry), calamine_reader(registry))
    if counts != (sizes.rows + 1,) * 3 or fields_floor(registry) != sizes.rows:
        outcome.problems.append("a bare read or the fields floor did not see every row")
    timings = {
        "bare openpyxl": best(sizes.runs, lambda: bare_openpyxl(registry)),
        "bare calamine": best(sizes.runs, lambda: bare_calamine(registry)),
        "calamine reader alone": best(sizes.runs, lambda: calamine_reader(registry)),
        "fields floor, calamine": best(sizes.runs, lambda: fields_floor(registry)),
        "dry run, openpyxl": best(sizes.runs, dry("openpyxl")),
        "dry run, calamine": best(sizes.runs, dry("calamine")),
        "real run, openpyxl": best(sizes.runs, real("openpyxl")),
        "real run, calamine": best(sizes.runs, real("calamine")),
    }
    rows = [
        [name, f"{seconds:.2f}", f"{seconds / sizes.rows * 1e6:.1f}"]
        for name, seconds in timings.items()
    ]
    outcome.lines += table(["run", "seconds", "µs per row"], rows)
    targets = [
        ("dry run, openpyxl", "bare openpyxl", 1.3),
        ("dry run, calamine", "bare calamine", 3.0),
        ("real run, openpyxl", "dry run, openpyxl", 2.0),
        ("real run, calamine", "dry run, calamine", 2.0),
        ("real run, calamine", "bare openpyxl", 1.0),
    ]
    outcome.lines.append("")
    reader = timings["calamine reader alone"]
    own = (timings["dry run, calamine"] - reader) / sizes.rows * 1e6
    bare = timings["bare calamine"]
    outcome.lines.append(
        f"calamine reader alone / bare calamine: {reader / bare:.2f}x"
        f" (grid guard and normalisation); the import's own work: {own:.1f} µs per row"
    )
    outcome.lines.append(
        f"fields floor, calamine / bare calamine: {timings['fields floor, calamine'] / bare:.2f}x"
        " (the reader, then every field read and checked, without the import's bookkeeping)"
    )
    for run_name, baseline, target in targets:
        ratio = timings[run_name] / timings[baseline]
        judged = verdict(ratio, target)
        outcome.lines.append(f"{run_name} / {baseline}: {ratio:.2f}x ({judged})")
        if not quick and "MISSED" in judged:
            outcome.missed.append(f"registry: {run_name} / {baseline} = {ratio:.2f}x > {target}x")
    modes = {"bare": "bare openpyxl", "dry": "dry run", "real": "real run"}
    sized = ((f"{sizes.small:,}", small), (f"{sizes.rows:,}", registry))
    memory = {
        (label, mode): peak_memory(path, empty, mode) for label, path in sized for mode in modes
    }
    outcome.lines.append("")
    outcome.lines += table(
        ["rows", *(f"{name}, MiB" for name in modes.values())],
        [[label, *(f"{memory[label, mode] / 1024:.0f}" for mode in modes)] for label, _ in sized],
    )
    for mode in ("dry", "real"):
        growth = memory[f"{sizes.rows:,}", mode] / memory[f"{sizes.small:,}", mode]
        judged = verdict(growth, 1.25)
        outcome.lines.append(
            f"{modes[mode]} peak memory, {sizes.rows:,} / {sizes.small:,} rows:"
            f" {growth:.2f}x ({judged})"
        )
        if not quick and "MISSED" in judged:
            outcome.missed.append(f"registry: {modes[mode]} peak memory grew {growth:.2f}x")
    return outcome
