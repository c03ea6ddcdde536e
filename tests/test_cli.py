"""The `custody` command, run in-process through `custody_core.cli.main` (and once as a process).

Expected numbers come from the demo's data (src/custody_core/demo.py), worked out by hand:

    ROMASHKA receipt ПН-0001: TEA-001 120, COF-002 40, SUG-003 55.5 kg
    №1 TEA 30 + COF 10     confirmed, delivered: written off (TEA 90, COF 30 left)
    №2 TEA 50 + COF 25     confirmed: holds its reserve, first to be confirmed
    №3 COF 20 + SUG 12.250 confirmed after №2: of COF only 30 - 25 = 5 remain, short 15
    №4 TEA 5               confirmed, then cancelled: reserve released
    №5 SUG 3               a draft: reserves nothing
    BOOK-01 belongs to VASILEK and never appears in ROMASHKA's report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import custody_core
from custody_core.adapters.storage.sqlite.backend import SQLiteStorage
from custody_core.cli import main, problem_text
from custody_core.domain.errors import Problem
from custody_core.domain.orders import OrderState
from custody_core.domain.principal import Principal
from custody_core.services.desks import BackOffice

#: sku -> (on hand, reserved, free, shortage) as the exact strings the JSON must carry.
EXPECTED = {
    "COF-002": ("30", "45", "-15", "15"),
    "SUG-003": ("55.500", "12.250", "43.250", "0"),
    "TEA-001": ("90", "50", "40", "0"),
}
#: sku -> [(order number, reserved, shortage)], earliest confirmation first.
EXPECTED_HOLDS = {
    "COF-002": [(2, "25", "0"), (3, "20", "15")],
    "SUG-003": [(3, "12.250", "0")],
    "TEA-001": [(2, "50", "0")],
}
SHORTAGE_LINE = "Order №3 is short: COF-002 −15"


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No defaults from the developer's shell: English, no colours, no CUSTODY_* settings."""
    for name in ("CUSTODY_DB", "CUSTODY_ACCOUNT", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo database built once through the CLI; tests only read it."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("CUSTODY_DB", "CUSTODY_ACCOUNT", "FORCE_COLOR", "TTY_COMPATIBLE"):
            patch.delenv(name, raising=False)
        directory = tmp_path_factory.mktemp("demo") / "demo"
        assert main(["--lang", "en", "demo", str(directory)]) == 0
        yield directory / "custody.sqlite"


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# demo --------------------------------------------------------------------------------------


def test_demo_builds_the_database_and_prints_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "new" / "demo"

    assert main(["--lang", "en", "demo", str(directory)]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    database = directory / "custody.sqlite"
    assert database.is_file()
    for sku in EXPECTED:
        assert sku in out
    assert "BOOK-01" not in out
    assert "ROMASHKA" in out
    assert SHORTAGE_LINE in lines_of(out)
    # Only order №3 is short.
    assert [line for line in lines_of(out) if "is short" in line] == [SHORTAGE_LINE]

    with custody_core.open(f"sqlite:///{database}", entry_points=False) as app:
        assert isinstance(app.storage, SQLiteStorage)
        assert app.storage.schema_version() >= 1
        assert app.account("default").code == "default"


@pytest.mark.parametrize("occupied_by", ["a file inside", "a file in its place"])
def test_demo_refuses_an_occupied_directory_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], occupied_by: str
) -> None:
    target = tmp_path / "target"
    if occupied_by == "a file inside":
        target.mkdir()
        (target / "notes.txt").write_text("mine", encoding="utf-8")
    else:
        target.write_text("mine", encoding="utf-8")
    before = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*"))

    assert main(["--lang", "en", "demo", str(target)]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert len(lines_of(err)) == 1
    assert str(target) in err
    assert "Traceback" not in err
    assert sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*")) == before


# stock report ------------------------------------------------------------------------------


def report_json(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    argv = ["--db", str(demo_db), "stock", "report", "--counterparty", "ROMASHKA", "--json"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    data: dict[str, Any] = json.loads(out)
    return data


def test_json_report_carries_exact_decimal_strings(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = report_json(demo_db, capsys)

    assert data["counterparty"]["code"] == "ROMASHKA"
    lines = {line["sku"]: line for line in data["lines"]}
    assert sorted(lines) == sorted(EXPECTED)
    for sku, (on_hand, reserved, free, shortage) in EXPECTED.items():
        line = lines[sku]
        assert line["warehouse"] == "MSK-1"
        assert (line["on_hand"], line["reserved"], line["free"]) == (on_hand, reserved, free), sku
        # Exact, but the scale of a zero shortage is not part of the contract.
        assert isinstance(line["shortage"], str)
        assert Decimal(line["shortage"]) == Decimal(shortage), sku
        holds = [(hold["number"], hold["reserved"], hold["shortage"]) for hold in line["orders"]]
        assert [(n, r, Decimal(s)) for n, r, s in holds] == [
            (n, r, Decimal(s)) for n, r, s in EXPECTED_HOLDS[sku]
        ], sku
    # A positive shortage is printed at the item's scale, exactly.
    assert lines["COF-002"]["shortage"] == "15"


def test_json_quantities_are_never_floats(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = report_json(demo_db, capsys)

    for line in data["lines"]:
        quantities = [line[key] for key in ("on_hand", "reserved", "free", "shortage")]
        quantities += [hold[key] for hold in line["orders"] for key in ("reserved", "shortage")]
        for value in quantities:
            assert isinstance(value, str), (line["sku"], value)
            assert Decimal(value).is_finite()
        assert Decimal(line["free"]) == Decimal(line["on_hand"]) - Decimal(line["reserved"])
        assert sum(Decimal(hold["reserved"]) for hold in line["orders"]) == Decimal(
            line["reserved"]
        )


def test_table_report_shows_the_shortage(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--lang", "en", "--db", str(demo_db), "stock", "report", "--counterparty", "ROMASHKA"]
    assert main(argv) == 0

    out, err = capsys.readouterr()
    assert err == ""
    for header in ("SKU", "Reserved", "Free", "Shortage"):
        assert header in out
    for sku in EXPECTED:
        assert sku in out
    assert "55.500" in out
    assert SHORTAGE_LINE in lines_of(out)


def test_lang_ru_prints_russian_headers(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--lang", "ru", "--db", str(demo_db), "stock", "report", "--counterparty", "ROMASHKA"]
    assert main(argv) == 0

    out, _ = capsys.readouterr()
    for header in ("Артикул", "Остаток", "Резерв", "Свободно", "Недостача"):
        assert header in out
    assert "Запасы на хранении" in out
    for header in ("On hand", "Reserved", "Shortage"):
        assert header not in out


def test_russian_is_the_default_under_a_russian_locale(
    demo_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert main(["--db", str(demo_db), "stock", "report", "--counterparty", "ROMASHKA"]) == 0
    assert "Остаток" in capsys.readouterr().out


# errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "counterparty NOPE not found"), ("ru", "не найден")]
)
def test_an_unknown_counterparty_is_one_line_on_stderr(
    demo_db: Path, capsys: pytest.CaptureFixture[str], lang: str, expected: str
) -> None:
    argv = ["--lang", lang, "--db", str(demo_db), "stock", "report", "--counterparty", "NOPE"]
    assert main(argv) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("custody: ")
    assert expected in err
    assert "Traceback" not in err


def test_a_missing_database_is_an_error_and_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.sqlite"
    argv = ["--db", str(missing), "stock", "report", "--counterparty", "ROMASHKA", "--json"]

    assert main(argv) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert str(missing) in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_the_database_can_come_from_the_environment(
    demo_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTODY_DB", str(demo_db))
    assert main(["stock", "report", "--counterparty", "ROMASHKA", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counterparty"]["code"] == "ROMASHKA"


# the installed command ---------------------------------------------------------------------


def custody_command(how: str) -> list[str]:
    if how == "module":
        return [sys.executable, "-m", "custody_core.cli"]
    script = Path(sys.executable).parent / ("custody.exe" if os.name == "nt" else "custody")
    if not script.exists():
        pytest.skip(f"no console script at {script}")
    return [str(script)]


@pytest.mark.parametrize("how", ["module", "console script"])
def test_the_command_prints_its_help(how: str) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CUSTODY_") and key not in ("FORCE_COLOR", "TTY_COMPATIBLE")
    }
    env["LANG"] = "C.UTF-8"
    result = subprocess.run(
        [*custody_command(how), "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: custody")
    for word in ("demo", "stock", "receipt", "order", "shipment", "period", "db", "--db", "--lang"):
        assert word in result.stdout
    assert result.stderr == ""


# commands on a database of their own ---------------------------------------------------------
#
# Every test below that changes data gets a fresh demo database. Expected values come from the
# scenario in the module docstring; the demo posts its receipts ten days before its business
# date ("today", the date of shipment 1) and everything else on that day.


@pytest.fixture
def fresh_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A demo database this test may change."""
    assert main(["--lang", "en", "demo", str(tmp_path / "demo")]) == 0
    capsys.readouterr()
    return tmp_path / "demo" / "custody.sqlite"


@contextmanager
def office_of(database: Path) -> Iterator[BackOffice]:
    """The library's own back office on the database, to check what the CLI stored."""
    with custody_core.open(f"sqlite:///{database}", entry_points=False) as app:
        yield app.back_office(Principal.manager(app.account("default").id, "test"))


def demo_today(database: Path) -> date:
    """The demo's business date: the date of the shipment it posted when it delivered №1."""
    with office_of(database) as office:
        return office.shipment(1).date


def stock_of(database: Path) -> dict[str, tuple[Decimal, Decimal]]:
    """ROMASHKA's current stock, SKU -> (on hand, reserved), read through the library."""
    with office_of(database) as office:
        report = office.stock_report("ROMASHKA")
    return {line.item.sku: (line.on_hand, line.reserved) for line in report.lines}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], database: Path, *argv: str) -> Any:
    code, out, err = run(capsys, "--db", str(database), *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def fails(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 1) -> str:
    """Run a command that must fail; its stderr, after the common checks."""
    exit_code, out, err = run(capsys, *argv)
    assert exit_code == code, err
    assert out == ""
    assert "Traceback" not in err
    return err


def as_decimals(line: dict[str, Any], *keys: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(line[key]) for key in keys)


def skus(lines: list[dict[str, Any]]) -> list[tuple[str, Decimal]]:
    return [(line["sku"], Decimal(line["quantity"])) for line in lines]


# stock report over a period

FLOWS = (
    "opening_on_hand",
    "opening_reserved",
    "received",
    "reservations",
    "released",
    "delivered",
    "on_hand",
    "reserved",
)
#: The demo's business day: every order change happens on it, the receipts ten days before.
#: TEA: №1 reserves 30, №2 50, №4 5 (then released); №1 delivers 30.
#: COF: №1 reserves 10, №2 25, №3 20; №1 delivers 10.   SUG: №3 reserves 12.250.
TODAY_FLOWS = {
    "TEA-001": ("120", "0", "0", "85", "5", "30", "90", "50"),
    "COF-002": ("40", "0", "0", "55", "0", "10", "30", "45"),
    "SUG-003": ("55.5", "0", "0", "12.25", "0", "0", "55.5", "12.25"),
}


def test_a_report_over_one_day_shows_opening_movements_and_closing(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = demo_today(demo_db).isoformat()
    data = run_json(
        capsys,
        demo_db,
        "stock",
        "report",
        "--counterparty",
        "ROMASHKA",
        "--from",
        today,
        "--to",
        today,
    )

    assert (data["period_start"], data["period_end"]) == (today, today)
    lines = {line["sku"]: line for line in data["lines"]}
    assert sorted(lines) == sorted(TODAY_FLOWS)
    for sku, flows in TODAY_FLOWS.items():
        assert as_decimals(lines[sku], *FLOWS) == tuple(Decimal(value) for value in flows), sku
    written = {
        sku: [(w["number"], w["quantity"]) for w in line["written_off"]]
        for sku, line in lines.items()
    }
    assert written == {"TEA-001": [(1, "30")], "COF-002": [(1, "10")], "SUG-003": []}
    holds = {
        sku: [(h["number"], Decimal(h["shortage"])) for h in line["orders"]]
        for sku, line in lines.items()
    }
    assert holds == {"TEA-001": [(2, 0)], "COF-002": [(2, 0), (3, 15)], "SUG-003": [(3, 0)]}


def test_a_period_from_the_receipt_day_shows_what_came_in(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = demo_today(demo_db)
    received_on = (today - timedelta(days=10)).isoformat()
    data = run_json(
        capsys,
        demo_db,
        "stock",
        "report",
        "--counterparty",
        "ROMASHKA",
        "--from",
        received_on,
        "--to",
        today.isoformat(),
    )

    lines = {line["sku"]: line for line in data["lines"]}
    assert {
        sku: as_decimals(line, "opening_on_hand", "received") for sku, line in lines.items()
    } == {
        "TEA-001": (0, 120),
        "COF-002": (0, 40),
        "SUG-003": (0, Decimal("55.5")),
    }
    assert {sku: Decimal(line["on_hand"]) for sku, line in lines.items()} == {
        "TEA-001": 90,
        "COF-002": 30,
        "SUG-003": Decimal("55.5"),
    }


def test_a_report_as_of_a_day_is_the_position_at_its_end(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    received_on = demo_today(demo_db) - timedelta(days=10)
    argv = ("stock", "report", "--counterparty", "ROMASHKA", "--as-of")

    before = run_json(capsys, demo_db, *argv, (received_on - timedelta(days=1)).isoformat())
    on_the_day = run_json(capsys, demo_db, *argv, received_on.isoformat())

    assert before["lines"] == []
    assert on_the_day["period_start"] == on_the_day["period_end"] == received_on.isoformat()
    assert {
        line["sku"]: (*as_decimals(line, "on_hand", "reserved"), len(line["orders"]))
        for line in on_the_day["lines"]
    } == {"TEA-001": (120, 0, 0), "COF-002": (40, 0, 0), "SUG-003": (Decimal("55.5"), 0, 0)}


def test_a_report_as_of_an_instant_reads_it_on_the_accounts_clock(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = demo_today(demo_db)
    argv = ("stock", "report", "--counterparty", "ROMASHKA", "--as-of")
    # The demo delivered №1 (30 TEA-001) today; at midnight nothing of today was posted yet.
    at_midnight = run_json(capsys, demo_db, *argv, f"{today} 00:00")
    at_day_end = run_json(capsys, demo_db, *argv, f"{today} 23:59")
    moscow = timezone(timedelta(hours=3))  # the demo account's zone keeps UTC+3 all year

    delivered = {line["sku"]: line["delivered"] for line in at_day_end["lines"]}
    assert delivered["TEA-001"] == "30"
    assert all(Decimal(line["delivered"]) == 0 for line in at_midnight["lines"])
    instant = datetime.fromisoformat(at_day_end["as_of"])
    assert instant.utcoffset() == timedelta(0)  # instants stay UTC in --json
    assert instant == datetime.combine(today, time(23, 59), tzinfo=moscow)
    code, out, _ = run(capsys, "--db", str(demo_db), "--lang", "ru", *argv, f"{today}T23:59+03:00")
    assert code == 0
    assert f"(ROMASHKA) на {today:%d.%m.%Y} 23:59 (МСК)" in out


def test_the_table_shows_the_period_columns_and_the_orders_behind_each_line(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = demo_today(demo_db).isoformat()
    code, out, err = run(
        capsys,
        "--db",
        str(demo_db),
        "stock",
        "report",
        "--counterparty",
        "ROMASHKA",
        "--from",
        today,
    )

    assert (code, err) == (0, "")
    for header in ("Opening", "Received", "Reserved", "Delivered", "On hand", "Free", "Orders"):
        assert header in out
    assert f"{today} – {today}" in out
    coffee = next(line for line in lines_of(out) if "COF-002" in line)
    cells = [cell.strip() for cell in coffee.split("│")[1:-1]]
    assert cells[:10] == [
        "MSK-1",
        "COF-002",
        "Кофе молотый, 250 г",
        "40",
        "0",
        "45",
        "10",
        "30",
        "-15",
        "15",
    ]
    assert "№3 holds 20 (short 15)" in out
    assert "№1 wrote off 30" in out
    assert SHORTAGE_LINE in lines_of(out)


@pytest.mark.parametrize("option", ["--from", "--to", "--as-of"])
@pytest.mark.parametrize("value", ["2026-02-30", "26-01-01", "yesterday", "20260101"])
def test_a_bad_date_is_a_usage_error_naming_the_option(
    demo_db: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    argv = ["--db", str(demo_db), "stock", "report", "--counterparty", "ROMASHKA", option, value]

    err = fails(capsys, *argv, code=2)

    assert f"argument {option}: expected a date YYYY-MM-DD" in err
    assert value in err


def test_a_day_and_a_period_together_are_refused(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--db", str(demo_db), "stock", "report", "--counterparty", "ROMASHKA"]

    err = fails(capsys, *argv, "--as-of", "2026-01-10", "--from", "2026-01-01")

    assert err.startswith("custody: report date:")
    assert len(lines_of(err)) == 1


# receipt post


def write_receipt(directory: Path, **changes: Any) -> Path:
    receipt: dict[str, Any] = {
        "number": "ПН-0100",
        "date": "2024-01-15",
        "counterparty": "ROMASHKA",
        "warehouse": "MSK-1",
        "lines": [{"sku": "SUG-003", "quantity": "1.5"}, {"sku": "TEA-001", "quantity": 10}],
    }
    receipt.update(changes)
    path = directory / "receipt.json"
    path.write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_receipt_is_posted_from_a_json_file_with_exact_decimals(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "receipt.json"
    # A JSON number with a fraction: read as a float it would be refused by the library.
    path.write_text(
        '{"number": "ПН-0100", "date": "2024-01-15", "counterparty": "ROMASHKA",'
        ' "warehouse": "MSK-1", "contract": "ОХ-2026/01",'
        ' "lines": [{"sku": "SUG-003", "quantity": 1.5}, {"sku": "TEA-001", "quantity": 10}]}',
        encoding="utf-8",
    )

    data = run_json(capsys, fresh_db, "receipt", "post", str(path))

    assert (data["number"], data["date"]) == ("ПН-0100", "2024-01-15")
    assert (data["counterparty"], data["warehouse"]) == ("ROMASHKA", "MSK-1")
    assert [(line["sku"], line["quantity"]) for line in data["lines"]] == [
        ("SUG-003", "1.500"),
        ("TEA-001", "10"),
    ]
    assert stock_of(fresh_db)["SUG-003"] == (Decimal("57.000"), Decimal("12.250"))
    assert stock_of(fresh_db)["TEA-001"] == (100, 50)
    with office_of(fresh_db) as office:
        stored = office.receipt("ROMASHKA", "ПН-0100", 2024)
    assert stored.date == date(2024, 1, 15)
    assert sorted(line.quantity for line in stored.lines) == [Decimal("1.5"), 10]


def test_a_posted_receipt_is_shown_with_skus(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--db", str(fresh_db), "receipt", "post", str(write_receipt(tmp_path))
    )

    assert (code, err) == (0, "")
    assert "Receipt ПН-0100" in out
    assert "2024-01-15" in out
    assert "SUG-003 × 1.500, TEA-001 × 10" in out


BROKEN_RECEIPTS = {
    "bad JSON": (
        '{"number": "ПН-0100",\n  "date": 2024-01-15}',
        "not valid JSON at line 2, column 15: a comma is expected",
    ),
    "a list": ("[1, 2]", "expected a JSON object {...}"),
    "no counterparty": ('{"number": "1", "date": "2024-01-15"}', "missing key counterparty"),
    "a line without quantity": (
        {"lines": [{"sku": "TEA-001", "quantity": 1}, {"sku": "SUG-003"}]},
        "missing key lines[2].quantity",
    ),
    "a typo": ({"contarct": "ОХ-2026/01"}, "unknown key contarct"),
    "lines not a list": ({"lines": {"sku": "TEA-001", "quantity": 1}}, "lines must be a JSON list"),
    "a line not an object": ({"lines": ["TEA-001=1"]}, "lines[1] must be a JSON object"),
    "a Russian date": ({"date": "15.01.2024"}, 'date must be a date YYYY-MM-DD, not "15.01.2024"'),
    "a numeric number": ({"number": 100}, "number must be a string"),
}


@pytest.mark.parametrize(("broken", "expected"), BROKEN_RECEIPTS.values(), ids=BROKEN_RECEIPTS)
def test_a_receipt_file_that_cannot_be_read_is_one_line_and_posts_nothing(
    fresh_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    broken: str | dict[str, Any],
    expected: str,
) -> None:
    if isinstance(broken, str):
        path = tmp_path / "receipt.json"
        path.write_text(broken, encoding="utf-8")
    else:
        path = write_receipt(tmp_path, **broken)
    before = stock_of(fresh_db)

    err = fails(capsys, "--db", str(fresh_db), "receipt", "post", str(path))

    assert lines_of(err) == [f"custody: {path}: {expected}"]
    assert stock_of(fresh_db) == before


def test_a_missing_receipt_file_is_named(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.json"

    err = fails(capsys, "--db", str(fresh_db), "receipt", "post", str(missing))

    assert lines_of(err) == [f"custody: {missing}: no such file"]


def test_every_problem_of_a_refused_receipt_is_printed_with_its_field(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [{"sku": "NOPE", "quantity": 1}, {"sku": "TEA-001", "quantity": "-1"}]
    path = write_receipt(tmp_path, lines=lines, warehouse="SPB-9")
    before = stock_of(fresh_db)

    err = fails(capsys, "--db", str(fresh_db), "receipt", "post", str(path))

    assert sorted(lines_of(err)) == [
        "custody: document line 1, SKU: 'NOPE' does not exist",
        "custody: document line 2, quantity: -1 must be greater than zero",
        "custody: warehouse: 'SPB-9' does not exist",
    ]
    assert stock_of(fresh_db) == before


def test_the_same_receipt_twice_is_refused(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_receipt(tmp_path)
    assert run(capsys, "--db", str(fresh_db), "receipt", "post", str(path))[0] == 0

    err = fails(capsys, "--db", str(fresh_db), "receipt", "post", str(path))

    assert "ПН-0100 of 2024 for counterparty ROMASHKA is already posted" in err
    assert stock_of(fresh_db)["TEA-001"] == (100, 50)


# orders


def test_an_order_is_created_as_a_draft_that_reserves_nothing(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(
        capsys,
        fresh_db,
        "order",
        "create",
        "--counterparty",
        "ROMASHKA",
        "--warehouse",
        "MSK-1",
        "--line",
        "TEA-001=5",
        "--line",
        "SUG-003=0.5",
        "--recipient",
        "Орлова Н. В.",
        "--address",
        "Москва, Тверская 1",
    )

    assert (data["number"], data["state"], data["version"]) == (6, "draft", 1)
    assert (data["counterparty"], data["warehouse"]) == ("ROMASHKA", "MSK-1")
    assert skus(data["lines"]) == [("TEA-001", 5), ("SUG-003", Decimal("0.5"))]
    assert data["lines"][1]["quantity"] == "0.500"
    assert (data["recipient"], data["address"]) == ("Орлова Н. В.", "Москва, Тверская 1")
    assert run_json(capsys, fresh_db, "order", "show", "6") == data
    assert stock_of(fresh_db)["TEA-001"] == (90, 50)


def test_a_created_order_is_shown_as_a_card_with_skus(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["order", "create", "--counterparty", "ROMASHKA", "--warehouse", "MSK-1"]
    code, out, err = run(capsys, "--db", str(fresh_db), *argv, "--line", "COF-002=2")

    assert (code, err) == (0, "")
    assert "Delivery order №6" in out
    for text in ("draft", "ROMASHKA", "MSK-1", "COF-002 × 2"):
        assert text in out


def test_an_order_with_an_unknown_sku_is_refused(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["order", "create", "--counterparty", "ROMASHKA", "--warehouse", "MSK-1"]

    err = fails(capsys, "--db", str(fresh_db), *argv, "--line", "TEA-001=1", "--line", "NOPE=1")

    assert lines_of(err) == ["custody: document line 2, SKU: 'NOPE' does not exist"]
    with office_of(fresh_db) as office:
        assert [order.number for order in office.orders()] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("line", ["TEA-001", "=5", "TEA-001="])
def test_a_line_that_is_not_sku_equals_quantity_is_a_usage_error(
    demo_db: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    argv = ["order", "create", "--counterparty", "ROMASHKA", "--warehouse", "MSK-1"]

    err = fails(capsys, "--db", str(demo_db), *argv, "--line", line, code=2)

    assert "argument --line: expected SKU=QUANTITY" in err


def test_confirming_a_draft_reserves_its_lines(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(capsys, fresh_db, "order", "confirm", "5", "--expected-version", "1")

    assert (data["number"], data["state"], data["version"]) == (5, "confirmed", 2)
    assert data["confirmed_at"] is not None
    assert stock_of(fresh_db)["SUG-003"] == (Decimal("55.5"), Decimal("15.25"))


@pytest.mark.parametrize("command", ["confirm", "cancel", "deliver", "fail"])
def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(
    fresh_db: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # Order №2 was created (version 1) and confirmed (version 2).
    extra = ["--reason", "rescheduled"] if command == "fail" else []

    err = fails(
        capsys, "--db", str(fresh_db), "order", command, "2", "--expected-version", "1", *extra
    )

    assert lines_of(err) == [
        "custody: Order 2 has changed meanwhile (version 2, not 1); reload it and try again"
    ]
    with office_of(fresh_db) as office:
        order = office.order(2)
    assert (order.state, order.version) == (OrderState.CONFIRMED, 2)


def test_cancelling_releases_the_reserve_and_the_shortage(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(capsys, fresh_db, "order", "cancel", "2")

    assert (data["state"], data["version"]) == ("cancelled", 3)
    # №3 keeps COF 20 of the 30 on hand: nothing is short any more.
    assert stock_of(fresh_db) == {
        "TEA-001": (90, 0),
        "COF-002": (30, 20),
        "SUG-003": (Decimal("55.5"), Decimal("12.25")),
    }
    report = run_json(capsys, fresh_db, "stock", "report", "--counterparty", "ROMASHKA")
    assert all(Decimal(line["shortage"]) == 0 for line in report["lines"])


def test_a_delivery_with_a_refusal_posts_a_shipment_of_what_was_taken(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(capsys, fresh_db, "order", "deliver", "2", "--refused", "COF-002=5")

    order, shipment = data["order"], data["shipment"]
    assert (order["state"], order["version"]) == ("partially_delivered", 3)
    assert skus(order["handed_over"]) == [("TEA-001", 50), ("COF-002", 20)]
    assert (shipment["number"], shipment["order_number"]) == (2, 2)
    assert shipment["date"] == demo_today(fresh_db).isoformat()
    assert skus(shipment["lines"]) == [("TEA-001", 50), ("COF-002", 20)]
    assert skus(shipment["refused"]) == [("COF-002", 5)]
    assert shipment["posted_by"] == "cli"
    # TEA 90 - 50; COF 30 - 20 = 10 on hand while №3 still holds 20.
    assert stock_of(fresh_db) == {
        "TEA-001": (40, 0),
        "COF-002": (10, 20),
        "SUG-003": (Decimal("55.5"), Decimal("12.25")),
    }


def test_a_delivery_prints_the_order_and_its_shipment(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", str(fresh_db), "order", "deliver", "3")

    assert (code, err) == (0, "")
    assert "Delivery order №3" in out
    assert "Shipment №2" in out
    assert "delivered" in out
    assert out.count("COF-002 × 20, SUG-003 × 12.250") == 3  # lines, handed over, shipped


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["2", "--refused", "NOPE=1"], "custody: refused item NOPE: 'NOPE' does not exist"),
        (
            ["2", "--refused", "TEA-001=1", "TEA-001=2"],
            "custody: --refused names TEA-001 more than once",
        ),
        (["5"], "custody: Order 5 is draft: the change 'deliver' is not allowed"),
        (["99"], "custody: order 99 not found"),
    ],
)
def test_a_refused_delivery_changes_nothing(
    fresh_db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    before = stock_of(fresh_db)

    err = fails(capsys, "--db", str(fresh_db), "order", "deliver", *argv)

    assert lines_of(err) == [expected]
    assert stock_of(fresh_db) == before
    with office_of(fresh_db) as office:
        assert [shipment.number for shipment in office.shipments()] == [1]


@pytest.mark.parametrize(
    ("reason", "options", "state", "sugar_reserved"),
    [
        ("recipient_absent", [], "not_delivered", "12.25"),  # this reason keeps the reserve
        ("recipient_absent", ["--release-reserve"], "failed", "0"),
        ("goods_damaged", [], "failed", "0"),  # this one releases it
        ("goods_damaged", ["--keep-reserve"], "not_delivered", "12.25"),
    ],
)
def test_a_failed_delivery_keeps_or_releases_the_reserve(
    fresh_db: Path,
    capsys: pytest.CaptureFixture[str],
    reason: str,
    options: list[str],
    state: str,
    sugar_reserved: str,
) -> None:
    data = run_json(capsys, fresh_db, "order", "fail", "3", "--reason", reason, *options)

    assert (data["state"], data["failure_reason"], data["version"]) == (state, reason, 3)
    # №3 holds COF 20 and SUG 12.250; №2 keeps its COF 25 either way.
    coffee_reserved = 25 + (20 if state == "not_delivered" else 0)
    assert stock_of(fresh_db)["COF-002"] == (30, coffee_reserved)
    assert stock_of(fresh_db)["SUG-003"] == (Decimal("55.5"), Decimal(sugar_reserved))


@pytest.mark.parametrize(
    "options",
    [["--reason", "lost"], [], ["--reason", "rescheduled", "--keep-reserve", "--release-reserve"]],
)
def test_fail_options_are_checked_by_the_parser(
    demo_db: Path, capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    err = fails(capsys, "--db", str(demo_db), "order", "fail", "3", *options, code=2)
    assert err.startswith("usage: custody order fail")


def numbers_of(data: dict[str, Any]) -> list[int]:
    return [order["number"] for order in data["items"]]


def test_orders_are_listed_by_state_and_counterparty(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def listed(*options: str) -> list[int]:
        return numbers_of(run_json(capsys, demo_db, "order", "list", *options))

    assert listed() == [1, 2, 3, 4, 5]
    assert listed("--state", "confirmed") == [2, 3]
    assert listed("--state", "draft", "confirmed") == [2, 3, 5]
    assert listed("--state", "draft", "--state", "cancelled") == [4, 5]
    assert listed("--counterparty", "ROMASHKA", "--state", "delivered") == [1]
    assert listed("--counterparty", "VASILEK") == []


def test_orders_are_paged_with_the_printed_cursor(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages: list[list[int]] = []
    after: list[str] = []
    while True:
        data = run_json(capsys, demo_db, "order", "list", "--limit", "2", *after)
        pages.append(numbers_of(data))
        if data["next_after"] is None:
            break
        after = ["--after", data["next_after"]]

    assert pages == [[1, 2], [3, 4], [5]]


def test_the_order_table_names_skus_and_how_to_page_on(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", str(demo_db), "order", "list", "--limit", "2")

    assert (code, err) == (0, "")
    rows = [line for line in lines_of(out) if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == ["1", "2"]
    assert "TEA-001 × 30, COF-002 × 10" in rows[0]
    assert "ROMASHKA" in rows[1]
    cursor = run_json(capsys, demo_db, "order", "list", "--limit", "2")["next_after"]
    assert lines_of(out)[-1] == f"More rows: repeat with --after {cursor}"


def test_an_empty_list_says_so(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", str(demo_db), "order", "list", "--counterparty", "VASILEK")
    assert (code, lines_of(out)) == (0, ["Nothing found."])


def test_an_order_is_shown_in_russian(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "ru", "--db", str(demo_db), "order", "show", "3"]) == 0

    out = capsys.readouterr().out
    assert "Заказ на доставку №3" in out
    for text in ("Состояние", "подтверждён", "Получатель", "Сидоров П. П.", "SUG-003 × 12.250"):
        assert text in out


@pytest.mark.parametrize(
    ("lang", "state", "reason"),
    [
        ("ru", "не доставлен (резерв снят)", "Получатель отказался"),
        ("en", "failed (reserve released)", "Recipient refused the order"),
    ],
)
def test_a_failed_order_shows_its_state_and_reason_by_name(
    fresh_db: Path, capsys: pytest.CaptureFixture[str], lang: str, state: str, reason: str
) -> None:
    run_json(capsys, fresh_db, "order", "fail", "3", "--reason", "recipient_refused")

    assert main(["--lang", lang, "--db", str(fresh_db), "order", "show", "3"]) == 0

    out = capsys.readouterr().out
    assert state in out
    assert reason in out
    assert "recipient_refused" not in out


def test_an_unknown_order_is_not_found(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = fails(capsys, "--db", str(demo_db), "order", "show", "99")
    assert lines_of(err) == ["custody: order 99 not found"]


# shipments


def test_shipments_are_listed_with_skus_and_filtered(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = demo_today(demo_db)

    data = run_json(capsys, demo_db, "shipment", "list")

    assert data["next_after"] is None
    [shipment] = data["items"]
    assert (shipment["number"], shipment["order_number"], shipment["date"]) == (
        1,
        1,
        today.isoformat(),
    )
    assert (shipment["counterparty"], shipment["warehouse"]) == ("ROMASHKA", "MSK-1")
    assert skus(shipment["lines"]) == [("TEA-001", 30), ("COF-002", 10)]
    assert shipment["refused"] == []
    assert shipment["recipient"] == "Иванов И. И."

    def listed(*options: str) -> list[int]:
        found = run_json(capsys, demo_db, "shipment", "list", *options)["items"]
        return [row["number"] for row in found]

    day = today.isoformat()
    assert listed("--order", "1", "--counterparty", "ROMASHKA", "--from", day, "--to", day) == [1]
    assert listed("--order", "2") == []
    assert listed("--counterparty", "VASILEK") == []
    assert listed("--from", (today + timedelta(days=1)).isoformat()) == []
    assert listed("--to", (today - timedelta(days=1)).isoformat()) == []


def test_shipments_are_paged(fresh_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--db", str(fresh_db), "order", "deliver", "2")[0] == 0

    first = run_json(capsys, fresh_db, "shipment", "list", "--limit", "1")
    second = run_json(
        capsys, fresh_db, "shipment", "list", "--limit", "1", "--after", first["next_after"]
    )

    assert [row["order_number"] for row in first["items"] + second["items"]] == [1, 2]
    assert second["next_after"] is None


def test_the_shipment_table_shows_skus(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", str(demo_db), "shipment", "list")

    assert (code, err) == (0, "")
    [row] = [line for line in lines_of(out) if line.startswith("│")]
    assert "TEA-001 × 30, COF-002 × 10" in row
    assert "ROMASHKA" in row


def test_a_reversed_shipment_is_listed_with_its_reversal_and_filtered(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--db", str(fresh_db), "order", "deliver", "2")[0] == 0
    with office_of(fresh_db) as office:
        office.reverse_shipment(1, "handed to the wrong person")
    today = demo_today(fresh_db).isoformat()

    data = run_json(capsys, fresh_db, "shipment", "list")
    reversal = data["items"][0]["reversal"]
    assert (reversal["number"], reversal["reason"], reversal["posted_by"]) == (
        1,
        "handed to the wrong person",
        "test",
    )
    assert data["items"][1]["reversal"] is None
    listed = [
        row["number"]
        for row in run_json(capsys, fresh_db, "shipment", "list", "--reversed")["items"]
    ]
    assert listed == [1]
    others = run_json(capsys, fresh_db, "shipment", "list", "--not-reversed")["items"]
    assert [row["number"] for row in others] == [2]
    code, out, _ = run(capsys, "--db", str(fresh_db), "--lang", "en", "shipment", "list")
    assert code == 0
    [first, second] = [
        line for line in lines_of(out) if line.startswith("│") and "ROMASHKA" in line
    ]
    assert f"№ 1, {today}" in first
    assert "№ 1," not in second


def test_a_bad_shipment_date_is_a_usage_error(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = fails(capsys, "--db", str(demo_db), "shipment", "list", "--to", "31.12.2026", code=2)
    assert "argument --to" in err


# period close


def month_ends_between(first: date, last: date) -> list[str]:
    """Ends of the months from `first`'s to `last`'s, worked out by stepping a day at a time."""
    ends, day = [], first
    while day <= last:
        if (day + timedelta(days=1)).month != day.month:
            ends.append(day.isoformat())
        day += timedelta(days=1)
    return ends


def test_months_are_closed_once_and_reports_still_add_up(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_receipt(tmp_path, lines=[{"sku": "TEA-001", "quantity": 7}])
    assert run(capsys, "--db", str(fresh_db), "receipt", "post", str(path))[0] == 0

    closed = run_json(capsys, fresh_db, "period", "close", "--through", "2024-03-31")
    again = run_json(capsys, fresh_db, "period", "close", "--through", "2024-03-31")

    assert closed == {"closed": ["2024-01-31", "2024-02-29", "2024-03-31"]}
    assert again == {"closed": []}
    with office_of(fresh_db) as office:
        assert office.closed_periods() == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    argv = ("stock", "report", "--counterparty", "ROMASHKA", "--as-of")
    [tea] = run_json(capsys, fresh_db, *argv, "2024-02-15")["lines"]
    assert (tea["sku"], tea["on_hand"]) == ("TEA-001", "7")
    # After closing, the current report still sees the old receipt plus the demo's stock.
    assert stock_of(fresh_db)["TEA-001"] == (97, 50)


def test_closing_without_a_date_closes_every_month_up_to_the_last_one(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_receipt(tmp_path, date="2025-01-20")
    assert run(capsys, "--db", str(fresh_db), "receipt", "post", str(path))[0] == 0
    today = demo_today(fresh_db)
    last_month_end = today.replace(day=1) - timedelta(days=1)

    code, out, err = run(capsys, "--db", str(fresh_db), "period", "close")

    assert (code, err) == (0, "")
    assert lines_of(out) == [
        "Closed months ending " + ", ".join(month_ends_between(date(2025, 1, 1), last_month_end))
    ]
    assert lines_of(run(capsys, "--db", str(fresh_db), "period", "close")[1]) == [
        "No month to close."
    ]


def test_a_month_that_has_not_ended_cannot_be_closed(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = demo_today(fresh_db)

    err = fails(capsys, "--db", str(fresh_db), "period", "close", "--through", today.isoformat())

    assert len(lines_of(err)) == 1
    assert err.startswith("custody: closing date:")
    assert today.isoformat() in err
    with office_of(fresh_db) as office:
        assert office.closed_periods() == []


# db backup


def report_without_time(database: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    data: dict[str, Any] = run_json(
        capsys, database, "stock", "report", "--counterparty", "ROMASHKA"
    )
    del data["generated_at"]
    return data


def test_a_backup_is_a_custody_database_with_the_same_stock(
    fresh_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--db", str(fresh_db), "order", "deliver", "2")[0] == 0
    target = tmp_path / "copies" / "backup.sqlite"
    target.parent.mkdir()

    data = run_json(capsys, fresh_db, "db", "backup", str(target))

    assert data == {"file": str(target)}
    assert [path.name for path in target.parent.iterdir()] == ["backup.sqlite"]
    assert report_without_time(target, capsys) == report_without_time(fresh_db, capsys)
    with custody_core.open(f"sqlite:///{target}", entry_points=False) as app:
        assert isinstance(app.storage, SQLiteStorage)
        assert app.storage.schema_version() >= 1
        office = app.back_office(Principal.manager(app.account("default").id, "test"))
        assert [order.state for order in office.orders()] == [
            OrderState.DELIVERED,
            OrderState.DELIVERED,
            OrderState.CONFIRMED,
            OrderState.CANCELLED,
            OrderState.DRAFT,
        ]


def test_a_backup_never_overwrites_a_file(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "precious.sqlite"
    target.write_bytes(b"mine")

    err = fails(capsys, "--db", str(demo_db), "db", "backup", str(target))

    assert lines_of(err) == [f"custody: file: '{target}' already exists"]
    assert target.read_bytes() == b"mine"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["precious.sqlite"]


def test_a_backup_says_where_it_went(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "copy.sqlite"
    code, out, err = run(capsys, "--db", str(demo_db), "db", "backup", str(target))
    assert (code, err, lines_of(out)) == (0, "", [f"Backup written to {target}"])


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("memory://", "custody: db backup works only on a SQLite database, not memory://"),
        ("missing.sqlite", "custody: database missing.sqlite not found"),
    ],
)
def test_a_backup_needs_an_existing_sqlite_database(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: str,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)

    err = fails(capsys, "--db", database, "db", "backup", "copy.sqlite")

    assert lines_of(err) == [expected]
    assert list(tmp_path.iterdir()) == []


# every command -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["stock", "report"],
        ["receipt", "post"],
        ["order", "create"],
        ["order", "confirm"],
        ["order", "cancel"],
        ["order", "deliver"],
        ["order", "fail"],
        ["order", "list"],
        ["order", "show"],
        ["shipment", "list"],
        ["period", "close"],
        ["db", "backup"],
    ],
)
def test_every_command_has_help_and_a_json_option(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: custody {' '.join(command)}")
    assert "--json" in out


def test_a_backup_into_a_missing_folder_is_refused(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "copy.sqlite"

    err = fails(capsys, "--db", str(demo_db), "db", "backup", str(target))

    assert lines_of(err) == [f"custody: file: '{target.parent}' does not exist"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("listing", [["order", "list"], ["shipment", "list"]])
@pytest.mark.parametrize(
    ("paging", "expected"),
    [
        (
            ["--limit", "0"],
            "custody: page size: '0' is not valid (expected a whole number from 1 to 1000)",
        ),
        (["--after", "zzz"], "custody: continue after: 'zzz' is not valid"),
    ],
)
def test_a_bad_page_request_is_refused(
    demo_db: Path,
    capsys: pytest.CaptureFixture[str],
    listing: list[str],
    paging: list[str],
    expected: str,
) -> None:
    err = fails(capsys, "--db", str(demo_db), *listing, *paging)
    [line] = lines_of(err)
    assert line.startswith(expected)


def test_a_problem_names_its_row_and_survives_a_code_without_a_message() -> None:
    assert problem_text(Problem("text.blank", "lines[2].sku", row=4), "en") == (
        "Row 4: document line 2, SKU must not be blank"
    )
    assert problem_text(Problem("text.blank", "number", row=4), "ru") == (
        "Строка 4: номер: значение не может быть пустым"
    )
    assert problem_text(Problem("brand.new", "through", "2030-01-31", "a past month"), "en") == (
        "closing date: brand.new (value 2030-01-31, expected a past month)"
    )
