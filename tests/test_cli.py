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
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import custody_core
from custody_core.adapters.storage.sqlite.backend import SQLiteStorage
from custody_core.cli import main

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
    for word in ("demo", "stock", "--db", "--lang"):
        assert word in result.stdout
    assert result.stderr == ""
